/**
 * The benchmark (issue #4): genesys-bulk and two baseline clients, each run as its own child process against a fresh
 * emulator per run, under three rate limiters; a mid-run limit change; the planner's cost; and (issue #6) a mixed
 * profile + routing file, genesys-bulk only.
 *
 *   tsx bench/run.ts            full run (~16 min)
 *   tsx bench/run.ts --quick    reduced workload (~1–2 min)
 *   options: --clients a,b  --limiters fixed+headers,...  --no-limit-change  --no-planning  --no-mixed  --mixed-only
 *            --no-family  --only main,limit-change,mixed,planning,family (e.g. `--only family`: the limiter family)
 *            --cap-factor N  --docs / --no-docs (default: docs for a full run only)  --report-only <results.json>
 *            --only tokens (the token-pool scenarios alone, bench/tokens.ts, into a results file of their own)  --no-tokens
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, release, tmpdir, totalmem, type } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type Baseline, buildBaselines } from './build-clients.js';
import { writeCharts } from './charts.js';
import { type EmulatorHandle, startBenchEmulator } from './emulator.js';
import { FAMILY_PROFILES, runFamily } from './family.js';
import { analyseLimitChange, pacing, type RequestEvent } from './limit-change.js';
import { callsMade, generateMixedWorkload, verifyMixed, writeMixedCsv } from './mixed.js';
import { computeTargets, docsMarkdown, summaryMarkdown } from './report.js';
import { checkGnuTime, clientEnv, GNU_TIME, parseJsonOutput, runMeasured, type SpawnResult } from './spawn.js';
import { runTokenScenario, tokenScenarios } from './tokens.js';
import type {
  BenchResults,
  ClientName,
  Environment,
  LimiterSpec,
  MixedSettings,
  PlanningRecord,
  RunRecord,
  TokenRecord,
} from './types.js';
import { generateWorkload, type PlannedRow, verify, type Workload, writeCsv } from './workload.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(root, 'bin', 'genesys-bulk.js');
/** Emails per search: the platform's search page size cap, the basis of the bound's read count. */
const SEARCH_PAGE = 100;

interface Profile {
  name: 'full' | 'quick';
  directoryUsers: number;
  changes: number;
  unchanged: number;
  unknown: number;
  limit: number;
  windowSeconds: number;
  latencyMs: [number, number];
  capFactor: number;
  /** Seconds added to every cap for process start-up. */
  capSlackSeconds: number;
  planningSmall: { rows: number; users: number };
  planningLarge: { rows: number; users: number };
  planningTimeoutSeconds: number;
  seed: number;
  /** The mixed profile + routing file (issue #6), run by genesys-bulk against the first limiter (fixed+headers). */
  mixed: Omit<MixedSettings, 'rows'>;
}

const PROFILES: Record<'full' | 'quick', Profile> = {
  // 200 per 5 s = 40 req/s: bound (20 + 1800) / 40 ≈ 45 s. Tighter than the ~55 req/s that the tutorial's three
  // workers reach at 20–80 ms latency, as the real 300/min is far below what they reach against the platform.
  full: {
    name: 'full',
    directoryUsers: 20_000,
    changes: 1800,
    unchanged: 150,
    unknown: 50,
    limit: 200,
    windowSeconds: 5,
    latencyMs: [20, 80],
    capFactor: 3,
    capSlackSeconds: 5,
    planningSmall: { rows: 20_000, users: 20_000 },
    planningLarge: { rows: 100_000, users: 100_000 },
    planningTimeoutSeconds: 300,
    seed: 4,
    // ≈ 2000 calls: about 50 s at 40 req/s.
    mixed: {
      mixed: 520,
      routingOnly: 120,
      profileOnly: 120,
      unchanged: 40,
      queues: 4,
      catalogueSkills: 40,
      catalogueQueues: 20,
    },
  },
  // 40 per 1 s: bound (1 + 90) / 40 ≈ 2.3 s; about a minute in all.
  quick: {
    name: 'quick',
    directoryUsers: 2000,
    changes: 90,
    unchanged: 7,
    unknown: 3,
    limit: 40,
    windowSeconds: 1,
    latencyMs: [20, 80],
    capFactor: 3,
    capSlackSeconds: 5,
    planningSmall: { rows: 2000, users: 2000 },
    planningLarge: { rows: 10_000, users: 10_000 },
    planningTimeoutSeconds: 60,
    seed: 4,
    // ≈ 300 calls: about 8 s at 40 req/s.
    mixed: {
      mixed: 78,
      routingOnly: 18,
      profileOnly: 18,
      unchanged: 6,
      queues: 4,
      catalogueSkills: 40,
      catalogueQueues: 20,
    },
  },
};

