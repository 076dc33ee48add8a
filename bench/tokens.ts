/**
 * The token-pool scenarios (issue #12): genesys-bulk with `--tokens N` against a fresh emulator each, whose limits are
 * per token, and in the last one a limit on all the tokens together (`orgLimit`) below the lanes' sum.
 *
 * - tokens-4: 4 tokens, per-token limits (fixed window and token bucket, with headers): ratio to the four-lane bound
 *   ≤ 1.05, 429s ≤ 0.5%, every row correct.
 * - tokens-10: 20,000 rows at 100 per 5 s per token, 10 tokens: ratio ≤ 1.05, 429s ≤ 0.5%.
 * - org-limit: the same 10 lanes under an organisation limit of 60% of their sum: 429s ≤ 2%, and the run settles at
 *   the organisation's limit (its ratio is to the bound at that limit; "settled" is the accepted rate over the second
 *   half of the run against the limit).
 *
 * The bound counts the reads and writes a perfect client needs (⌈rows / 100⌉ searches + one PATCH per change) at the
 * combined rate. The makespan is the process's wall time, start-up included, as in the main scenarios.
 */
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { type EmulatorHandle, startBenchEmulator } from './emulator.js';
import { laneTrace, type PoolTrace, traceLines } from './lane-trace.js';
import { pacing } from './limit-change.js';
import { clientEnv, parseJsonOutput, runMeasured } from './spawn.js';
import type { Target, TokenRecord, TokenScenario } from './types.js';
import { generateWorkload, verify, writeCsv } from './workload.js';

const SEARCH_PAGE = 100;
const LATENCY_MS: [number, number] = [20, 80];
const SEED = 12;
const PATCH_ROUTE = 'PATCH /api/v2/users/{userId}';

export function tokenScenarios(quick: boolean): TokenScenario[] {
  const per = { limit: 100, windowSeconds: 5 };
  if (quick) {
    return [
      {
        name: 'tokens-4',
        tokens: 4,
        algorithm: 'fixed',
        directoryUsers: 3000,
        changes: 450,
        unchanged: 40,
        unknown: 10,
        ...per,
      },
      {
        name: 'tokens-10',
        tokens: 10,
        algorithm: 'fixed',
        directoryUsers: 3000,
        changes: 1100,
        unchanged: 80,
        unknown: 20,
        ...per,
      },
      {
        name: 'org-limit',
        tokens: 10,
        algorithm: 'fixed',
        directoryUsers: 3000,
        changes: 900,
        unchanged: 80,
        unknown: 20,
        ...per,
        orgLimit: 600,
      },
    ];
  }
  return [
    // (40 + 3600) / 80 per second ≈ 45 s each.
    {
      name: 'tokens-4',
      tokens: 4,
      algorithm: 'fixed',
      directoryUsers: 20_000,
      changes: 3600,
      unchanged: 300,
      unknown: 100,
      ...per,
    },
    {
      name: 'tokens-4',
      tokens: 4,
      algorithm: 'bucket',
      directoryUsers: 20_000,
      changes: 3600,
      unchanged: 300,
      unknown: 100,
      ...per,
    },
    // 20,000 rows: (200 + 19,000) / 200 per second ≈ 96 s.
    {
      name: 'tokens-10',
      tokens: 10,
      algorithm: 'fixed',
      directoryUsers: 32_000,
      changes: 19_000,
      unchanged: 800,
      unknown: 200,
      ...per,
    },
    // 600 per 5 s = 120/s, 60% of the lanes' 200/s: (60 + 5400) / 120 ≈ 46 s.
    {
      name: 'org-limit',
      tokens: 10,
      algorithm: 'fixed',
      directoryUsers: 20_000,
      changes: 5400,
      unchanged: 480,
      unknown: 120,
      ...per,
      orgLimit: 600,
    },
  ];
}

