// `<<include(file)>>` handling, mirroring the CircleCI CLI's `orb pack`
// (circleci-cli process/process.go MaybeIncludeFile).
import { readFileSync } from 'node:fs';
import path from 'node:path';

// The CLI's pattern: optional blanks inside the brackets, a path of [-\w/.] characters, and a
// closing parenthesis that the CLI treats as optional (kept so we accept exactly what it accepts).
// The CLI is written in Go, whose `\s` is ASCII only ([\t\n\f\r ]); JavaScript's `\s` also matches
// the no-break space and the other Unicode spaces, so the blanks are spelled out.
const GO_SPACE = String.raw`[\t\n\f\r ]`;
const INCLUDE_PATTERN = String.raw`<<${GO_SPACE}*include\(([-\w/.]+)\)?${GO_SPACE}*>>`;
// The same with any Unicode space (and the zero-width ones): what a reader would still take for an include.
const LOOSE_INCLUDE = /<<([\s\u200b\u2060]*)include\(([-\w/.]+)\)?([\s\u200b\u2060]*)>>/g;
const NOT_GO_SPACE = /[^\t\n\f\r ]/;

/** Error raised when an include cannot be inlined; the message names the file and the value. */
export class IncludeError extends Error {
  override name = 'IncludeError';
}

function codePoint(ch: string): string {
  return `U+${(ch.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
}

/** Refuses an include written with a space the CLI does not take for one: it would leave the text as it is. */
function refuseOtherSpaces(value: string): void {
  for (const m of value.matchAll(LOOSE_INCLUDE)) {
    const odd = NOT_GO_SPACE.exec(`${m[1] ?? ''}${m[3] ?? ''}`)?.[0];
    if (odd === undefined) continue;
    throw new IncludeError(`'${m[0]}' has a ${codePoint(odd)} space, which the CircleCI CLI does not read as a blank: it would leave the text in the orb instead of the file; write <<include(${m[2] ?? 'file'})>> (no spaces, or only ASCII spaces)`);
  }
}

/** Finds the include in a string value: null when there is none; throws when the CLI would refuse it,
 *  or would leave it as text where a reader sees an include (a no-break or other non-ASCII space). */
export function parseInclude(value: string): string | null {
  refuseOtherSpaces(value);
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

/** Replaces every include in a parsed component's string values with the file text. The CLI also
 *  replaces includes in map keys; that is refused here (a key that is a whole script is never meant). */
export function inlineIncludes(node: unknown, srcDir: string, onPath: (p: (string | number)[]) => string, trail: (string | number)[] = []): unknown {
  const one = (s: string, p: (string | number)[], key: boolean): string => {
    if (s === '') return s;
    try {
      const target = parseInclude(s);
      if (target !== null && key) throw new IncludeError(`an include is used as a map key ('${s}'); includes are supported only as a whole string value, e.g. command: <<include(${target})>>`);
      return target === null ? s : readInclude(srcDir, target);
    } catch (e) {
      throw new IncludeError(`${onPath(p)}: ${(e as Error).message}`);
    }
  };
  if (typeof node === 'string') return one(node, trail, false);
  if (Array.isArray(node)) return node.map((v, i) => inlineIncludes(v, srcDir, onPath, [...trail, i]));
  if (node !== null && typeof node === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node)) {
      out[one(k, [...trail, k], true)] = inlineIncludes(v, srcDir, onPath, [...trail, k]);
    }
    return out;
  }
  return node;
}
