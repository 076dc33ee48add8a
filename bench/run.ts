/**
 * The benchmark: genesys-bulk and two baseline clients, each run as its own child process against a fresh emulator
 * per run, under three rate limiters (issue #4); a mid-run limit change; the planner's cost; a mixed profile + routing
 * file (issue #6); the limiter family and the token pool (issue #12); a 100,000-user export (issue #11); start-up
 * (issue #12).
 *
 *   tsx bench/run.ts                 full run: every part; results file, latest.json and docs/benchmarks.md
 *   tsx bench/run.ts --quick         reduced workload (~2 min)
 *   tsx bench/run.ts --only export   one part (or several, comma-separated), into `<part>-<timestamp>.json`
 *   options: see bench/options.ts and docs/benchmarks.md "How to run"
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildBaselines } from './build-clients.js';
import { runExport } from './export.js';
import { FAMILY_PROFILES, runFamily } from './family.js';
import { runMemory } from './memory.js';
import { type BenchOptions, type Part, parseBenchOptions, partialResultsName } from './options.js';
import { cliAvailable, distLooksStale, environment, RESULTS_DIR, reportOnly, writeOutputs } from './outputs.js';
import { CLI, LIMITERS, log, PROFILES, type Profile } from './profiles.js';
import { computeTargets } from './report.js';
import { mixedSettings, type RunContext, runClient, runMixed, runPlanning } from './scenarios.js';
import { checkGnuTime, clientEnv } from './spawn.js';
import { runStartup } from './startup.js';
import { runSweeps } from './sweep.js';
import { runTokenScenario, tokenScenarios } from './tokens.js';
import type { BenchResults, ClientName, LimiterSpec, RunRecord, TokenRecord } from './types.js';

function limitersOf(options: BenchOptions): LimiterSpec[] {
  if (!options.limiters) return LIMITERS;
  return options.limiters.map((l) => {
    const found = LIMITERS.find((x) => x.label === l || x.algorithm === l);
    if (!found) throw new Error(`unknown limiter ${l}; one of ${LIMITERS.map((x) => x.algorithm).join(', ')}`);
    return found;
  });
}

/** Measures the parts asked for; what it could not run is said in `notes`. */
async function measure(
  options: BenchOptions,
  profile: Profile,
  notes: string[],
): Promise<Pick<BenchResults, 'runs' | 'planning' | 'family' | 'tokens' | 'export' | 'startup' | 'memory'>> {
  const wants = (part: Part): boolean => options.parts.includes(part);
  const clients: ClientName[] = options.clients;
  const scratch = mkdtempSync(join(tmpdir(), 'genesys-bulk-bench-'));
  const needBaselines = wants('main') && clients.some((c) => c !== 'genesys-bulk');
  const bundles = needBaselines
    ? await buildBaselines(join(RESULTS_DIR, 'tmp', 'build'))
    : { 'baseline-naive': '', 'baseline-tutorial': '' };
  const ctx: RunContext = { profile, bundles, scratch };
  const gbWorks = cliAvailable();
  if (!gbWorks) notes.push('genesys-bulk CLI not runnable (`npm run build` first?): its runs were skipped.');
  if (gbWorks && distLooksStale()) {
    const note = 'src/ has files newer than dist/: genesys-bulk was measured from a build older than the source.';
    notes.push(note);
    log(`warning: ${note}`);
  }
  const out: Awaited<ReturnType<typeof measure>> = { runs: [], planning: {} };
  const runs: RunRecord[] = out.runs;
  const gbRuns = gbWorks && clients.includes('genesys-bulk');
  try {
    for (const limiter of wants('main') ? limitersOf(options) : []) {
      for (const client of clients) {
        if (client === 'genesys-bulk' && !gbWorks) continue;
        runs.push(await runClient(ctx, client, limiter, 'main'));
      }
    }
    if (gbRuns && wants('limit-change')) runs.push(await runClient(ctx, 'genesys-bulk', LIMITERS[0]!, 'limit-change'));
    if (gbRuns && wants('mixed')) runs.push(await runMixed(ctx, LIMITERS[0]!));
    if (gbRuns && wants('planning')) {
      out.planning.small = await runPlanning(ctx, profile.planningSmall);
      out.planning.large = await runPlanning(ctx, profile.planningLarge);
    }
    if (gbRuns && wants('family')) {
      const familyCtx = {
        cli: CLI,
        scratch,
        latencyMs: profile.latencyMs,
        capFactor: profile.capFactor,
        capSlackSeconds: profile.capSlackSeconds,
        env: clientEnv,
        log,
      };
      out.family = await runFamily(familyCtx, FAMILY_PROFILES[profile.name]);
      // On the fake clock, after the real-time runs: CPU only, nothing timed runs beside it.
      if (profile.name === 'full') out.family.sweeps = await runSweeps(log);
    }
    if (gbWorks && wants('tokens')) {
      const tokens: TokenRecord[] = [];
      const tokenCtx = { cli: CLI, scratch, capFactor: profile.capFactor, log };
      for (const scenario of tokenScenarios(profile.name === 'quick')) {
        tokens.push(await runTokenScenario(scenario, tokenCtx));
      }
      out.tokens = tokens;
    }
    if (gbWorks && wants('export')) {
      out.export = await runExport({
        users: options.exportUsers ?? profile.export.users,
        sample: profile.export.sample,
        seed: profile.seed,
        cli: CLI,
        keep: options.keep,
        log,
      });
    }
    if (gbWorks && wants('startup')) {
      const runsWanted = options.startupRuns ?? profile.startupRuns;
      log(`start-up: ${runsWanted} runs of a 5-row apply, then the floors`);
      out.startup = await runStartup({ runs: runsWanted, cli: CLI, log });
      log(`  median spawn to first /api request ${out.startup.medianFirstApiRequestMs?.toFixed(0)} ms`);
    }
    if (gbWorks && wants('memory')) {
      out.memory = await runMemory({
        rows: options.memoryRows ?? profile.memoryRows,
        keep: options.keep,
        log,
      });
    }
  } finally {
    if (!options.keep) rmSync(scratch, { recursive: true, force: true });
    else log(`kept scratch files in ${scratch}`);
  }
  return out;
}

