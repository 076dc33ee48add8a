/**
 * Runs chosen members of the limiter family in real time, one after another, without the rest of the bench: for
 * working on the governor against one limiter (`bench/run.ts --only family` runs the whole sample).
 *
 *   npx tsx bench/family-one.ts [--seed 12] [--members 12] [--match 'bucket burst=1.1%'] [--quick] [--debug]
 *
 * `--match` keeps the members whose label contains it (repeatable); without it, every member of the sample.
 * `--debug` keeps the CLI's debug log (its pacing) in `client.stderr` under the scratch directory printed.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { memberLabel } from '../src/emulator/family.js';
import { FAMILY_PROFILES, familySample, runFamilyMember } from './family.js';
import { CLI, PROFILES } from './profiles.js';
import { clientEnv } from './spawn.js';

const { values } = parseArgs({
  options: {
    seed: { type: 'string' },
    members: { type: 'string' },
    match: { type: 'string', multiple: true },
    quick: { type: 'boolean', default: false },
    debug: { type: 'boolean', default: false },
  },
});
const name = values.quick ? 'quick' : 'full';
const settings = { ...FAMILY_PROFILES[name] };
if (values.seed !== undefined) settings.seed = Number(values.seed);
if (values.members !== undefined) settings.members = Number(values.members);
const profile = PROFILES[name];
const ctx = {
  cli: CLI,
  scratch: mkdtempSync(join(tmpdir(), 'genesys-bulk-family-')),
  latencyMs: profile.latencyMs,
  capFactor: profile.capFactor,
  capSlackSeconds: profile.capSlackSeconds,
  env: clientEnv,
  log: (message: string) => console.log(message),
  ...(values.debug && { cliArgs: ['--log-level', 'debug'] }),
};
const matches = values.match ?? [];
const members = familySample(settings).filter(
  (m) => matches.length === 0 || matches.some((s) => memberLabel(m).includes(s)),
);
if (members.length === 0) throw new Error(`no member of seed ${settings.seed}'s sample matches ${matches.join(', ')}`);
console.log(`scratch: ${ctx.scratch}`);
for (const member of members) {
  const r = await runFamilyMember(ctx, settings, member);
  const { allowed, limited } = r.perSecond ?? { allowed: [], limited: [] };
  console.log(
    `  per second from spawn (accepted, 429s marked *): ${allowed.map((n: number, i: number) => `${n}${'*'.repeat(limited[i] ?? 0)}`).join(' ')}`,
  );
  console.log(`  start-up ${r.startupSeconds?.toFixed(2) ?? '–'} s, ${r.rateLimitedPct.toFixed(2)}% 429s`);
}
