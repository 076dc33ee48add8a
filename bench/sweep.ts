/**
 * The whole limiter family on the fake clock, beyond the bench's real-time sample: every seeded sample of `members`
 * members for seeds 1..`seeds`, each run as test/governor/family.test.ts runs its sample (600 writes after the CLI's
 * warm-up, member i with seed i + 1), at a quota of `limit` per `windowMs` and per-request latency in `latencyMs`.
 * The same limiter code the emulator answers with, and seconds of CPU: the bench reports the worst of each
 * configuration (`SWEEPS`) so that a reader sees the class, not one sample (bench/family-sweep.ts prints one).
 */
import { type FamilyMember, memberLabel, sampleFamily } from '../src/emulator/family.js';
import { createGovernor } from '../src/governor/index.js';
import { type FamilyRun, runFamilyMember } from '../test/models/family-sim.js';
import { FAMILY_TARGET } from './family.js';
import type { SweepRecord } from './types.js';

export interface SweepOptions {
  seeds: number;
  members: number;
  limit: number;
  windowMs: number;
  latencyMs: [number, number];
}

export interface SweepRow {
  seed: number;
  member: FamilyMember;
  run: FamilyRun;
}

/**
 * What the bench sweeps: the sample's rate and round trips, round trips like the bench's real-time runs (a few ms),
 * a shorter and a longer window, and a rate five times the sample's. 24 members cover every algorithm with every
 * header model.
 */
export const SWEEPS: readonly SweepOptions[] = [
  { seeds: 6, members: 24, limit: 300, windowMs: 15_000, latencyMs: [20, 80] },
  { seeds: 6, members: 24, limit: 300, windowMs: 15_000, latencyMs: [3, 15] },
  { seeds: 6, members: 24, limit: 100, windowMs: 5000, latencyMs: [20, 80] },
  { seeds: 6, members: 24, limit: 600, windowMs: 60_000, latencyMs: [20, 80] },
  { seeds: 6, members: 24, limit: 1000, windowMs: 10_000, latencyMs: [20, 80] },
];

export const overTarget = (run: FamilyRun, ratio = FAMILY_TARGET.ratio, refused = FAMILY_TARGET.rateLimitedPct) =>
  run.ratio > ratio || run.refusedPct > refused;

export const sweepClass = (m: FamilyMember): string => `${m.algorithm} headers=${m.headers}`;

export async function sweepFamily(o: SweepOptions): Promise<SweepRow[]> {
  const rows: SweepRow[] = [];
  for (let seed = 1; seed <= o.seeds; seed++) {
    for (const [i, member] of sampleFamily(seed, o.members, o.windowMs).entries()) {
      const run = await runFamilyMember({
        member,
        limit: o.limit,
        windowMs: o.windowMs,
        calls: 600,
        seed: i + 1,
        latencyMs: o.latencyMs,
        createGovernor,
      });
      rows.push({ seed, member, run });
    }
  }
  return rows;
}

/** The run of `rows` with the highest `key`. */
export const worstOf = (rows: readonly SweepRow[], key: 'ratio' | 'refusedPct'): SweepRow =>
  rows.reduce((a, b) => (b.run[key] > a.run[key] ? b : a));

/** `rows` by class (algorithm and header model), the classes in order of name. */
export function byClass(rows: readonly SweepRow[]): [string, SweepRow[]][] {
  const classes = new Map<string, SweepRow[]>();
  for (const row of rows) classes.set(sweepClass(row.member), [...(classes.get(sweepClass(row.member)) ?? []), row]);
  return [...classes].sort(([a], [b]) => a.localeCompare(b));
}

/** The worst of a sweep, overall and per class, against issue #12's targets. */
export function summarise(o: SweepOptions, rows: SweepRow[]): SweepRecord {
  const brief = (row: SweepRow, key: 'ratio' | 'refusedPct') => ({
    value: row.run[key],
    member: memberLabel(row.member),
    seed: row.seed,
  });
  return {
    ...o,
    runs: rows.length,
    over: rows.filter((r) => overTarget(r.run)).length,
    worstRatio: brief(worstOf(rows, 'ratio'), 'ratio'),
    worstRefusedPct: brief(worstOf(rows, 'refusedPct'), 'refusedPct'),
    classes: byClass(rows).map(([name, list]) => ({
      name,
      runs: list.length,
      over: list.filter((r) => overTarget(r.run)).length,
      worstRatio: worstOf(list, 'ratio').run.ratio,
      worstRefusedPct: worstOf(list, 'refusedPct').run.refusedPct,
    })),
  };
}

export const sweepLabel = (s: Pick<SweepOptions, 'limit' | 'windowMs' | 'latencyMs'>): string =>
  `${s.limit}/${s.windowMs / 1000} s, ${s.latencyMs[0]}–${s.latencyMs[1]} ms`;

/** The page's tables: one row per configuration, then runs over target per class and configuration. */
export function sweepTables(sweeps: readonly SweepRecord[]): string {
  if (sweeps.length === 0) return '_The sweep did not run._';
  const f = (n: number, d = 3) => n.toFixed(d);
  const head = [
    '| Quota, latency | Runs over target | Worst ratio (member, seed) | Worst 429s (member, seed) |',
    '|---|--:|---|---|',
    ...sweeps.map(
      (s) =>
        `| ${sweepLabel(s)} | ${s.over} of ${s.runs} | ${f(s.worstRatio.value)} (${s.worstRatio.member}, ${s.worstRatio.seed}) | ${f(s.worstRefusedPct.value, 2)}% (${s.worstRefusedPct.member}, ${s.worstRefusedPct.seed}) |`,
    ),
  ];
  const names = [...new Set(sweeps.flatMap((s) => s.classes.map((c) => c.name)))].sort();
  const cell = (s: SweepRecord, name: string) => {
    const c = s.classes.find((x) => x.name === name);
    return c ? `${c.over}/${c.runs}${c.over > 0 ? ` (${f(c.worstRatio, 2)}, ${f(c.worstRefusedPct, 1)}%)` : ''}` : '–';
  };
  const byClass = [
    `| Class | ${sweeps.map(sweepLabel).join(' | ')} |`,
    `|---|${sweeps.map(() => '--:').join('|')}|`,
    ...names.map((n) => `| ${n} | ${sweeps.map((s) => cell(s, n)).join(' | ')} |`),
  ];
  return [
    ...head,
    '',
    'Runs over target per class (algorithm and header model), with the worst ratio and 429 share where any is over:',
    '',
    ...byClass,
  ].join('\n');
}

export async function runSweeps(log: (line: string) => void): Promise<SweepRecord[]> {
  const out: SweepRecord[] = [];
  for (const o of SWEEPS) {
    const record = summarise(o, await sweepFamily(o));
    log(
      `family sweep ${sweepLabel(o)}: ${record.over} of ${record.runs} over, worst ratio ${record.worstRatio.value.toFixed(3)}, worst 429s ${record.worstRefusedPct.value.toFixed(2)}%`,
    );
    out.push(record);
  }
  return out;
}
