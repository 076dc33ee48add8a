/**
 * The bench's scenarios that apply a file (issues #4 and #6): the main runs and the limit change (every client), the
 * mixed profile + routing file and the planning cost (genesys-bulk), each a child process against a fresh emulator.
 */
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import type { Baseline } from './build-clients.js';
import { type EmulatorHandle, startBenchEmulator } from './emulator.js';
import { analyseLimitChange, pacing, type RequestEvent } from './limit-change.js';
import { callsMade, generateMixedWorkload, verifyMixed, writeMixedCsv } from './mixed.js';
import { CLI, log, type Profile } from './profiles.js';
import { clientEnv, parseJsonOutput, runMeasured, type SpawnResult } from './spawn.js';
import type { ClientName, LimiterSpec, MixedSettings, PlanningRecord, RunRecord } from './types.js';
import { generateWorkload, type PlannedRow, verify, type Workload, writeCsv } from './workload.js';

/** Emails per search: the platform's search page size cap, the basis of the bound's read count. */
const SEARCH_PAGE = 100;

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

export interface RunContext {
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

export async function runClient(
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
        windows: limiter.algorithm === 'fixed' ? 'opened-by-request' : 'sliding',
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

export function mixedSettings(p: Profile): MixedSettings {
  const m = p.mixed;
  return { rows: m.mixed + m.routingOnly + m.profileOnly + m.unchanged, ...m };
}

/**
 * The mixed scenario (issue #6): one file with `title`, `skills` and `queues` columns, applied by genesys-bulk. The
 * baselines have no routing, so they are not run. The bound counts the reads a plan of diffs needs and the bulk
 * writes (see MixedCalls); the check reads titles, skills and queue memberships back from the emulator.
 */
export async function runMixed(ctx: RunContext, limiter: LimiterSpec): Promise<RunRecord> {
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

export async function runPlanning(ctx: RunContext, size: { rows: number; users: number }): Promise<PlanningRecord> {
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
