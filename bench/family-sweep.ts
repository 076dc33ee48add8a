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
import { memberLabel } from '../src/emulator/family.js';
import { byClass, overTarget, type SweepRow, summarise, sweepFamily, worstOf } from './sweep.js';

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
const maxRatio = Number(values.ratio);
const maxRefused = Number(values.refused);
const options = {
  seeds: Number(values.seeds),
  members: Number(values.members),
  limit: Number(values.limit),
  windowMs: Number(values.window) * 1000,
  latencyMs: values.latency.split(',').map(Number) as [number, number],
};

const over = (row: SweepRow): boolean => overTarget(row.run, maxRatio, maxRefused);
const fmt = (row: SweepRow): string =>
  `seed ${String(row.seed).padStart(2)}  ${row.run.ratio.toFixed(3)}  ${row.run.refusedPct.toFixed(2).padStart(5)}%  ${row.run.label}`;

const started = Date.now();
const rows = await sweepFamily(options);

console.log(`${values.all ? 'every run' : `runs over ratio ${maxRatio} or ${maxRefused}% 429s`}:`);
for (const row of rows) if (values.all || over(row)) console.log(`  ${fmt(row)}`);

console.log('\nper class: runs over / runs, worst ratio (member), worst 429% (member)');
for (const [key, list] of byClass(rows)) {
  const byRatio = worstOf(list, 'ratio');
  const byRefused = worstOf(list, 'refusedPct');
  console.log(
    `  ${key.padEnd(32)} ${String(list.filter(over).length).padStart(2)}/${String(list.length).padEnd(3)} ` +
      `${byRatio.run.ratio.toFixed(3)} (${memberLabel(byRatio.member)}, seed ${byRatio.seed})  ` +
      `${byRefused.run.refusedPct.toFixed(2)}% (${memberLabel(byRefused.member)}, seed ${byRefused.seed})`,
  );
}
const total = summarise(options, rows);
console.log(
  `\n${rows.length} runs: ${rows.filter(over).length} over, worst ratio ${total.worstRatio.value.toFixed(3)}, ` +
    `worst 429s ${total.worstRefusedPct.value.toFixed(2)}% (${((Date.now() - started) / 1000).toFixed(0)} s)`,
);
