// Image scans of the local ECR: basic scanning (on push when the repository says so, or StartImageScan once a
// day per image) and enhanced scanning (every push, when a test switches a registry to it). A test chooses
// the findings per repository and how many DescribeImageScanFindings calls see the scan still running.
import type { Json } from './ecr-params.ts';

/** One finding a test plants: a CVE (or other id), its severity, and the package and version it is in. */
export interface PlantedFinding { name: string; severity: 'CRITICAL' | 'HIGH' | 'MEDIUM' | 'LOW' | 'INFORMATIONAL' | 'UNDEFINED'; packageName: string; packageVersion: string }

/** What scans of a repository's images find: the findings, how many polls answer IN_PROGRESS/PENDING first (default 1), or a final failure status. */
export interface ScanPlan { findings: PlantedFinding[]; polls?: number; failWith?: 'FAILED' | 'UNSUPPORTED_IMAGE' }

interface Scan { plan: ScanPlan; pollsLeft: number; startedAt: number; enhanced: boolean }

const SEVERITY_ORDER = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFORMATIONAL', 'UNDEFINED'];

/** The scans of the local ECR, keyed by account/region/repository@digest. */
export class ScanState {
  private readonly plans = new Map<string, ScanPlan>();
  private readonly scans = new Map<string, Scan>();
  private readonly enhancedRegistries = new Set<string>();

  /** Scans of images of this repository (`account/region/name`) find `plan`'s findings from now on. */
  plan(repoKey: string, plan: ScanPlan): void {
    this.plans.set(repoKey, plan);
  }

  /** The registry of `account` uses enhanced scanning (every pushed image is scanned; findings in enhancedFindings), or basic scanning again when `on` is false. */
  useEnhanced(account: string, on = true): void {
    if (on) this.enhancedRegistries.add(account);
    else this.enhancedRegistries.delete(account);
  }

  /** True when the registry of `account` uses enhanced scanning. */
  isEnhanced(account: string): boolean {
    return this.enhancedRegistries.has(account);
  }

  /** A push of `digest`: scanned when the registry is enhanced or the repository scans on push. */
  pushed(account: string, repoKey: string, digest: string, scanOnPush: boolean, now: number): void {
    if (this.isEnhanced(account) || scanOnPush) this.start(repoKey, digest, now, this.isEnhanced(account));
  }

  /** Starts a scan; false when one was started for this image within the last 24 hours (ECR's quota for manual scans). */
  start(repoKey: string, digest: string, now: number, enhanced = false): boolean {
    const key = `${repoKey}@${digest}`;
    const had = this.scans.get(key);
    if (had && now - had.startedAt < 24 * 3600_000) return false;
    const plan = this.plans.get(repoKey) ?? { findings: [] };
    this.scans.set(key, { plan, pollsLeft: plan.polls ?? 1, startedAt: now, enhanced });
    return true;
  }

  /** The DescribeImageScanFindings answer's status and findings for one image; undefined when it was never scanned. */
  describe(repoKey: string, digest: string, account: string, now: number): Json | undefined {
    const scan = this.scans.get(`${repoKey}@${digest}`);
    if (!scan) return undefined;
    if (scan.pollsLeft > 0) {
      scan.pollsLeft--;
      return { imageScanStatus: { status: scan.enhanced ? 'PENDING' : 'IN_PROGRESS', description: 'The scan is in progress.' } };
    }
    if (scan.plan.failWith) return { imageScanStatus: { status: scan.plan.failWith, description: `The scan ended with ${scan.plan.failWith}.` } };
    const counts: Record<string, number> = {};
    for (const f of scan.plan.findings) counts[f.severity] = (counts[f.severity] ?? 0) + 1;
    const sorted = [...scan.plan.findings].sort((a, b) => SEVERITY_ORDER.indexOf(a.severity) - SEVERITY_ORDER.indexOf(b.severity));
    const nowSeconds = now / 1000;
    const findings = scan.enhanced
      ? { enhancedFindings: sorted.map((f, i) => ({
        awsAccountId: account, description: `${f.name} in ${f.packageName}`, findingArn: `arn:aws:inspector2:local:${account}:finding/${i}`,
        firstObservedAt: nowSeconds, lastObservedAt: nowSeconds, severity: f.severity, status: 'ACTIVE', title: `${f.name} - ${f.packageName}`, type: 'PACKAGE_VULNERABILITY',
        packageVulnerabilityDetails: { vulnerabilityId: f.name, source: 'NVD', vulnerablePackages: [{ name: f.packageName, version: f.packageVersion }] },
      })) }
      : { findings: sorted.map((f) => ({
        name: f.name, description: `${f.name} in ${f.packageName}`, uri: `https://security-tracker.debian.org/tracker/${f.name}`, severity: f.severity,
        attributes: [{ key: 'package_name', value: f.packageName }, { key: 'package_version', value: f.packageVersion }],
      })) };
    return {
      imageScanStatus: { status: scan.enhanced ? 'ACTIVE' : 'COMPLETE', description: scan.enhanced ? 'Continuous scan is selected for image.' : 'The scan was completed successfully.' },
      imageScanFindings: { imageScanCompletedAt: nowSeconds, vulnerabilitySourceUpdatedAt: nowSeconds, findingSeverityCounts: counts, ...findings },
    };
  }
}
