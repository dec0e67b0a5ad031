// The scan gate after a push: wait for ECR's scan of the image (basic scanning, on push or started here;
// enhanced scanning's findings when the registry uses it) up to a timeout, print the findings as a table
// with counts per severity, and fail when any is at or above the chosen severity. Off by default.
// https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-scanning.html
import { OrbError } from '../../lib/errors.ts';
import { boolParam, enumParam, intParam, type Env, type ParamSource } from '../../lib/params.ts';
import type { ScanFinding, ScanReport } from '../../lib/aws/ecr-images.ts';

/** Severities from the most to the least severe, as ECR names them. */
export const SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFORMATIONAL', 'UNDEFINED', 'UNTRIAGED'] as const;
type Threshold = 'CRITICAL' | 'HIGH' | 'MEDIUM' | 'LOW' | 'INFORMATIONAL';

/** The gate's settings: on or off, the timeout in seconds, the lowest severity that fails the step. */
export interface ScanGateParams { enabled: boolean; timeoutSeconds: number; failOn: Threshold }

/** scan-gate (default false), scan-timeout (30-3600 s, default 600) and scan-fail-on-severity (default HIGH). */
export function parseScanGate(raw: ParamSource, env: Env): ScanGateParams {
  return {
    enabled: boolParam(raw, env, 'scan-gate', false),
    timeoutSeconds: intParam(raw, env, 'scan-timeout', 30, 3600, 600),
    failOn: enumParam(raw, env, 'scan-fail-on-severity', ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFORMATIONAL'] as const, 'HIGH'),
  };
}

/** What the gate needs: the scan report of a digest (undefined: no scan), a manual scan start, a clock, a sleep, a log. */
export interface ScanPort {
  report(digest: string): Promise<ScanReport | undefined>;
  /** StartImageScan; resolves false when the registry does not take manual scans (enhanced scanning). */
  start(digest: string): Promise<boolean>;
  now(): number;
  sleep(ms: number): Promise<void>;
  log(line: string): void;
  /** Milliseconds between polls (5000 in a job). */
  pollMs: number;
}

const DONE = new Set(['COMPLETE', 'ACTIVE']);
const FINAL = new Set(['FAILED', 'UNSUPPORTED_IMAGE', 'FINDINGS_UNAVAILABLE', 'SCAN_ELIGIBILITY_EXPIRED']);
const rank = (s: string) => { const i = (SEVERITIES as readonly string[]).indexOf(s); return i === -1 ? SEVERITIES.length : i; };

/** Waits for the scan of `digest`; starts one when none exists and the repository does not scan on push. */
async function waitForScan(digest: string, scanOnPush: boolean, p: ScanGateParams, port: ScanPort): Promise<ScanReport> {
  const deadline = port.now() + p.timeoutSeconds * 1000;
  let started = scanOnPush;
  for (let polls = 0; ; polls++) {
    const r = await port.report(digest);
    if (r && DONE.has(r.status)) return r;
    if (r && FINAL.has(r.status)) {
      throw new OrbError(`the scan of ${digest} ended with ${r.status}${r.description ? `: ${r.description}` : ''}, so the scan gate cannot pass it`,
        r.status === 'UNSUPPORTED_IMAGE' ? 'ECR cannot scan this image (e.g. no OS packages); turn scan-gate off for it' : 'push again, or see the image\'s scan in the ECR console');
    }
    if (!r && !started) {
      started = true;
      if (await port.start(digest)) port.log(`Started a scan of ${digest} (the repository does not scan on push)`);
    }
    if (port.now() + port.pollMs > deadline) {
      throw new OrbError(`the scan of ${digest} did not finish within scan-timeout (${p.timeoutSeconds} s; last status: ${r?.status || 'no scan yet'})`,
        'raise scan-timeout, or check that the repository scans on push (repo-scan-on-push) or that the registry scans');
    }
    if (polls % 6 === 0) port.log(`Waiting for the scan of ${digest} (${r?.status || 'not started yet'})`);
    await port.sleep(port.pollMs);
  }
}

/** The findings as a table (severity, finding, package, version), most severe first, at most `max` rows. */
export function findingsTable(findings: readonly ScanFinding[], max = 50): string[] {
  const rows = [...findings].sort((a, b) => rank(a.severity) - rank(b.severity)).map((f) => [f.severity, f.name, f.packageName || '-', f.packageVersion || '-']);
  const head = ['SEVERITY', 'FINDING', 'PACKAGE', 'VERSION'];
  const shown = rows.slice(0, max);
  const widths = head.map((h, i) => Math.max(h.length, ...shown.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  const out = [line(head), ...shown.map(line)];
  if (rows.length > max) out.push(`... and ${rows.length - max} more`);
  return out;
}

/** The gate's verdict, for the step's JSON result. */
export interface ScanVerdict { status: string; counts: Record<string, number>; failOn: string; blocking: number }

/**
 * Waits for the scans of `digests` (one image, or each image of a list), prints the table and counts, and
 * throws an OrbError when findings at or above `p.failOn` exist. Returns the verdict when the gate passes.
 */
export async function scanGate(digests: readonly string[], scanOnPush: boolean, p: ScanGateParams, port: ScanPort): Promise<ScanVerdict> {
  const findings: ScanFinding[] = [];
  const counts: Record<string, number> = {};
  let status = '';
  for (const digest of digests) {
    const r = await waitForScan(digest, scanOnPush, p, port);
    status = r.status;
    findings.push(...r.findings);
    const c = Object.keys(r.counts).length ? r.counts : r.findings.reduce<Record<string, number>>((acc, f) => ({ ...acc, [f.severity]: (acc[f.severity] ?? 0) + 1 }), {});
    for (const [s, n] of Object.entries(c)) counts[s] = (counts[s] ?? 0) + n;
  }
  const summary = SEVERITIES.filter((s) => counts[s]).map((s) => `${s} ${counts[s]}`).join(', ') || 'no findings';
  port.log(`Scan ${status} for ${digests.length === 1 ? digests[0] : `${digests.length} images`}: ${summary}`);
  for (const l of findings.length ? findingsTable(findings) : []) port.log(`  ${l}`);
  const blocking = SEVERITIES.filter((s) => rank(s) <= rank(p.failOn)).reduce((n, s) => n + (counts[s] ?? 0), 0);
  if (blocking > 0) {
    throw new OrbError(`the scan gate failed: ${blocking} finding(s) at ${p.failOn} or above (${summary})`,
      'fix or upgrade the packages in the table above and build again, or raise scan-fail-on-severity if the risk is accepted');
  }
  port.log(`The scan gate passed: nothing at ${p.failOn} or above`);
  return { status, counts, failOn: p.failOn, blocking };
}