export async function runTokenScenario(
  s: TokenScenario,
  ctx: { cli: string; scratch: string; capFactor: number; log: (message: string) => void; cliArgs?: string[] },
): Promise<TokenRecord> {
  const dir = mkdtempSync(join(ctx.scratch, `${s.name}-`));
  const emu = await startBenchEmulator({
    users: s.directoryUsers,
    seed: SEED,
    limit: s.limit,
    windowSeconds: s.windowSeconds,
    algorithm: s.algorithm,
    rateLimitHeaders: true,
    latencyMs: LATENCY_MS,
    recordRequests: true,
    ...(s.orgLimit !== undefined && { orgLimit: s.orgLimit, orgWindowSeconds: s.windowSeconds }),
  });
  try {
    const workload = generateWorkload(emu.users(), {
      changes: s.changes,
      unchanged: s.unchanged,
      unknown: s.unknown,
      seed: SEED,
    });
    const csv = join(dir, 'input.csv');
    writeCsv(csv, workload.rows);
    const rows = workload.rows.length;
    const lanesRate = (s.tokens * s.limit) / s.windowSeconds;
    const boundRate = s.orgLimit === undefined ? lanesRate : Math.min(lanesRate, s.orgLimit / s.windowSeconds);
    const minCalls = Math.ceil(rows / SEARCH_PAGE) + s.changes;
    const boundSeconds = minCalls / boundRate;
    const timeoutSeconds = ctx.capFactor * boundSeconds + 10;
    const label = `${s.name} ${s.algorithm}${s.orgLimit ? ` org ${s.orgLimit}/${s.windowSeconds}s` : ''}`;
    ctx.log(
      `${label}: --tokens ${s.tokens}, ${rows} rows, bound ${boundSeconds.toFixed(1)} s, cap ${timeoutSeconds.toFixed(0)} s`,
    );
    const spawnedAt = emu.now();
    const result = await runMeasured({
      args: [
        ctx.cli,
        'update',
        csv,
        '--yes',
        '--json',
        '--no-progress',
        '--tokens',
        String(s.tokens),
        ...(ctx.cliArgs ?? []),
      ],
      cwd: dir,
      env: clientEnv(emu),
      timeoutMs: timeoutSeconds * 1000,
      name: 'tokens',
    });
    const stats = emu.stats();
    const check = verify(workload, emu.users());
    parseJsonOutput(result.stdout);
    const makespanSeconds = result.wallMs / 1000;
    const record: TokenRecord = {
      scenario: s,
      rows,
      minCalls,
      boundRate,
      boundSeconds,
      makespanSeconds,
      ...(stats.apiSpanSeconds !== undefined && { apiSpanSeconds: stats.apiSpanSeconds }),
      ratio: makespanSeconds / boundSeconds,
      perSecond: pacing(emu.requestLog(), s.windowSeconds * 1000, spawnedAt).perSecond,
      trace: laneTrace(
        emu.laneLog(),
        emu.loginLog(),
        emu.routeFirstSeen()[PATCH_ROUTE],
        spawnedAt,
        spawnedAt + result.wallMs,
        s.windowSeconds * 1000,
      ),
      finished: !result.timedOut,
      exitCode: result.exitCode,
      requests: stats.requests,
      rateLimited: stats.rateLimited,
      rateLimitedPct: stats.requests ? (100 * stats.rateLimited) / stats.requests : 0,
      orgRateLimited: stats.orgRateLimited,
      tokensIssued: stats.tokensIssued,
      requestsPerToken: Object.entries(stats.byToken)
        .sort(([a], [b]) => Number(a) - Number(b))
        .map(([, c]) => c.requests),
      changedCorrect: check.changedCorrect,
      unchangedCorrect: check.unchangedCorrect,
      failures: check.failures,
      collateral: check.collateral,
      ...(result.maxRssKb !== undefined && { maxRssKb: result.maxRssKb }),
      ...(result.cpuMs !== undefined && { cpuMs: result.cpuMs }),
    };
    if (s.orgLimit !== undefined) record.settledShare = settledShare(emu, s.orgLimit / s.windowSeconds);
    if (!record.finished || (result.exitCode !== 0 && result.exitCode !== 1)) record.stderrTail = result.stderrTail;
    ctx.log(
      `  ${record.finished ? `${makespanSeconds.toFixed(1)} s (ratio ${record.ratio.toFixed(3)})` : 'DNF'}, ${stats.requests} requests, ${stats.rateLimited} 429s (${record.rateLimitedPct.toFixed(2)}%, ${stats.orgRateLimited} from the org limit), ${stats.tokensIssued} tokens, per token ${record.requestsPerToken.join('/')}, ${check.failures} failures${record.settledShare !== undefined ? `, settled at ${(100 * record.settledShare).toFixed(1)}% of the org limit` : ''}, exit ${result.exitCode ?? result.signal}`,
    );
    for (const line of traceLines(record.trace as PoolTrace)) ctx.log(line);
    return record;
  } finally {
    await emu.stop();
  }
}

