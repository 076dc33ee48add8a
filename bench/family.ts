/**
 * The limiter family over real HTTP (issue #12): a seeded sample of the emulator's limiters (src/emulator/family.ts,
 * the same sample the governor's fake-clock tests draw), each against a fresh emulator, genesys-bulk as a child
 * process, and the worst case reported. The baselines are not run here: the family asks whether genesys-bulk holds
 * on limiters it was not tuned on; the main table already compares clients.
 */
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { type FamilyMember, memberLabel, memberOptions, sampleFamily } from '../src/emulator/family.js';
import { startBenchEmulator } from './emulator.js';
import { pacing } from './limit-change.js';
import { parseJsonOutput, runMeasured } from './spawn.js';
import type { BenchResults, FamilyRecord, FamilySettings, Target } from './types.js';
import { generateWorkload, verify, writeCsv } from './workload.js';

/** 20 req/s with a 15 s window: a 1% burst is still 3 requests (see test/governor/family.test.ts). */
export const FAMILY_PROFILES: Record<'full' | 'quick', FamilySettings> = {
  full: {
    seed: 12,
    members: 12,
    limit: 300,
    windowSeconds: 15,
    directoryUsers: 2000,
    changes: 580,
    unchanged: 15,
    unknown: 5,
  },
  // The same limiters, a quarter of the rows: a smaller quota would make the small bursts single requests.
  quick: {
    seed: 12,
    members: 12,
    limit: 300,
    windowSeconds: 15,
    directoryUsers: 1000,
    changes: 137,
    unchanged: 2,
    unknown: 1,
  },
};

export const FAMILY_TARGET = { ratio: 1.1, rateLimitedPct: 1 };

export interface FamilyContext {
  cli: string;
  scratch: string;
  latencyMs: [number, number];
  capFactor: number;
  capSlackSeconds: number;
  env: (emu: { url: string; clientId: string; clientSecret: string }) => NodeJS.ProcessEnv;
  log: (message: string) => void;
  /** More arguments for the CLI (`--log-level debug` to keep its pacing in `client.stderr`). */
  cliArgs?: string[];
}

export function familySample(settings: FamilySettings): FamilyMember[] {
  return sampleFamily(settings.seed, settings.members, settings.windowSeconds * 1000);
}

export async function runFamilyMember(
  ctx: FamilyContext,
  s: FamilySettings,
  member: FamilyMember,
): Promise<FamilyRecord> {
  const label = memberLabel(member);
  const dir = mkdtempSync(join(ctx.scratch, 'family-'));
  const { algorithm, rateLimitHeaders, ...limiter } = memberOptions(member);
  const emu = await startBenchEmulator({
    users: s.directoryUsers,
    seed: s.seed,
    limit: s.limit,
    windowSeconds: s.windowSeconds,
    algorithm,
    rateLimitHeaders,
    latencyMs: ctx.latencyMs,
    recordRequests: true,
    limiter,
  });
  try {
    const workload = generateWorkload(emu.users(), {
      changes: s.changes,
      unchanged: s.unchanged,
      unknown: s.unknown,
      seed: s.seed,
    });
    const csv = join(dir, 'input.csv');
    writeCsv(csv, workload.rows);
    const rows = workload.rows.length;
    const minCalls = Math.ceil(rows / 100) + s.changes;
    const boundSeconds = minCalls / (s.limit / s.windowSeconds);
    const timeoutSeconds = ctx.capFactor * boundSeconds + ctx.capSlackSeconds;
    ctx.log(`family ${label}: ${rows} rows, bound ${boundSeconds.toFixed(1)} s`);
    const spawnedAt = emu.now();
    const result = await runMeasured({
      args: [ctx.cli, 'update', csv, '--yes', '--json', '--no-progress', ...(ctx.cliArgs ?? [])],
      cwd: dir,
      env: ctx.env(emu),
      timeoutMs: timeoutSeconds * 1000,
      name: 'client',
    });
    const stats = emu.stats();
    const check = verify(workload, emu.users());
    const events = emu.requestLog();
    const firstAt = events.reduce((min, e) => Math.min(min, e.at), Number.POSITIVE_INFINITY);
    const makespanSeconds = result.wallMs / 1000;
    const record: FamilyRecord = {
      label,
      member,
      limit: s.limit,
      windowSeconds: s.windowSeconds,
      rows,
      changes: s.changes,
      minCalls,
      boundSeconds,
      finished: !result.timedOut,
      exitCode: result.exitCode,
      makespanSeconds,
      ratio: makespanSeconds / boundSeconds,
      ...(stats.apiSpanSeconds !== undefined && { apiSpanSeconds: stats.apiSpanSeconds }),
      requests: stats.requests,
      rateLimited: stats.rateLimited,
      rateLimitedPct: stats.requests ? (100 * stats.rateLimited) / stats.requests : 0,
      failures: check.failures,
      collateral: check.collateral,
      perSecond: pacing(events, s.windowSeconds * 1000, spawnedAt).perSecond,
      ...(Number.isFinite(firstAt) && { startupSeconds: (firstAt - spawnedAt) / 1000 }),
    };
    const output = parseJsonOutput(result.stdout);
    if (!record.finished || (result.exitCode !== 0 && result.exitCode !== 1) || output === undefined) {
      record.stderrTail = result.stderrTail;
    }
    ctx.log(
      `  ${record.finished ? `${makespanSeconds.toFixed(1)} s (ratio ${record.ratio.toFixed(2)})` : 'DNF'}, ${stats.requests} requests, ${stats.rateLimited} 429s, ${check.failures} failures`,
    );
    return record;
  } finally {
    await emu.stop();
  }
}

