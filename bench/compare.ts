/**
 * Before/after for issue #13 (the write path on p-limit and p-retry): the figures docs/benchmarks.md showed on main
 * at commit 0b3aabf, before the change, next to the run being reported. The "before" results file is committed and
 * never rewritten; a full `npm run bench` fills the "after" column.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchResults, RunRecord, Target } from './types.js';

export const BEFORE = {
  file: join('bench', 'results', '2026-11-29T10-28-05-641Z.json'),
  label: 'before #13 (main at 0b3aabf; measured at 5a029ad, 2026-11-29)',
};

/**
 * Before/after for issue #12: the targets as the results of stop 25 (main at e619b76, 2026-12-06) gave them, the last
 * run before the token pool's, the start-up's and the memory's targets were all reached, next to this page's. The
 * timing parts and the memory part were measured separately, so "before" is merged from them (and the 19:08 run for
 * the export), as `--report-only <base> --with <files>` does.
 */
export const ISSUE_12_BEFORE = {
  base: join('bench', 'results', '2026-12-05T19-08-25-585Z.json'),
  with: [
    join('bench', 'results', 'main+limit-change+mixed+planning+family+tokens+startup-2026-12-06T23-25-54-537Z.json'),
    join('bench', 'results', 'memory-2026-12-06T23-53-49-642Z.json'),
  ],
  label: 'stop 25 (main at e619b76, 2026-12-06)',
};

/** Each target of `after`, with what `before` measured for it (matched by name). */
export function targetsBeforeAfter(before: Target[], after: Target[]): string {
  const result = (t: Target | undefined): string =>
    t === undefined || t.pass === null ? '–' : t.pass === 'reported' ? 'reported' : t.pass ? 'pass' : 'FAIL';
  return [
    '| Target | Goal | Before | After | Before → after |',
    '|---|---|---|---|---|',
    ...after.map((t) => {
      const b = before.find((x) => x.name === t.name);
      return `| ${t.name} | ${t.target} | ${b?.measured ?? '–'} | ${t.measured} | ${result(b)} → ${result(t)} |`;
    }),
  ].join('\n');
}

const fmt = (n: number | undefined, digits = 2): string =>
  n === undefined || Number.isNaN(n) ? '–' : n.toFixed(digits);
const mb = (kb: number | undefined): string => (kb === undefined ? '–' : (kb / 1024).toFixed(0));

export function readBefore(root: string): BenchResults | undefined {
  const path = join(root, BEFORE.file);
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as BenchResults) : undefined;
}

const key = (r: RunRecord): string =>
  r.scenario === 'main' ? `${r.limiter.label}` : r.scenario === 'mixed' ? 'mixed file' : 'limit halved';

function cell(r: RunRecord | undefined, f: (r: RunRecord) => string): string {
  return r ? f(r) : '–';
}

/** genesys-bulk's runs and the planner, before → after. */
export function beforeAfterTable(before: BenchResults | undefined, after: BenchResults, afterFile: string): string {
  if (!before) return `_The "before" results (\`${BEFORE.file}\`) are missing._`;
  if (after.startedAt === before.startedAt) {
    return `_This page reports the "before" run itself (${BEFORE.label}); a new full \`npm run bench\` fills the "after" column._`;
  }
  const gb = (rs: BenchResults) => rs.runs.filter((r) => r.client === 'genesys-bulk');
  const keys = [...new Set([...gb(before), ...gb(after)].map(key))];
  const lines = keys.map((k) => {
    const b = gb(before).find((r) => key(r) === k);
    const a = gb(after).find((r) => key(r) === k);
    const pair = (f: (r: RunRecord) => string) => `${cell(b, f)} → ${cell(a, f)}`;
    return `| ${k} | ${pair((r) => (r.finished ? fmt(r.makespanSeconds, 1) : 'DNF'))} | ${pair((r) => fmt(r.ratio))} | ${pair((r) => `${r.rateLimited}`)} | ${pair((r) => fmt(r.cpuMsPerRow, 3))} | ${pair((r) => mb(r.maxRssKb))} | ${pair((r) => `${r.failures + r.collateral}`)} |`;
  });
  const plan = (p: BenchResults['planning']['small']) => p;
  const planLine = (name: 'small' | 'large') => {
    const b = plan(before.planning[name]);
    const a = plan(after.planning[name]);
    const rows = a?.rows ?? b?.rows ?? '?';
    return `| planning, ${rows} rows | ${fmt(b?.wallSeconds, 1)} → ${fmt(a?.wallSeconds, 1)} | | | ${fmt(b?.cpuMsPerRow, 3)} → ${fmt(a?.cpuMsPerRow, 3)} | ${mb(b?.maxRssKb)} → ${mb(a?.maxRssKb)} | |`;
  };
  // The runs and the planner may have come from a part file merged in (`--report-only --with`): name the last one.
  const source = after.mergedFrom?.findLast((m) => m.parts.includes('main') || m.parts.includes('planning'));
  const file = source?.file ?? afterFile;
  const commit = source ? source.gitCommit : after.environment.gitCommit;
  return [
    `Before: ${BEFORE.label}, \`${BEFORE.file}\`. After: this page's run (\`${file}\`, commit ${commit ?? 'unknown'}). The two runs were made on different days on a shared machine: differences of a few percent in time and CPU are noise.`,
    '',
    '| genesys-bulk | Makespan (s) | Ratio | 429s | CPU ms / row | Peak RSS (MB) | Failures |',
    '|---|--:|--:|--:|--:|--:|--:|',
    ...lines,
    planLine('small'),
    planLine('large'),
  ].join('\n');
}
