/**
 * Runs chosen token-pool scenarios in real time, one after another, without the rest of the bench: for working on the
 * lanes against one scenario (`bench/run.ts --only tokens` runs them all).
 *
 *   npx tsx bench/tokens-one.ts [--match 'tokens-4 fixed'] [--quick] [--debug]
 *
 * `--match` keeps the scenarios whose `<name> <algorithm>` contains it (repeatable); without it, every scenario.
 * `--debug` keeps the CLI's debug log in `tokens.stderr` under the scratch directory printed.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CLI, PROFILES } from './profiles.js';
import { runTokenScenario, tokenScenarios } from './tokens.js';

const { values } = parseArgs({
  options: {
    match: { type: 'string', multiple: true },
    quick: { type: 'boolean', default: false },
    debug: { type: 'boolean', default: false },
  },
});
const matches = values.match ?? [];
const scenarios = tokenScenarios(values.quick).filter(
  (s) => matches.length === 0 || matches.some((m) => `${s.name} ${s.algorithm}`.includes(m)),
);
if (scenarios.length === 0) throw new Error(`no token scenario matches ${matches.join(', ')}`);
const ctx = {
  cli: CLI,
  scratch: mkdtempSync(join(tmpdir(), 'genesys-bulk-tokens-')),
  capFactor: PROFILES[values.quick ? 'quick' : 'full'].capFactor,
  log: (message: string) => console.log(message),
  ...(values.debug && { cliArgs: ['--log-level', 'debug'] }),
};
console.log(`scratch: ${ctx.scratch}`);
for (const s of scenarios) await runTokenScenario(s, ctx);