const LIMITERS: LimiterSpec[] = [
  { label: 'fixed+headers', algorithm: 'fixed', rateLimitHeaders: true },
  { label: 'sliding, no headers', algorithm: 'sliding', rateLimitHeaders: false },
  { label: 'bucket+headers', algorithm: 'bucket', rateLimitHeaders: true },
];
const CLIENTS: ClientName[] = ['genesys-bulk', 'baseline-naive', 'baseline-tutorial'];

function log(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

function environment(): Environment {
  let gitCommit: string | undefined;
  let gitDirty: boolean | undefined;
  try {
    gitCommit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
    gitDirty = execFileSync('git', ['status', '--porcelain'], { cwd: root, encoding: 'utf8' }).trim() !== '';
  } catch {
    // Not a git checkout: leave it out.
  }
  let nproc = cpus().length;
  try {
    nproc = Number(execFileSync('nproc', { encoding: 'utf8' }).trim()) || nproc;
  } catch {
    // nproc missing: cpus() is the same figure without cgroup limits.
  }
  return {
    nproc,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    totalMemGb: totalmem() / 1024 ** 3,
    node: process.version,
    os: `${type()} ${release()}`,
    ...(gitCommit !== undefined && { gitCommit }),
    ...(gitDirty !== undefined && { gitDirty }),
    measurement: `Every client runs as a child process under GNU time (\`${GNU_TIME} -f '%U %S %M'\`), which reads the kernel's rusage of the Node process when it exits: user + system CPU and peak RSS (ru_maxrss). It is the same outside measurement for all three clients, needs no cooperation from them, and still works for a run killed at its timeout. CPU per row = that CPU ÷ input rows, Node start-up and SDK load included. The baselines also print their own \`process.resourceUsage()\` as a cross-check (in the raw results).`,
  };
}

interface ClientCommand {
  args: string[];
}

function clientCommand(client: ClientName, csv: string, dir: string, bundles: Record<Baseline, string>): ClientCommand {
  if (client === 'genesys-bulk') {
    return {
      args: [CLI, 'update', csv, '--yes', '--report', join(dir, 'report.jsonl'), '--json', '--no-progress'],
    };
  }
  return { args: [bundles[client], csv] };
}

function retriesOf(client: ClientName, output: unknown): number | undefined {
  if (typeof output !== 'object' || output === null) return undefined;
  const o = output as { retries?: unknown; api?: { retries?: unknown } };
  // genesys-bulk's --json document keeps its governor's counts under `api`.
  const r = client === 'genesys-bulk' ? o.api?.retries : o.retries;
  return typeof r === 'number' ? r : undefined;
}

/** The client's result without its per-row list (the bench checks rows against the emulator, not the client). */
function trimOutput(output: unknown): unknown {
  if (typeof output !== 'object' || output === null || !('rows' in output) || !Array.isArray(output.rows))
    return output;
  const { rows: _rows, ...rest } = output as Record<string, unknown>;
  return rest;
}

interface RunContext {
  profile: Profile;
  bundles: Record<Baseline, string>;
  scratch: string;
}

function minCallsFor(rows: number, changes: number): number {
  return Math.ceil(rows / SEARCH_PAGE) + changes;
}

/**
 * What every run record gets from its measurement: the client's own retry count, CPU and RSS, the stderr tail of a
 * run that went wrong, start-up and pacing from the request log (returned for further analysis).
 */
function measuredExtras(
  record: RunRecord,
  result: SpawnResult,
  output: unknown,
  emu: EmulatorHandle,
  spawnedAt: number,
  windowSeconds: number,
): RequestEvent[] {
  const retries = retriesOf(record.client, output);
  if (retries !== undefined) record.retries = retries;
  if (result.cpuMs !== undefined) {
    record.cpuMs = result.cpuMs;
    record.cpuMsPerRow = result.cpuMs / record.rows;
  }
  if (result.maxRssKb !== undefined) record.maxRssKb = result.maxRssKb;
  if (!record.finished || (result.exitCode !== 0 && result.exitCode !== 1) || output === undefined) {
    record.stderrTail = result.stderrTail;
  }
  const events = emu.requestLog();
  const firstAt = events.reduce((min, e) => Math.min(min, e.at), Number.POSITIVE_INFINITY);
  if (Number.isFinite(firstAt)) record.startupSeconds = (firstAt - spawnedAt) / 1000;
  const pace = pacing(events, windowSeconds * 1000, spawnedAt);
  record.busiestWindow = pace.busiestWindow;
  record.perSecond = pace.perSecond;
  return events;
}

async function runClient(
  ctx: RunContext,
  client: ClientName,
  limiter: LimiterSpec,
  scenario: 'main' | 'limit-change',
): Promise<RunRecord> {
  const p = ctx.profile;
  const dir = mkdtempSync(join(ctx.scratch, `${client}-`));
  const emu = await startBenchEmulator({
    users: p.directoryUsers,
    seed: p.seed,
    limit: p.limit,
    windowSeconds: p.windowSeconds,
    algorithm: limiter.algorithm,
    rateLimitHeaders: limiter.rateLimitHeaders,
    latencyMs: p.latencyMs,
    recordRequests: true,
  });
  try {
    const workload: Workload = generateWorkload(emu.users(), {
      changes: p.changes,
      unchanged: p.unchanged,
      unknown: p.unknown,
      seed: p.seed,
    });
    const csv = join(dir, 'input.csv');
    writeCsv(csv, workload.rows);
    const rows = workload.rows.length;
    const rate = p.limit / p.windowSeconds;
    const minCalls = minCallsFor(rows, p.changes);
    const boundSeconds = minCalls / rate;
    const timeoutSeconds = p.capFactor * boundSeconds + p.capSlackSeconds;

    let limitChangedAt: number | undefined;
    const watcher =
      scenario === 'limit-change'
        ? setInterval(() => {
            // Halve the limit once half of the changes have landed.
            if (limitChangedAt === undefined && emu.patchesApplied() >= p.changes / 2) {
              emu.setLimit(Math.floor(p.limit / 2), p.windowSeconds);
              limitChangedAt = emu.now();
            }
          }, 50)
        : undefined;
    log(
      `${scenario} ${limiter.label} ${client}: ${rows} rows, bound ${boundSeconds.toFixed(1)} s, cap ${timeoutSeconds.toFixed(0)} s`,
    );
    let result: SpawnResult;
    const spawnedAt = emu.now();
    try {
      result = await runMeasured({
        ...clientCommand(client, csv, dir, ctx.bundles),
        cwd: dir,
        env: clientEnv(emu),
        timeoutMs: timeoutSeconds * 1000,
        name: 'client',
      });
    } finally {
      if (watcher) clearInterval(watcher);
    }
    const stats = emu.stats();
    const check = verify(workload, emu.users());
    const output = parseJsonOutput(result.stdout);
    const record = runRecord({
      scenario,
      client,
      limiter,
      p,
      rows,
      changes: p.changes,
      minCalls,
      boundSeconds,
      timeoutSeconds,
      result,
      output,
      stats,
      check,
    });
    const { finished, makespanSeconds } = record;
    const events = measuredExtras(record, result, output, emu, spawnedAt, p.windowSeconds);
    if (scenario === 'limit-change') {
      record.limitChange = analyseLimitChange({
        events,
        changedAt: limitChangedAt,
        oldLimit: p.limit,
        newLimit: Math.floor(p.limit / 2),
        windowMs: p.windowSeconds * 1000,
      });
    }
    log(
      `  ${finished ? `${makespanSeconds.toFixed(1)} s (ratio ${record.ratio.toFixed(2)})` : `DNF after ${makespanSeconds.toFixed(0)} s`}, ${stats.requests} requests, ${stats.rateLimited} 429s, ${check.failures} failures, ${check.collateral} collateral, exit ${result.exitCode ?? result.signal}`,
    );
    return record;
  } finally {
    await emu.stop();
  }
}

/** What every run records: the workload, the client's exit and timing, what the emulator saw, and the check. */
function runRecord(r: {
  scenario: RunRecord['scenario'];
  client: ClientName;
  limiter: LimiterSpec;
  p: Profile;
  rows: number;
  changes: number;
  minCalls: number;
  boundSeconds: number;
  timeoutSeconds: number;
  result: SpawnResult;
  output: ReturnType<typeof parseJsonOutput>;
  stats: ReturnType<EmulatorHandle['stats']>;
  check: { changedCorrect: number; unchangedCorrect: number; failures: number; collateral: number };
}): RunRecord {
  const { p, result, stats, check } = r;
  const makespanSeconds = result.wallMs / 1000;
  return {
    scenario: r.scenario,
    client: r.client,
    limiter: r.limiter,
    limit: p.limit,
    windowSeconds: p.windowSeconds,
    directoryUsers: p.directoryUsers,
    rows: r.rows,
    changes: r.changes,
    minCalls: r.minCalls,
    boundSeconds: r.boundSeconds,
    timeoutSeconds: r.timeoutSeconds,
    finished: !result.timedOut,
    exitCode: result.exitCode,
    signal: result.signal,
    makespanSeconds,
    ...(stats.apiSpanSeconds !== undefined && { apiSpanSeconds: stats.apiSpanSeconds }),
    ratio: makespanSeconds / r.boundSeconds,
    requests: stats.requests,
    requestsByRoute: stats.requestsByRoute,
    status: stats.byStatus,
    rateLimited: stats.rateLimited,
    rateLimitedPct: stats.requests ? (100 * stats.rateLimited) / stats.requests : 0,
    patchesApplied: stats.patchesApplied,
    changedCorrect: check.changedCorrect,
    unchangedCorrect: check.unchangedCorrect,
    failures: check.failures,
    collateral: check.collateral,
    callsPerChangedUser: stats.requests / r.changes,
    maxInFlight: stats.maxInFlight,
    clientOutput: trimOutput(r.output),
  };
}

function mixedSettings(p: Profile): MixedSettings {
  const m = p.mixed;
  return { rows: m.mixed + m.routingOnly + m.profileOnly + m.unchanged, ...m };
}

/**
 * The mixed scenario (issue #6): one file with `title`, `skills` and `queues` columns, applied by genesys-bulk. The
 * baselines have no routing, so they are not run. The bound counts the reads a plan of diffs needs and the bulk
 * writes (see MixedCalls); the check reads titles, skills and queue memberships back from the emulator.
 */
async function runMixed(ctx: RunContext, limiter: LimiterSpec): Promise<RunRecord> {
  const p = ctx.profile;
  const settings = mixedSettings(p);
  const dir = mkdtempSync(join(ctx.scratch, 'mixed-'));
  const emu = await startBenchEmulator({
    users: p.directoryUsers,
    seed: p.seed,
    limit: p.limit,
    windowSeconds: p.windowSeconds,
    algorithm: limiter.algorithm,
    rateLimitHeaders: limiter.rateLimitHeaders,
    latencyMs: p.latencyMs,
    recordRequests: true,
    skills: settings.catalogueSkills,
    queues: settings.catalogueQueues,
  });
  try {
    const workload = generateMixedWorkload(emu, { ...p.mixed, seed: p.seed });
    const csv = join(dir, 'input.csv');
    writeMixedCsv(csv, workload.rows);
    const rows = workload.rows.length;
    const rate = p.limit / p.windowSeconds;
    const minCalls = workload.minimum.total;
    const boundSeconds = minCalls / rate;
    const timeoutSeconds = p.capFactor * boundSeconds + p.capSlackSeconds;
    log(
      `mixed ${limiter.label} genesys-bulk: ${rows} rows (${workload.changedUsers} changed users), ${minCalls} calls at least, bound ${boundSeconds.toFixed(1)} s, cap ${timeoutSeconds.toFixed(0)} s`,
    );
    const spawnedAt = emu.now();
    const result = await runMeasured({
      ...clientCommand('genesys-bulk', csv, dir, ctx.bundles),
      cwd: dir,
      env: clientEnv(emu),
      timeoutMs: timeoutSeconds * 1000,
      name: 'client',
    });
    const stats = emu.stats();
    const check = verifyMixed(workload, emu);
    const output = parseJsonOutput(result.stdout);
    const record: RunRecord = {
      ...runRecord({
        scenario: 'mixed',
        client: 'genesys-bulk',
        limiter,
        p,
        rows,
        changes: workload.changedUsers,
        minCalls,
        boundSeconds,
        timeoutSeconds,
        result,
        output,
        stats,
        check,
      }),
      mixed: {
        settings,
        queueNames: workload.queueNames,
        queueSizes: workload.queueSizes,
        minimum: workload.minimum,
        made: callsMade(stats.answeredByRoute),
        minCallsPerChangedUser: minCalls / workload.changedUsers,
        wrongTitle: check.wrongTitle,
        wrongSkills: check.wrongSkills,
        wrongQueues: check.wrongQueues,
        routingWrites: stats.routingWrites,
      },
    };
    measuredExtras(record, result, output, emu, spawnedAt, p.windowSeconds);
    const { finished, makespanSeconds } = record;
    log(
      `  ${finished ? `${makespanSeconds.toFixed(1)} s (ratio ${record.ratio.toFixed(2)})` : `DNF after ${makespanSeconds.toFixed(0)} s`}, ${stats.requests} requests (${record.callsPerChangedUser.toFixed(2)} per changed user), ${stats.rateLimited} 429s, ${check.failures} failures (title ${check.wrongTitle}, skills ${check.wrongSkills}, queues ${check.wrongQueues}), ${check.collateral} collateral, exit ${result.exitCode ?? result.signal}`,
    );
    return record;
  } finally {
    await emu.stop();
  }
}

/** Input for the planning runs: one row per user (inactive ones too), every row a title change. */
function planningRows(workload: Workload, users: number): PlannedRow[] {
  const rows: PlannedRow[] = [];
  for (const user of workload.before.values()) {
    if (rows.length >= users || !user.email) continue;
    rows.push({
      row: {
        email: user.email,
        title: user.title === 'Team Lead' ? 'Supervisor' : 'Team Lead',
        department: user.department ?? '',
        mobile: '',
      },
      kind: 'change',
      userId: user.id,
    });
  }
  return rows;
}

async function runPlanning(ctx: RunContext, size: { rows: number; users: number }): Promise<PlanningRecord> {
  const p = ctx.profile;
  const dir = mkdtempSync(join(ctx.scratch, 'planning-'));
  // A limit that never binds and next to no latency: the figures are the planner's, not the pacing's.
  const emu = await startBenchEmulator({
    users: size.users,
    seed: p.seed,
    limit: 1_000_000,
    windowSeconds: 1,
    algorithm: 'fixed',
    rateLimitHeaders: true,
    latencyMs: [0, 1],
    recordRequests: false,
  });
  try {
    const workload = generateWorkload(emu.users(), { changes: 0, unchanged: 0, unknown: 0, seed: p.seed });
    const rows = planningRows(workload, size.rows);
    const csv = join(dir, 'input.csv');
    writeCsv(csv, rows);
    log(`planning: dry-run of ${rows.length} rows against ${size.users} users`);
    const result = await runMeasured({
      args: [CLI, 'update', csv, '--dry-run', '--json', '--no-progress'],
      cwd: dir,
      env: clientEnv(emu),
      timeoutMs: p.planningTimeoutSeconds * 1000,
      name: 'planning',
    });
    const stats = emu.stats();
    const record: PlanningRecord = {
      rows: rows.length,
      directoryUsers: size.users,
      finished: !result.timedOut && (result.exitCode === 0 || result.exitCode === 1),
      exitCode: result.exitCode,
      wallSeconds: result.wallMs / 1000,
      requests: stats.requests,
    };
    if (result.cpuMs !== undefined) {
      record.cpuMs = result.cpuMs;
      record.cpuMsPerRow = result.cpuMs / rows.length;
    }
    if (result.maxRssKb !== undefined) record.maxRssKb = result.maxRssKb;
    if (!record.finished) record.stderrTail = result.stderrTail;
    log(
      `  ${record.wallSeconds.toFixed(1)} s, CPU ${record.cpuMs?.toFixed(0)} ms (${record.cpuMsPerRow?.toFixed(3)} ms/row), RSS ${((record.maxRssKb ?? 0) / 1024).toFixed(0)} MB, exit ${result.exitCode ?? result.signal}`,
    );
    return record;
  } finally {
    await emu.stop();
  }
}

function writeOutputs(results: BenchResults, writeDocs: boolean, resultsFile?: string): void {
  const dir = join(root, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  results.charts = writeCharts(results, root);
  log(`charts: ${results.charts.length} in bench/results/charts/`);
  let file = resultsFile;
  if (!file) {
    file = join(dir, `${results.startedAt.replace(/[:.]/g, '-')}.json`);
    const text = `${JSON.stringify(results, null, 2)}\n`;
    writeFileSync(file, text);
    writeFileSync(join(dir, 'latest.json'), text);
    log(`results: ${relative(root, file)} and bench/results/latest.json`);
  }
  process.stdout.write(`${summaryMarkdown(results)}\n`);
  if (writeDocs) {
    mkdirSync(join(root, 'docs'), { recursive: true });
    writeFileSync(join(root, 'docs', 'benchmarks.md'), docsMarkdown(results, relative(root, file), root));
    log('wrote docs/benchmarks.md');
  }
}

/** Whether some file under src/ is newer than the build the bench is about to measure. */
function distLooksStale(): boolean {
  const newest = (dir: string): number => {
    let latest = 0;
    for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
      if (entry.isFile() && entry.name.endsWith('.ts')) {
        latest = Math.max(latest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
      }
    }
    return latest;
  };
  try {
    return newest(join(root, 'src')) > statSync(join(root, 'dist', 'cli.js')).mtimeMs;
  } catch {
    return false;
  }
}

function cliAvailable(): boolean {
  try {
    execFileSync(process.execPath, [CLI, 'update', '--help'], { stdio: 'ignore', timeout: 30_000 });
    return true;
  } catch {
    return false;
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      clients: { type: 'string' },
      limiters: { type: 'string' },
      'no-limit-change': { type: 'boolean', default: false },
      'no-planning': { type: 'boolean', default: false },
      'no-mixed': { type: 'boolean', default: false },
      'mixed-only': { type: 'boolean', default: false },
      'no-family': { type: 'boolean', default: false },
      only: { type: 'string' },
      'cap-factor': { type: 'string' },
      docs: { type: 'boolean' },
      'no-docs': { type: 'boolean', default: false },
      'report-only': { type: 'string' },
      'no-tokens': { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
    },
    strict: true,
  });

  if (values['report-only']) {
    const file = values['report-only'];
    const results = JSON.parse(readFileSync(file, 'utf8')) as BenchResults;
    results.targets = computeTargets(results);
    writeOutputs(results, !values['no-docs'], relative(root, resolve(file)));
    return;
  }

  checkGnuTime();
  const profile: Profile = { ...PROFILES[values.quick ? 'quick' : 'full'] };
  if (values['cap-factor']) profile.capFactor = Number(values['cap-factor']);
  const clients = values.clients ? (values.clients.split(',') as ClientName[]) : CLIENTS;
  for (const c of clients)
    if (!CLIENTS.includes(c)) throw new Error(`unknown client ${c}; one of ${CLIENTS.join(', ')}`);
  const limiters = values.limiters
    ? values.limiters.split(',').map((l) => {
        const found = LIMITERS.find((x) => x.label === l || x.algorithm === l);
        if (!found) throw new Error(`unknown limiter ${l}; one of ${LIMITERS.map((x) => x.algorithm).join(', ')}`);
        return found;
      })
    : LIMITERS;
  if (values['mixed-only'] && values['no-mixed']) throw new Error('--mixed-only and --no-mixed exclude each other');
  const PARTS = ['main', 'limit-change', 'mixed', 'planning', 'family', 'tokens'] as const;
  type Part = (typeof PARTS)[number];
  const only = values.only?.split(',').map((p) => p.trim());
  for (const p of only ?? []) {
    if (!PARTS.includes(p as Part)) throw new Error(`unknown part ${p} in --only; one of ${PARTS.join(', ')}`);
  }
  const mixedOnly = values['mixed-only'];
  const wants = (part: Part): boolean =>
    only
      ? only.includes(part)
      : mixedOnly
        ? part === 'mixed'
        : (part !== 'family' || !values['no-family']) && (part !== 'tokens' || !values['no-tokens']);
  // A focused run (--only) keeps its own results file: latest.json and docs/benchmarks.md stay the full run's.
  const onlyOwn = only !== undefined;
  const writeDocs = values['no-docs'] || onlyOwn ? false : (values.docs ?? profile.name === 'full');

  const startedAt = new Date();
  const notes: string[] = [];
  const scratch = mkdtempSync(join(tmpdir(), 'genesys-bulk-bench-'));
  const bundles = await buildBaselines(join(root, 'bench', 'results', 'tmp', 'build'));
  const ctx: RunContext = { profile, bundles, scratch };
  const gbWorks = cliAvailable();
  if (!gbWorks) notes.push('genesys-bulk CLI not runnable (`npm run build` first?): its runs were skipped.');
  if (gbWorks && distLooksStale()) {
    const note = 'src/ has files newer than dist/: genesys-bulk was measured from a build older than the source.';
    notes.push(note);
    log(`warning: ${note}`);
  }

  const runs: RunRecord[] = [];
  const planning: BenchResults['planning'] = {};
  let family: BenchResults['family'];
  let tokens: TokenRecord[] | undefined;
  try {
    for (const limiter of wants('main') ? limiters : []) {
      for (const client of clients) {
        if (client === 'genesys-bulk' && !gbWorks) continue;
        runs.push(await runClient(ctx, client, limiter, 'main'));
      }
    }
    const gbRuns = gbWorks && clients.includes('genesys-bulk');
    if (gbRuns && wants('limit-change') && !values['no-limit-change']) {
      runs.push(await runClient(ctx, 'genesys-bulk', LIMITERS[0]!, 'limit-change'));
    }
    if (gbRuns && wants('mixed') && !values['no-mixed']) {
      runs.push(await runMixed(ctx, LIMITERS[0]!));
    }
    if (gbRuns && wants('planning') && !values['no-planning']) {
      planning.small = await runPlanning(ctx, profile.planningSmall);
      planning.large = await runPlanning(ctx, profile.planningLarge);
    }
    if (gbRuns && wants('family')) {
      family = await runFamily(
        {
          cli: CLI,
          scratch,
          latencyMs: profile.latencyMs,
          capFactor: profile.capFactor,
          capSlackSeconds: profile.capSlackSeconds,
          env: clientEnv,
          log,
        },
        FAMILY_PROFILES[profile.name],
      );
    }
    if (gbWorks && wants('tokens')) {
      tokens = [];
      const tokenCtx = { cli: CLI, scratch, capFactor: profile.capFactor, log };
      for (const scenario of tokenScenarios(profile.name === 'quick')) {
        tokens.push(await runTokenScenario(scenario, tokenCtx));
      }
    }
  } finally {
    if (!values.keep) rmSync(scratch, { recursive: true, force: true });
    else log(`kept scratch files in ${scratch}`);
  }

  const results: BenchResults = {
    profile: profile.name,
    startedAt: startedAt.toISOString(),
    durationSeconds: (Date.now() - startedAt.getTime()) / 1000,
    environment: environment(),
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
    runs,
    planning,
    ...(family && { family }),
    ...(tokens && { tokens }),
    targets: [],
    notes,
  };
  results.targets = computeTargets(results);
  if (onlyOwn && only?.length === 1 && only[0] === 'tokens') {
    // A focused run keeps its own file: latest.json and docs/benchmarks.md stay those of the last full run.
    const file = join(root, 'bench', 'results', `tokens-${results.startedAt.replace(/[:.]/g, '-')}.json`);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
    log(`results: ${relative(root, file)}`);
    writeOutputs(results, false, relative(root, file));
    return;
  }
  writeOutputs(results, writeDocs);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
