// The `ORB_PARAM_*` variables the bash wrapper reads (tools/wrapper.ts renders the same wrapper around every
// command's bundle, e.g. `${ORB_PARAM_INSTALL_NODE:-}` for install-node). The wrapper's bash lives in the
// string and template literals of that file, so they are scanned for ORB_PARAM_ names; a name built from a
// `${...}` right after `ORB_PARAM_` cannot be known and is reported as "cannot check".
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import type { RuntimeReads } from './runtime-reads.ts';

/** Where the wrapper template lives, relative to the project root. */
export const WRAPPER_FILE = 'tools/wrapper.ts';

const NAME = /ORB_PARAM_[A-Z0-9_]+/g;

function literalParts(sf: ts.SourceFile): { text: string; node: ts.Node; beforeSubstitution: boolean }[] {
  const out: { text: string; node: ts.Node; beforeSubstitution: boolean }[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isStringLiteral(n) || ts.isNoSubstitutionTemplateLiteral(n)) out.push({ text: n.text, node: n, beforeSubstitution: false });
    else if (ts.isTemplateHead(n) || ts.isTemplateMiddle(n)) out.push({ text: n.text, node: n, beforeSubstitution: true });
    else if (ts.isTemplateTail(n)) out.push({ text: n.text, node: n, beforeSubstitution: false });
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

/** The sh pieces the wrapper template inlines (tools/sh/*.sh), relative to the project root. */
export const WRAPPER_SH_DIR = 'tools/sh';

/** The parameters the wrapper's sh pieces read (`${ORB_PARAM_X...}` or `$ORB_PARAM_X`), each with its file and line. */
function shReads(projectRoot: string): RuntimeReads['reads'] {
  const dir = path.join(projectRoot, WRAPPER_SH_DIR);
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => f.endsWith('.sh')).sort().flatMap((f) => readFileSync(path.join(dir, f), 'utf8').split('\n')
    .flatMap((text, i) => [...text.matchAll(NAME)].map((m) => ({ envName: m[0], where: `${WRAPPER_SH_DIR}/${f}:${i + 1}` }))));
}

/** Scans the wrapper (its template and the sh pieces it inlines) for the parameters it reads; a missing wrapper is itself "cannot check". */
export function wrapperReads(projectRoot: string, file = WRAPPER_FILE): RuntimeReads {
  const full = path.join(projectRoot, file);
  if (!existsSync(full)) return { reads: [], unchecked: [{ where: file, message: 'cannot check: the wrapper template is missing, so the parameters it reads are unknown' }] };
  const sf = ts.createSourceFile(full, readFileSync(full, 'utf8'), ts.ScriptTarget.ES2022, true);
  const out: RuntimeReads = { reads: shReads(projectRoot), unchecked: [] };
  for (const part of literalParts(sf)) {
    const line = sf.getLineAndCharacterOfPosition(part.node.getStart(sf)).line + 1;
    const where = `${file}:${line}`;
    for (const m of part.text.matchAll(NAME)) out.reads.push({ envName: m[0], where });
    if (part.beforeSubstitution && /ORB_PARAM_[A-Z0-9_]*$/.test(part.text)) {
      out.unchecked.push({ where, message: 'cannot check: the wrapper builds an ORB_PARAM_ name from a ${...} substitution; write the variable name out' });
    }
  }
  return out;
}