/** Accepted requests per second over the second half of the request log's span, over `rate`. */
function settledShare(emu: EmulatorHandle, rate: number): number {
  const allowed = emu
    .requestLog()
    .filter((e) => e.status !== 429)
    .map((e) => e.at)
    .sort((a, b) => a - b);
  if (allowed.length < 2) return 0;
  const first = allowed[0] as number;
  const last = allowed.at(-1) as number;
  const middle = (first + last) / 2;
  const late = allowed.filter((t) => t >= middle).length;
  return late / ((last - middle) / 1000) / rate;
}

export function tokenTargets(records: TokenRecord[]): Target[] {
  const targets: Target[] = [];
  for (const r of records) {
    const s = r.scenario;
    const what = `--tokens ${s.tokens} (${s.algorithm}${s.orgLimit ? `, org limit ${s.orgLimit} per ${s.windowSeconds} s` : ''})`;
    const correct = r.finished && r.failures === 0 && r.collateral === 0;
    if (s.orgLimit === undefined) {
      targets.push({
        name: `tokens: ${s.name} ${s.algorithm}`,
        target: `${what}: ratio ≤ 1.05, 429s ≤ 0.5%, every row correct`,
        measured: `${r.ratio.toFixed(3)}, ${r.rateLimitedPct.toFixed(2)}%, ${r.failures} failures`,
        pass: correct && r.ratio <= 1.05 && r.rateLimitedPct <= 0.5,
      });
    } else {
      targets.push({
        name: `tokens: ${s.name}`,
        target: `${what}: 429s ≤ 2%, settles at the org limit (≥ 90%), every row correct`,
        measured: `${r.rateLimitedPct.toFixed(2)}%, ${(100 * (r.settledShare ?? 0)).toFixed(1)}%, ratio ${r.ratio.toFixed(3)}, ${r.failures} failures`,
        pass: correct && r.rateLimitedPct <= 2 && (r.settledShare ?? 0) >= 0.9,
      });
    }
  }
  return targets;
}

/** The section of the summary and of docs/benchmarks.md, when the scenarios ran. */
export function tokensSection(records: TokenRecord[] | undefined, level: string): string[] {
  if (!records || records.length === 0) return [];
  return [
    `${level} Token pool (issue #12): \`--tokens N\`, genesys-bulk`,
    '',
    'Each token has its own limiter; `org` is a limit on all of them together, answered with another 429 code. ' +
      "Ratio: wall time (start-up included) over the bound at the lanes' sum, or at the org limit when it is lower. " +
      'Settled: accepted requests per second over the second half of the run, against the org limit. ' +
      'Focused run: `npm run bench -- --only tokens` (or `--quick --only tokens`).',
    '',
    tokensTable(records),
    '',
  ];
}

export function tokensTable(records: TokenRecord[]): string {
  const head =
    '| scenario | limiter | tokens | rows | bound (s) | makespan (s) | ratio | requests | 429s | per token | settled | correct |\n' +
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |';
  const lines = records.map((r) => {
    const s = r.scenario;
    const limiter = `${s.algorithm}, ${s.limit}/${s.windowSeconds}s per token${s.orgLimit ? `, org ${s.orgLimit}/${s.windowSeconds}s` : ''}`;
    return `| ${s.name} | ${limiter} | ${s.tokens} | ${r.rows} | ${r.boundSeconds.toFixed(1)} | ${r.makespanSeconds.toFixed(1)} | ${r.ratio.toFixed(3)} | ${r.requests} | ${r.rateLimited} (${r.rateLimitedPct.toFixed(2)}%) | ${r.requestsPerToken.join('/')} | ${r.settledShare === undefined ? '–' : `${(100 * r.settledShare).toFixed(1)}%`} | ${r.changedCorrect + r.unchangedCorrect}/${r.rows - s.unknown} |`;
  });
  return [head, ...lines].join('\n');
}
