/**
 * The whole limiter family on the fake clock: `--seeds` samples of `--members` members each (seed s draws its sample
 * with `sampleFamily(s, …)`, and member i runs with seed i + 1, as test/governor/family.test.ts does for seed 12), at
 * 300 requests per 15 s, 600 writes after the CLI's warm-up, each request taking 20–80 ms. Prints each run over issue
 * #12's targets, then per class (algorithm and header model) the worst ratio and 429 share and the member behind each,
 * then the totals.
 *
 *   npx tsx bench/family-sweep.ts [--seeds 12] [--members 16] [--ratio 1.1] [--refused 1] [--all]
 *                                 [--limit 300] [--window 15] [--latency 20,80]
 *
 * `--all` prints every run. `--members 24` covers every algorithm with every header model. `--limit` per `--window`
 * seconds and `--latency` (ms, the least and most) try the same family at other rates and round trips: the sample at
 * 300 per 15 s is what the tests and the bench run, not the only limiter the governor must hold on. Seconds of CPU, no
 * network: the same limiter code the emulator answers with.
 */
import { parseArgs } from 'node:util';
import { type FamilyMember, memberLabel, sampleFamily } from '../src/emulator/family.js';
import { createGovernor } from '../src/governor/index.js';
import { type FamilyRun, runFamilyMember } from '../test/models/family-sim.js';

const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '12' },
    members: { type: 'string', default: '16' },
    ratio: { type: 'string', default: '1.1' },
    refused: { type: 'string', default: '1' },
    all: { type: 'boolean', default: false },
    limit: { type: 'string', default: '300' },
    window: { type: 'string', default: '15' },
    latency: { type: 'string', default: '20,80' },
  },
});
const seeds = Number(values.seeds);
const size = Number(values.members);
const maxRatio = Number(values.ratio);
const maxRefused = Number(values.refused);
const LIMIT = Number(values.limit);
const WINDOW_MS = Number(values.window) * 1000;
const LATENCY = values.latency.split(',').map(Number) as [number, number];

interface Row {
  seed: number;
  member: FamilyMember;
  run: FamilyRun;
}

const className = (m: FamilyMember): string => `${m.algorithm} headers=${m.headers}`;
const over = (r: FamilyRun): boolean => r.ratio > maxRatio || r.refusedPct > maxRefused;
const fmt = (row: Row): string =>
  `seed ${String(row.seed).padStart(2)}  ${row.run.ratio.toFixed(3)}  ${row.run.refusedPct.toFixed(2).padStart(5)}%  ${row.run.label}`;

const rows: Row[] = [];
const started = Date.now();
for (let seed = 1; seed <= seeds; seed++) {
  const sample = sampleFamily(seed, size, WINDOW_MS);
  for (const [i, member] of sample.entries()) {
    const run = await runFamilyMember({
      member,
      limit: LIMIT,
      windowMs: WINDOW_MS,
      calls: 600,
      seed: i + 1,
      latencyMs: LATENCY,
      createGovernor,
    });
    rows.push({ seed, member, run });
  }
}

console.log(`${values.all ? 'every run' : `runs over ratio ${maxRatio} or ${maxRefused}% 429s`}:`);
for (const row of rows) if (values.all || over(row.run)) console.log(`  ${fmt(row)}`);

const classes = new Map<string, Row[]>();
for (const row of rows) {
  const key = className(row.member);
  classes.set(key, [...(classes.get(key) ?? []), row]);
}
console.log('\nper class: runs over / runs, worst ratio (member), worst 429% (member)');
for (const [key, list] of [...classes].sort(([a], [b]) => a.localeCompare(b))) {
  const byRatio = list.reduce((a, b) => (b.run.ratio > a.run.ratio ? b : a));
  const byRefused = list.reduce((a, b) => (b.run.refusedPct > a.run.refusedPct ? b : a));
  const n = list.filter((r) => over(r.run)).length;
  console.log(
    `  ${key.padEnd(32)} ${String(n).padStart(2)}/${String(list.length).padEnd(3)} ` +
      `${byRatio.run.ratio.toFixed(3)} (${memberLabel(byRatio.member)}, seed ${byRatio.seed})  ` +
      `${byRefused.run.refusedPct.toFixed(2)}% (${memberLabel(byRefused.member)}, seed ${byRefused.seed})`,
  );
}
const worstRatio = Math.max(...rows.map((r) => r.run.ratio));
const worstRefused = Math.max(...rows.map((r) => r.run.refusedPct));
const nOver = rows.filter((r) => over(r.run)).length;
console.log(
  `\n${rows.length} runs: ${nOver} over, worst ratio ${worstRatio.toFixed(3)}, worst 429s ${worstRefused.toFixed(2)}% ` +
    `(${((Date.now() - started) / 1000).toFixed(0)} s)`,
);
