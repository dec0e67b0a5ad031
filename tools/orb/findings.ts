// One problem an orb check found; the CLI prints it as `<RULE> <where>: <message>`.
/** A finding: the rule's id, where (`file` or `file:/json/pointer`, or `file:line` in TypeScript), and what is wrong. */
export interface Finding {
  rule: string;
  where: string;
  message: string;
}

/** Formats a finding as the single line the CLI prints. */
export function formatFinding(f: Finding): string {
  return `${f.rule} ${f.where}: ${f.message}`;
}

/** Joins a source file and a JSON-pointer-like path into a `where` string. */
export function at(file: string, path: readonly (string | number)[]): string {
  if (path.length === 0) return file;
  return `${file}:/${path.map((p) => String(p).replaceAll('~', '~0').replaceAll('/', '~1')).join('/')}`;
}
