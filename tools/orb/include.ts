// `<<include(file)>>` handling, mirroring the CircleCI CLI's `orb pack`
// (circleci-cli process/process.go MaybeIncludeFile).
import { readFileSync } from 'node:fs';
import path from 'node:path';

// The CLI's pattern: optional blanks inside the brackets, a path of [-\w/.] characters, and a
// closing parenthesis that the CLI treats as optional (kept so we accept exactly what it accepts).
const INCLUDE_PATTERN = String.raw`<<\s*include\(([-\w/.]+)\)?\s*>>`;

/** Error raised when an include cannot be inlined; the message names the file and the value. */
export class IncludeError extends Error {
  override name = 'IncludeError';
}

/** Finds the include in a string value: null when there is none; throws when the CLI would refuse it. */
export function parseInclude(value: string): string | null {
  const matches = [...value.matchAll(new RegExp(INCLUDE_PATTERN, 'g'))].slice(0, 2);
  if (matches.length === 0) return null;
  if (matches.length > 1) throw new IncludeError(`multiple include statements in one value: '${value}'`);
  const [full, target] = matches[0] as RegExpMatchArray;
  if (full !== value) {
    throw new IncludeError(`<<include(...)>> must be the entire value, found it inside other text: '${value}'`);
  }
  return target as string;
}

/** Escapes included text the way the CLI does: every `<<` becomes `\<<` (CircleCI turns it back). */
export function escapeIncluded(text: string): string {
  return text.replaceAll('<<', '\\<<');
}

/** Resolves an include target inside the orb source dir; refuses paths that leave it. */
export function includePath(srcDir: string, target: string): string {
  const root = path.resolve(srcDir);
  const full = path.resolve(root, target);
  // The CLI would happily read ../ paths; an orb must only ship files from its own source tree.
  if (full !== root && !full.startsWith(root + path.sep)) {
    throw new IncludeError(`include target '${target}' is outside the orb source directory`);
  }
  return full;
}

/** Reads and escapes an include target; refuses missing files and files that already contain `\<<`. */
export function readInclude(srcDir: string, target: string): string {
  const full = includePath(srcDir, target);
  let text: string;
  try {
    text = readFileSync(full, 'utf8');
  } catch {
    throw new IncludeError(`could not open ${path.join(srcDir, target)} for inclusion (missing file? run \`npm run build\`)`);
  }
  // A `\<<` in the file is ambiguous after escaping (`\\<<`): was it written for CircleCI or for the
  // shell? CircleCI would not hand back the file byte for byte, so refuse rather than guess.
  if (text.includes('\\<<')) {
    throw new IncludeError(`${path.join(srcDir, target)} contains '\\<<': included files must use plain '<<' (the packer escapes it)`);
  }
  return escapeIncluded(text);
}

/** Replaces every include in a parsed component (keys and values, as the CLI does) with the file text. */
export function inlineIncludes(node: unknown, srcDir: string, onPath: (p: (string | number)[]) => string, trail: (string | number)[] = []): unknown {
  const one = (s: string, p: (string | number)[]): string => {
    if (s === '') return s;
    try {
      const target = parseInclude(s);
      return target === null ? s : readInclude(srcDir, target);
    } catch (e) {
      throw new IncludeError(`${onPath(p)}: ${(e as Error).message}`);
    }
  };
  if (typeof node === 'string') return one(node, trail);
  if (Array.isArray(node)) return node.map((v, i) => inlineIncludes(v, srcDir, onPath, [...trail, i]));
  if (node !== null && typeof node === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node)) {
      out[one(k, [...trail, k])] = inlineIncludes(v, srcDir, onPath, [...trail, k]);
    }
    return out;
  }
  return node;
}