export async function runFamily(
  ctx: FamilyContext,
  settings: FamilySettings,
): Promise<{ settings: FamilySettings; runs: FamilyRecord[] }> {
  const runs: FamilyRecord[] = [];
  for (const member of familySample(settings)) runs.push(await runFamilyMember(ctx, settings, member));
  return { settings, runs };
}

const fmt = (n: number | undefined, digits = 2): string =>
  n === undefined || Number.isNaN(n) ? '–' : n.toFixed(digits);

function worst(runs: FamilyRecord[]): { ratio?: FamilyRecord; limited?: FamilyRecord } {
  const done = runs.filter((r) => r.finished);
  const by = (key: 'ratio' | 'rateLimitedPct') =>
    done.reduce<FamilyRecord | undefined>((a, b) => (!a || b[key] > a[key] ? b : a), undefined);
  return { ratio: by('ratio'), limited: by('rateLimitedPct') };
}

export function familyTargets(results: BenchResults): Target[] {
  const f = results.family;
  if (!f) return [];
  const w = worst(f.runs);
  const allDone = f.runs.every((r) => r.finished);
  const failures = f.runs.reduce((n, r) => n + r.failures + r.collateral, 0);
  return [
    {
      name: `limiter family (${f.runs.length} members): worst makespan ÷ bound`,
      target: `≤ ${FAMILY_TARGET.ratio.toFixed(2)}`,
      measured: w.ratio ? `${fmt(w.ratio.ratio)} (${w.ratio.label})${allDone ? '' : ', some unfinished'}` : 'no run',
      pass: w.ratio ? allDone && w.ratio.ratio <= FAMILY_TARGET.ratio : null,
    },
    {
      name: `limiter family (${f.runs.length} members): worst 429s`,
      target: `≤ ${FAMILY_TARGET.rateLimitedPct}% of requests`,
      measured: w.limited ? `${fmt(w.limited.rateLimitedPct)}% (${w.limited.label})` : 'no run',
      pass: w.limited ? w.limited.rateLimitedPct <= FAMILY_TARGET.rateLimitedPct : null,
    },
    {
      name: 'limiter family: failures',
      target: '0 rows wrong, 0 collateral changes',
      measured: `${failures}`,
      pass: allDone && failures === 0,
    },
  ];
}

export function familyTable(results: BenchResults): string {
  const f = results.family;
  if (!f) return '_Not run._';
  const s = f.settings;
  const lines = f.runs.map(
    (r) =>
      `| ${r.label} | ${r.finished ? fmt(r.makespanSeconds, 1) : 'DNF'} | ${fmt(r.boundSeconds, 1)} | ${fmt(r.ratio)} | ${fmt(r.apiSpanSeconds === undefined ? undefined : r.apiSpanSeconds / r.boundSeconds)} | ${r.requests} | ${r.rateLimited} (${fmt(r.rateLimitedPct)}%) | ${r.failures + r.collateral} |`,
  );
  return [
    `Seed ${s.seed}, ${f.runs.length} members, ${s.limit} requests per ${s.windowSeconds} s (${fmt(s.limit / s.windowSeconds, 0)} req/s); ${s.changes + s.unchanged + s.unknown} rows (${s.changes} changes) over a ${s.directoryUsers}-user directory.`,
    '',
    '| Limiter | Makespan (s) | Bound (s) | Ratio | Request span ÷ bound | Requests | 429s | Failures |',
    '|---|--:|--:|--:|--:|--:|--:|--:|',
    ...lines,
  ].join('\n');
}
