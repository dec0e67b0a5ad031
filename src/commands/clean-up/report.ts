// What clean-up did, counted as it goes, and the one line that tells it (names and counts; no secrets).

/** What was removed, kept and refused. */
export interface Tally {
  /** Profile names whose sections went from the AWS config and credentials files. */
  profiles: Set<string>;
  /** Registry hosts taken off docker's credHelpers (the orb's credential helper). */
  helpers: Set<string>;
  /** Registry hosts whose docker login (an auths entry) went. */
  logins: Set<string>;
  /** Entries of the orb's ECR registry map and login records. */
  records: number;
  /** Whole files under ~/.aws-oidc and result files. */
  files: number;
  /** Commands whose runtime went from ~/.aws-oidc/runtime (clean-up's own is not counted). */
  runtimes: Set<string>;
  /** Node.js versions removed from ~/.aws-oidc/node. */
  nodes: string[];
  /** Variables unset in $BASH_ENV. */
  unset: string[];
  /** What the keep-* parameters kept. */
  kept: Set<string>;
  /** Things left in place, each with the reason. */
  refused: string[];
}

export const emptyTally = (): Tally => ({
  profiles: new Set(), helpers: new Set(), logins: new Set(), records: 0, files: 0, runtimes: new Set(), nodes: [], unset: [], kept: new Set(), refused: [],
});

const count = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** The one line clean-up prints: what it removed, what it unset, what it kept. */
export function summary(t: Tally): string {
  const parts: string[] = [];
  if (t.profiles.size > 0) parts.push(`${t.profiles.size === 1 ? 'profile' : 'profiles'} ${[...t.profiles].join(', ')}`);
  if (t.helpers.size > 0) parts.push(`the credential helper for ${count(t.helpers.size, 'registry', 'registries')}`);
  if (t.logins.size > 0) parts.push(count(t.logins.size, 'docker login'));
  if (t.records > 0) parts.push(count(t.records, 'ECR registry record'));
  if (t.files > 0) parts.push(count(t.files, 'file'));
  if (t.runtimes.size > 0) parts.push(`the runtime of ${count(t.runtimes.size, 'command')}`);
  if (t.nodes.length > 0) parts.push(`Node.js ${t.nodes.join(', ')}`);
  let line = parts.length > 0 ? `clean-up: removed ${parts.join('; ')}` : 'clean-up: nothing left to remove';
  if (t.unset.length > 0) line += `; unset ${count(t.unset.length, 'AWS_* variable')} for later steps`;
  if (t.kept.size > 0) line += `; kept ${[...t.kept].join(', ')}`;
  return line;
}
