/**
 * Members of the limiter family on the fake clock, second by second: what the server accepted and refused each
 * second from the start (429s marked *), and with `--pace` every change of the governor's pace and every pause, so
 * that a run over issue #12's targets shows where its time and its 429s went (bench/family-sweep.ts finds them).
 *
 *   npx tsx bench/family-trace.ts [--seed 1] [--members 24] [--match 'headers=absent'] [--pace]
 *                                 [--limit 300] [--window 15] [--latency 20,80]
 *
 * Member i of seed s's sample runs with seed i + 1, as in bench/family-sweep.ts, so the figures are the sweep's.
 */
import { parseArgs } from 'node:util';
import { memberLabel, sampleFamily } from '../src/emulator/family.js';
import { createGovernor } from '../src/governor/index.js';
import { runFamilyMember } from '../test/models/family-sim.js';

const { values } = parseArgs({
  options: {
    seed: { type: 'string', default: '1' },
    members: { type: 'string', default: '24' },
    match: { type: 'string', default: 'headers=absent' },
    pace: { type: 'boolean', default: false },
    limit: { type: 'string', default: '300' },
    window: { type: 'string', default: '15' },
    latency: { type: 'string', default: '20,80' },
  },
});
const windowMs = Number(values.window) * 1000;
const seconds = (ms: number) => (ms / 1000).toFixed(2);

for (const [i, member] of sampleFamily(Number(values.seed), Number(values.members), windowMs).entries()) {
  const label = memberLabel(member);
  if (!label.includes(values.match)) continue;
  const pace: string[] = [];
  const perSecond = { accepted: [] as number[], refused: [] as number[] };
  let start = 0;
  const run = await runFamilyMember({
    member,
    limit: Number(values.limit),
    windowMs,
    calls: 600,
    seed: i + 1,
    latencyMs: values.latency.split(',').map(Number) as [number, number],
    createGovernor: (o) => {
      start = o.clock.now();
      return createGovernor({
        ...o,
        onEvent: (e) => {
          if (e.type === 'rate') pace.push(`${seconds(e.at - start)} ${e.requestsPerSecond.toFixed(1)}/s`);
          if (e.type === 'pause') pace.push(`${seconds(e.at - start)} pause to ${seconds(e.untilMs - start)}`);
        },
      });
    },
    inspect: (api, at) => {
      const count = (times: readonly number[], into: number[]) => {
        for (const t of times) {
          const s = Math.floor((t - at) / 1000);
          while (into.length <= s) into.push(0);
          into[s] = (into[s] ?? 0) + 1;
        }
      };
      count(api.accepted, perSecond.accepted);
      count(api.refused, perSecond.refused);
    },
  });
  const origin = member.originMs === undefined ? '' : `, window origin ${member.originMs} ms`;
  console.log(
    `${label} (member ${i + 1}${origin}): ratio ${run.ratio.toFixed(3)}, ${run.refused} 429s of ${run.requests} (${run.refusedPct.toFixed(2)}%)`,
  );
  const cells = perSecond.accepted.map((n, s) => `${n}${'*'.repeat(perSecond.refused[s] ?? 0)}`);
  console.log(`  accepted per second: ${cells.join(' ')}`);
  if (values.pace) console.log(`  pace: ${pace.join(' | ')}`);
}
