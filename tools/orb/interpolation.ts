// Finds CircleCI `<< ... >>` expressions in config strings and classifies them.

/** One `<<` found in a string: what it is and where it starts. */
export interface Interpolation {
  kind: 'parameters' | 'pipeline' | 'matrix' | 'include' | 'invalid';
  /** For parameters: the parameter name; otherwise the whole expression text. */
  name: string;
  text: string;
  index: number;
}

// `<< parameters.x >>`, mustache sections `<<# parameters.x >>`, `<<^ ... >>`, `<</ ... >>`, and pipeline values.
const EXPRESSION = /^<<\s*[#^/]?\s*([A-Za-z_][\w.-]*)\s*>>/;
// Loose about blanks (any Unicode space): include.ts refuses the ones the CLI would not take for an include.
const INCLUDE = /^<<[\s\u200b\u2060]*include\(([-\w/.]+)\)?[\s\u200b\u2060]*>>/;

/** Lists every unescaped `<<` in a string; `\<<` is CircleCI's escape and is skipped. */
export function scanInterpolations(s: string): Interpolation[] {
  const out: Interpolation[] = [];
  let i = s.indexOf('<<');
  while (i !== -1) {
    if (i > 0 && s[i - 1] === '\\') {
      i = s.indexOf('<<', i + 2);
      continue;
    }
    const rest = s.slice(i);
    const inc = INCLUDE.exec(rest);
    const expr = inc ? null : EXPRESSION.exec(rest);
    let next = i + 2;
    if (inc) {
      out.push({ kind: 'include', name: inc[1] ?? '', text: inc[0], index: i });
      next = i + inc[0].length;
    } else if (expr) {
      const path = expr[1] ?? '';
      const head = path.split('.')[0];
      const known = head === 'parameters' || head === 'pipeline' || head === 'matrix';
      out.push({
        kind: known ? (head as 'parameters' | 'pipeline' | 'matrix') : 'invalid',
        name: head === 'parameters' ? path.slice('parameters.'.length) : path,
        text: expr[0],
        index: i,
      });
      next = i + expr[0].length;
    } else {
      // e.g. a heredoc `cat <<EOF` or a here-string `<<<` written straight into the orb YAML.
      out.push({ kind: 'invalid', name: '', text: rest.slice(0, 20).split('\n')[0] ?? '', index: i });
    }
    i = s.indexOf('<<', next);
  }
  return out;
}

/** True when a value is a string carrying an interpolation, so its final type is only known at compile time. */
export function isInterpolated(v: unknown): boolean {
  return typeof v === 'string' && scanInterpolations(v).some((x) => x.kind !== 'invalid');
}

/** Visits every string value (not keys) under a node with its path. */
export function walkStrings(node: unknown, visit: (s: string, path: (string | number)[]) => void, path: (string | number)[] = []): void {
  if (typeof node === 'string') visit(node, path);
  else if (Array.isArray(node)) node.forEach((v, i) => walkStrings(v, visit, [...path, i]));
  else if (node !== null && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) walkStrings(v, visit, [...path, k]);
  }
}
