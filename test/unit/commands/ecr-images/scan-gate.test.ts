import { describe, expect, it } from 'vitest';
import { findingsTable, parseScanGate, scanGate, type ScanPort } from '../../../../src/commands/ecr-images/scan-gate.ts';
import type { ScanReport } from '../../../../src/lib/aws/ecr-images.ts';
import { OrbError } from '../../../../src/lib/errors.ts';
import { orbParams } from '../../../support/params.ts';

const D = `sha256:${'c'.repeat(64)}`;
const gate = { enabled: true, timeoutSeconds: 30, failOn: 'HIGH' as const };

/** A port whose reports come from `answers` in order (the last repeats), on a clock that sleeps move. */
function port(answers: (ScanReport | undefined)[], startOk = true): ScanPort & { lines: string[]; starts: number } {
  let t = 0;
  let i = 0;
  const p = {
    lines: [] as string[], starts: 0, pollMs: 5000,
    report: async () => answers[Math.min(i++, answers.length - 1)],
    start: async () => { p.starts++; return startOk; },
    now: () => t,
    sleep: async (ms: number) => { t += ms; },
    log: (l: string) => { p.lines.push(l); },
  };
  return p;
}
const done = (findings: ScanReport['findings'], status = 'COMPLETE'): ScanReport => ({ status, description: '', counts: {}, findings, enhanced: false });
const running: ScanReport = { status: 'IN_PROGRESS', description: '', counts: {}, findings: [], enhanced: false };

describe('scan gate', () => {
  it('defaults: off, 600 s, HIGH; refuses an unknown severity', () => {
    expect(parseScanGate(orbParams(), {})).toEqual({ enabled: false, timeoutSeconds: 600, failOn: 'HIGH' });
    expect(() => parseScanGate(orbParams({ 'scan-fail-on-severity': 'SEVERE' }), {})).toThrow(/parameter scan-fail-on-severity: must be one of CRITICAL, HIGH/);
  });

  it('starts a scan when none exists and the repository does not scan on push, waits, passes below the threshold', async () => {
    const p = port([undefined, running, done([{ severity: 'MEDIUM', name: 'CVE-1', packageName: 'zlib', packageVersion: '1' }])]);
    expect(await scanGate([D], false, gate, p)).toEqual({ status: 'COMPLETE', counts: { MEDIUM: 1 }, failOn: 'HIGH', blocking: 0 });
    expect(p.starts).toBe(1);
    expect(p.lines.at(-1)).toBe('The scan gate passed: nothing at HIGH or above');
  });

  it('fails at the threshold with counts; the table is sorted most severe first', async () => {
    const p = port([done([{ severity: 'HIGH', name: 'CVE-2', packageName: 'openssl', packageVersion: '3' }, { severity: 'CRITICAL', name: 'CVE-3', packageName: '', packageVersion: '' }])]);
    await expect(scanGate([D], true, gate, p)).rejects.toThrow(/the scan gate failed: 2 finding\(s\) at HIGH or above \(CRITICAL 1, HIGH 1\)/);
    expect(p.starts).toBe(0);
    expect(findingsTable([{ severity: 'LOW', name: 'a', packageName: 'p', packageVersion: '1' }, { severity: 'CRITICAL', name: 'bb', packageName: '', packageVersion: '' }]))
      .toEqual(['SEVERITY  FINDING  PACKAGE  VERSION', 'CRITICAL  bb       -        -', 'LOW       a        p        1']);
  });

  it('times out naming the timeout and the last status; a FAILED scan fails the gate', async () => {
    await expect(scanGate([D], true, gate, port([running]))).rejects.toThrow(/did not finish within scan-timeout \(30 s; last status: IN_PROGRESS\)/);
    const failed = await scanGate([D], true, gate, port([{ ...running, status: 'UNSUPPORTED_IMAGE', description: 'no OS' }])).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(OrbError);
    expect((failed as OrbError).message).toMatch(/ended with UNSUPPORTED_IMAGE: no OS/);
  });
});