async function main(): Promise<void> {
  const options = parseBenchOptions(process.argv.slice(2));
  if (options.reportOnly) {
    reportOnly(options.reportOnly, options.with, options.writeDocs);
    return;
  }
  checkGnuTime();
  const profile: Profile = { ...PROFILES[options.profile] };
  if (options.capFactor !== undefined) profile.capFactor = options.capFactor;
  log(`parts: ${options.parts.join(', ')}${options.complete ? '' : ` (partial run: ${options.label})`}`);

  const startedAt = new Date();
  // Taken before measuring: a commit made while the bench runs is not what it measured.
  const env = environment();
  const notes: string[] = [];
  const measured = await measure(options, profile, notes);
  const { runs } = measured;
  const results: BenchResults = {
    profile: profile.name,
    startedAt: startedAt.toISOString(),
    durationSeconds: (Date.now() - startedAt.getTime()) / 1000,
    environment: env,
    settings: {
      directoryUsers: profile.directoryUsers,
      rows: profile.changes + profile.unchanged + profile.unknown,
      changes: profile.changes,
      unchanged: profile.unchanged,
      unknown: profile.unknown,
      limit: profile.limit,
      windowSeconds: profile.windowSeconds,
      latencyMs: profile.latencyMs,
      capFactor: profile.capFactor,
      seed: profile.seed,
      ...(runs.some((r) => r.scenario === 'mixed') && { mixed: mixedSettings(profile) }),
    },
    ...measured,
    parts: options.parts,
    targets: [],
    notes,
  };
  results.targets = computeTargets(results);
  writeOutputs(results, {
    writeDocs: options.writeDocs,
    partialName: partialResultsName(options, results.startedAt),
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
