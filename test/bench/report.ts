// The bench's results and their Markdown tables: rows both runtimes share, rows measured for each runtime
// with the ratio new / 0.1.0, and the targets, checked on the new runtime.

/** How a compared value is shown. */
export type Unit = 'ms' | 'bytes' | 'x';

/** A row both runtimes share (Node's start-up, the round trip, the seed path). */
export interface Reference { what: string; ms: number; note: string }

/** A row measured for each runtime: `now` is the new runtime (this checkout), `ref` release 0.1.0. */
export interface Compared { what: string; unit: Unit; now: number | undefined; ref: number | undefined; note: string }

/** A target of the speed-and-size issue; `ok` judges the new runtime, `ref` shows 0.1.0 for reference. */
export interface Check { what: string; ok: boolean; now: string; ref: string }

export interface Results { reference: Reference[]; compared: Compared[]; checks: Check[] }

export const emptyResults = (): Results => ({ reference: [], compared: [], checks: [] });

const cell = (text: string): string => text.replace(/\s+/g, ' ').replace(/\|/g, '\\|').trim();

export function formatValue(unit: Unit, v: number | undefined): string {
  if (v === undefined || !Number.isFinite(v)) return '-';
  if (unit === 'ms') return `${v.toFixed(0)} ms`;
  if (unit === 'bytes') return `${(v / 1024).toFixed(1)} KiB`;
  return `${v.toFixed(2)}x`;
}

/** new / 0.1.0, or '-' when one side is missing or the reference is not positive. */
export function ratio(now: number | undefined, ref: number | undefined): string {
  if (now === undefined || ref === undefined || !Number.isFinite(now) || !Number.isFinite(ref) || ref <= 0) return '-';
  return `${(now / ref).toFixed(2)}`;
}

/** The three tables, as Markdown lines. */
export function renderTables(r: Results, refLabel: string): string[] {
  return [
    '| shared by both runtimes | time | note |',
    '|---|---:|---|',
    ...r.reference.map((x) => `| ${cell(x.what)} | ${formatValue('ms', x.ms)} | ${cell(x.note)} |`),
    '',
    `| measurement | new | ${refLabel} | new / ${refLabel} | note |`,
    '|---|---:|---:|---:|---|',
    ...r.compared.map((x) => `| ${cell(x.what)} | ${formatValue(x.unit, x.now)} | ${formatValue(x.unit, x.ref)} | ${ratio(x.now, x.ref)} | ${cell(x.note)} |`),
    '',
    `| target (judged on new) | new | ${refLabel} | |`,
    '|---|---|---|---|',
    ...r.checks.map((c) => `| ${cell(c.what)} | ${cell(c.now)} | ${cell(c.ref)} | ${c.ok ? 'met' : 'MISSED'} |`),
  ];
}

export const missed = (r: Results): Check[] => r.checks.filter((c) => !c.ok);
