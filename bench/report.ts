/** Targets (computed from the results, never typed by hand) and the markdown views of a results file. */
import { chartsMarkdown } from './charts.js';
import { beforeAfterTable, ISSUE_12_BEFORE, readBefore, targetsBeforeAfter } from './compare.js';
import { familyTable, familyTargets } from './family.js';
import { howToRun, mergedNote, partsSections, partsSummary, partTargets } from './report-parts.js';
import { sweepTables } from './sweep.js';
import { tokensSection, tokenTargets } from './tokens.js';
import type { BenchResults, MixedCalls, PlanningRecord, RunRecord, Target } from './types.js';

const fmt = (n: number | undefined, digits = 2): string =>
  n === undefined || Number.isNaN(n) ? '–' : n.toFixed(digits);
const mb = (kb: number | undefined): string => (kb === undefined ? '–' : (kb / 1024).toFixed(0));
const passText = (pass: Target['pass']): string =>
  pass === null ? 'not measured' : pass === 'reported' ? 'reported' : pass ? 'pass' : 'FAIL';

function mainRun(results: BenchResults, client: RunRecord['client'], label: string): RunRecord | undefined {
  return results.runs.find((r) => r.scenario === 'main' && r.client === client && r.limiter.label === label);
}

/** Makespan text; a killed run says so, with how many changes had landed. */
function makespanText(r: RunRecord): string {
  if (r.finished) return fmt(r.makespanSeconds, 1);
  return `DNF in ${r.timeoutSeconds.toFixed(0)} s (${r.changedCorrect}/${r.changes} done)`;
}

export function computeTargets(results: BenchResults): Target[] {
  const targets: Target[] = [];
  const labels = [...new Set(results.runs.filter((r) => r.scenario === 'main').map((r) => r.limiter.label))];
  for (const label of labels) {
    const gb = mainRun(results, 'genesys-bulk', label);
    const spec = results.runs.find((r) => r.limiter.label === label)!.limiter;
    const ratioMax = spec.algorithm === 'sliding' && !spec.rateLimitHeaders ? 1.2 : 1.05;
    const pctMax = spec.rateLimitHeaders ? 0.5 : 3;
    const ok = gb?.finished === true;
    targets.push({
      name: `${label}: makespan ÷ bound`,
      target: `≤ ${ratioMax.toFixed(2)}`,
      measured: gb ? (ok ? fmt(gb.ratio) : makespanText(gb)) : 'no run',
      pass: gb ? ok && gb.ratio <= ratioMax : null,
    });
    targets.push({
      name: `${label}: 429s`,
      target: `≤ ${pctMax}% of requests`,
      measured: gb ? `${fmt(gb.rateLimitedPct)}% (${gb.rateLimited}/${gb.requests})` : 'no run',
      pass: gb ? gb.rateLimitedPct <= pctMax : null,
    });
    targets.push({
      name: `${label}: API calls per changed user`,
      target: '≤ 1.03',
      measured: gb ? fmt(gb.callsPerChangedUser, 3) : 'no run',
      pass: gb ? ok && gb.callsPerChangedUser <= 1.03 : null,
    });
    targets.push({
      name: `${label}: failures`,
      target: '0 rows wrong, 0 collateral changes',
      measured: gb ? `${gb.failures} wrong, ${gb.collateral} collateral` : 'no run',
      pass: gb ? ok && gb.failures === 0 && gb.collateral === 0 : null,
    });
    const baselines = (['baseline-naive', 'baseline-tutorial'] as const).map((c) => mainRun(results, c, label));
    const measured = baselines.every((b) => b !== undefined) && gb !== undefined;
    const better = baselines.every(
      (b) =>
        b &&
        gb?.finished &&
        (!b.finished || gb.makespanSeconds < b.makespanSeconds) &&
        gb.failures <= b.failures &&
        gb.rateLimited <= b.rateLimited,
    );
    targets.push({
      name: `${label}: better than both baselines`,
      target: 'faster, no more failures or 429s',
      measured: measured
        ? baselines
            .map((b) => `${b!.client.replace('baseline-', '')} ${makespanText(b!)}${b!.finished ? ' s' : ''}`)
            .join('; ')
        : 'baselines not run',
      pass: measured ? better : null,
    });
  }
  const lc = results.runs.find((r) => r.scenario === 'limit-change');
  const lcr = lc?.limitChange;
  targets.push({
    name: 'limit halved mid-run: 429s after the change',
    target: '≤ 2% of requests',
    measured: lcr ? `${fmt(lcr.rateLimitedAfterPct)}% (${lcr.rateLimitedAfter}/${lcr.requestsAfter})` : 'no run',
    pass: lc && lcr ? lc.finished && lcr.requestsAfter > 0 && lcr.rateLimitedAfterPct <= 2 : null,
  });
  targets.push({
    name: 'limit halved mid-run: settles',
    target: `within one window (${lc?.windowSeconds ?? '?'} s)`,
    measured: lcr ? (lcr.settleSeconds === undefined ? 'never' : `${fmt(lcr.settleSeconds, 1)} s`) : 'no run',
    pass: lc && lcr ? lcr.settleSeconds !== undefined && lcr.settleSeconds <= lc.windowSeconds : null,
  });
  const mx = results.runs.find((r) => r.scenario === 'mixed');
  const mxDone = mx?.finished === true;
  targets.push({
    name: 'mixed profile + routing file: API calls per changed user',
    target: 'reported',
    measured: mx?.mixed
      ? `${fmt(mx.callsPerChangedUser)} (minimum ${fmt(mx.mixed.minCallsPerChangedUser)})${mxDone ? '' : ', unfinished'}`
      : 'no run',
    pass: mx ? 'reported' : null,
  });
  targets.push({
    name: 'mixed profile + routing file: makespan ÷ bound',
    target: 'reported',
    measured: mx ? (mxDone ? fmt(mx.ratio) : makespanText(mx)) : 'no run',
    pass: mx ? 'reported' : null,
  });
  targets.push({
    name: 'mixed profile + routing file: failures',
    target: '0 rows wrong, 0 collateral changes',
    measured: mx ? `${mx.failures} wrong, ${mx.collateral} collateral` : 'no run',
    pass: mx ? mxDone && mx.failures === 0 && mx.collateral === 0 : null,
  });
  const small = results.planning.small;
  targets.push({
    name: `planning (dry-run, ${small?.rows ?? '?'} rows): CPU per row`,
    target: '< 0.5 ms',
    measured: small?.cpuMsPerRow !== undefined ? `${fmt(small.cpuMsPerRow, 3)} ms` : 'no run',
    pass: small?.cpuMsPerRow !== undefined ? small.finished && small.cpuMsPerRow < 0.5 : null,
  });
  const large = results.planning.large;
  targets.push({
    name: `planning (dry-run, ${large?.rows ?? '?'} rows): peak RSS`,
    target: '< 200 MB',
    measured: large?.maxRssKb !== undefined ? `${mb(large.maxRssKb)} MB` : 'no run',
    pass: large?.maxRssKb !== undefined ? large.finished && large.maxRssKb / 1024 < 200 : null,
  });
  targets.push(...familyTargets(results));
  if (results.tokens) targets.push(...tokenTargets(results.tokens));
  targets.push(...partTargets(results));
  return targets;
}

export function runsTable(results: BenchResults): string {
  const head =
    '| Limiter | Client | Makespan (s) | Bound (s) | Ratio | Requests | 429s | Retries | Failures | Calls / changed user | CPU ms / row | Peak RSS (MB) |';
  const sep = '|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|';
  const lines = results.runs
    .filter((r) => r.scenario === 'main')
    .map((r) =>
      [
        r.limiter.label,
        r.client,
        makespanText(r),
        fmt(r.boundSeconds, 1),
        r.finished ? fmt(r.ratio) : `> ${fmt(r.ratio)}`,
        String(r.requests),
        `${r.rateLimited} (${fmt(r.rateLimitedPct, 1)}%)`,
        r.retries === undefined ? '–' : String(r.retries),
        r.collateral ? `${r.failures} (+${r.collateral} collateral)` : String(r.failures),
        fmt(r.callsPerChangedUser),
        fmt(r.cpuMsPerRow, 3),
        mb(r.maxRssKb),
      ].join(' | '),
    )
    .map((l) => `| ${l} |`);
  return [head, sep, ...lines].join('\n');
}

/** Where the time went: start-up, the request span, the rate actually used, and the busiest window. */
export function pacingTable(results: BenchResults): string {
  const lines = results.runs.map((r) => {
    const allowed = r.perSecond ? r.perSecond.allowed.reduce((a, b) => a + b, 0) : undefined;
    const meanRate = allowed !== undefined && r.apiSpanSeconds ? allowed / r.apiSpanSeconds : undefined;
    const label = r.scenario === 'main' ? r.limiter.label : r.scenario === 'mixed' ? 'mixed file' : 'limit halved';
    return `| ${label} | ${r.client} | ${fmt(r.startupSeconds)} | ${fmt(r.apiSpanSeconds, 1)} | ${fmt(meanRate, 1)} (of ${fmt(r.limit / r.windowSeconds, 0)}) | ${r.busiestWindow ?? '–'} (of ${r.limit}) | ${r.maxInFlight ?? '–'} |`;
  });
  return [
    '| Limiter | Client | Start-up (s) | Request span (s) | Allowed req/s over the span | Busiest window | Max in flight |',
    '|---|---|--:|--:|--:|--:|--:|',
    ...lines,
  ].join('\n');
}

function limitChangeTable(results: BenchResults): string {
  const lc = results.runs.find((r) => r.scenario === 'limit-change');
  if (!lc?.limitChange) return '_Not run._';
  const c = lc.limitChange;
  const rows: [string, string][] = [
    ['Limiter', `${lc.limiter.label}, ${c.oldLimit} → ${c.newLimit} per ${lc.windowSeconds} s`],
    ['Limit halved at', `${fmt(c.changedAtSeconds, 1)} s after the first request`],
    ['Makespan', `${makespanText(lc)} s (bound at the old limit ${fmt(lc.boundSeconds, 1)} s)`],
    ['Requests / 429s (whole run)', `${lc.requests} / ${lc.rateLimited} (${fmt(lc.rateLimitedPct)}%)`],
    ['Requests / 429s after the change', `${c.requestsAfter} / ${c.rateLimitedAfter} (${fmt(c.rateLimitedAfterPct)}%)`],
    ['Allowed rate before → after (req/s)', `${fmt(c.rateBefore, 1)} → ${fmt(c.rateAfter, 1)}`],
    ['Settled within the new limit after', c.settleSeconds === undefined ? 'never' : `${fmt(c.settleSeconds, 1)} s`],
    ...(c.slidingSettleSeconds === undefined
      ? []
      : ([
          ['The same, in every window-long span (not the limiter’s windows)', `${fmt(c.slidingSettleSeconds, 1)} s`],
        ] as [string, string][])),
    ['Failures', `${lc.failures} wrong, ${lc.collateral} collateral`],
  ];
  if (c.note) rows.push(['Note', c.note]);
  return ['| | |', '|---|---|', ...rows.map(([k, v]) => `| ${k} | ${v} |`)].join('\n');
}

const PURPOSES: [Exclude<keyof MixedCalls, 'total'>, string][] = [
  ['searches', 'Email searches (`POST /api/v2/users/search`)'],
  ['cataloguePages', 'Catalogue pages (`GET /api/v2/routing/skills`, `…/queues`)'],
  [
    'skillReads',
    "Users' current skills (`GET /api/v2/users?id=…&expand=skills`, 100 a call; `…/{id}/routingskills` per user)",
  ],
  ['memberPages', 'Members of the named queues (`GET /api/v2/routing/queues/{id}/members`)'],
  ['profilePatches', 'Profile PATCHes (`PATCH /api/v2/users/{id}`)'],
  ['skillPatches', 'Skills writes (`PATCH /api/v2/users/{id}/routingskills/bulk`, `DELETE …/routingskills/{skillId}`)'],
  ['queueCalls', 'Queue member calls (`POST /api/v2/routing/queues/{id}/members`)'],
];

/** The mixed profile + routing run: its figures, then its calls against the minimum, purpose by purpose. */
export function mixedTable(results: BenchResults): string {
  const r = results.runs.find((x) => x.scenario === 'mixed');
  const m = r?.mixed;
  if (!r || !m) return '_Not run._';
  const s = m.settings;
  const queues = m.queueNames.map((name, i) => `${name} (${m.queueSizes[i] ?? '?'} members)`).join(', ');
  const rows: [string, string][] = [
    ['Limiter', `${r.limiter.label}, ${r.limit} per ${r.windowSeconds} s (${fmt(r.limit / r.windowSeconds, 0)} req/s)`],
    [
      'File',
      `${r.rows} rows: ${s.mixed} title + skills + queue, ${s.routingOnly} skills + queue only, ${s.profileOnly} title only, ${s.unchanged} unchanged; ${r.changes} changed users`,
    ],
    ['Queues named', queues],
    ['Makespan', `${makespanText(r)} s`],
    ['Bound', `${m.minimum.total} calls ÷ ${fmt(r.limit / r.windowSeconds, 0)} req/s = ${fmt(r.boundSeconds, 1)} s`],
    ['Ratio (makespan ÷ bound)', r.finished ? fmt(r.ratio) : `> ${fmt(r.ratio)}`],
    [
      'Requests / 429s / retries',
      `${r.requests} / ${r.rateLimited} (${fmt(r.rateLimitedPct, 1)}%) / ${r.retries === undefined ? '–' : r.retries}`,
    ],
    [
      'API calls per changed user',
      `${fmt(r.callsPerChangedUser)} (the minimum: ${fmt(m.minCallsPerChangedUser)}; ${fmt(r.requests / m.minimum.total, 3)}× the minimum calls)`,
    ],
    [
      'Failures',
      `${r.failures} rows wrong (title ${m.wrongTitle}, skills ${m.wrongSkills}, queues ${m.wrongQueues}), ${r.collateral} collateral`,
    ],
    ['CPU ms per row / peak RSS', `${fmt(r.cpuMsPerRow, 3)} ms / ${mb(r.maxRssKb)} MB`],
  ];
  const calls = PURPOSES.map(
    ([key, label]) => `| ${label} | ${m.minimum[key]} | ${m.made[key]} | ${signed(m.made[key] - m.minimum[key])} |`,
  );
  const other = Object.entries(m.made.otherRoutes)
    .map(([route, n]) => `\`${route}\` ${n}`)
    .join(', ');
  return [
    '| | |',
    '|---|---|',
    ...rows.map(([k, v]) => `| ${k} | ${v} |`),
    '',
    '| Calls for | Minimum | Made (answered) | Extra |',
    '|---|--:|--:|--:|',
    ...calls,
    `| Other${other ? ` (${other})` : ''} | 0 | ${m.made.other} | ${signed(m.made.other)} |`,
    `| **Total** | **${m.minimum.total}** | **${m.made.total}** | **${signed(m.made.total - m.minimum.total)}** |`,
  ].join('\n');
}

const signed = (n: number): string => (n > 0 ? `+${n}` : String(n));

function planningTable(results: BenchResults): string {
  const row = (p: PlanningRecord | undefined): string =>
    p
      ? `| ${p.rows} | ${p.directoryUsers} | ${p.finished ? fmt(p.wallSeconds, 1) : 'DNF'} | ${fmt(p.cpuMs, 0)} | ${fmt(p.cpuMsPerRow, 3)} | ${mb(p.maxRssKb)} | ${p.requests} |`
      : '| – | – | not run | | | | |';
  return [
    '| Rows | Directory | Wall (s) | CPU (ms) | CPU ms / row | Peak RSS (MB) | Requests |',
    '|--:|--:|--:|--:|--:|--:|--:|',
    row(results.planning.small),
    row(results.planning.large),
  ].join('\n');
}

export function targetsTable(targets: Target[]): string {
  return [
    '| Target | Goal | Measured | Result |',
    '|---|---|---|---|',
    ...targets.map((t) => `| ${t.name} | ${t.target} | ${t.measured} | ${passText(t.pass)} |`),
  ].join('\n');
}

/** What the bench prints on stdout at the end. */
export function summaryMarkdown(results: BenchResults): string {
  return [
    `## genesys-bulk benchmark (${results.profile}, ${results.startedAt})`,
    '',
    runsTable(results),
    '',
    '### Pacing detail',
    '',
    pacingTable(results),
    '',
    '### Limit halved mid-run (genesys-bulk)',
    '',
    limitChangeTable(results),
    '',
    '### Mixed profile + routing file (genesys-bulk)',
    '',
    mixedTable(results),
    '',
    '### Planning (dry-run)',
    '',
    planningTable(results),
    '',
    '### Limiter family (genesys-bulk)',
    '',
    familyTable(results),
    '',
    ...tokensSection(results.tokens, '###'),
    ...partsSummary(results),
    '### Targets',
    '',
    targetsTable(results.targets),
    '',
    ...results.notes.map((n) => `- ${n}`),
  ].join('\n');
}

/** How the mixed scenario is built, bounded and checked, for the docs page. */
function mixedIntro(results: BenchResults): string {
  const m = results.settings.mixed;
  const s = results.settings;
  const file = m
    ? `${m.rows} rows keyed by email over the same ${s.directoryUsers.toLocaleString('en')}-user directory, with the columns \`email,title,skills,queues\`: ${m.mixed} rows change the title, add one or two skills (\`+Skill:N\`, N from 1 to 5 or 2.5/3.5, skills the user does not hold) and add the user to one of ${m.queues} queues (\`+Queue Name\`, one the user is not in); ${m.routingOnly} rows only add skills and a queue (empty title); ${m.profileOnly} rows only change the title (empty skills and queues); ${m.unchanged} rows name the user's current title, a skill the user holds at its proficiency and a queue the user is in. Names come from the emulator's catalogue (${m.catalogueSkills} skills, ${m.catalogueQueues} queues).`
    : 'A file with the columns `email,title,skills,queues`: rows that change the title, add one or two skills and add the user to one of a few queues; rows with only the routing columns; rows with only a title; a few unchanged rows.';
  return `Issue #6: one file that changes profile and routing together, applied by **genesys-bulk only**, with the same
command as above, against a fresh emulator with the fixed window with headers. **The baselines are not run**: neither
supports routing (both only PATCH the user profile), so there is nothing to compare.

**Workload.** ${file}

**Bound.** The fewest calls a client needs that plans diffs (it reads what a row touches, writes only what differs and
uses the bulk endpoints), counted from the emulator's state before the run:

- reads: ceil(rows ÷ 100) email searches; ceil(skills ÷ 100) + ceil(queues ÷ 100) catalogue pages; for each row with
  a skills cell, ceil(max(1, skills the user holds) ÷ 100) pages of the user's current skills; for each queue the file
  names, ceil(max(1, its members) ÷ 100) pages of its members;
- writes: one \`PATCH /api/v2/users/{id}\` per row that changes the title; ceil(skills changed ÷ 50) skills bulk
  PATCHes per user whose skills change; ceil(users joining ÷ 100) \`POST …/queues/{id}/members\` calls per queue.

Bound = that sum ÷ the allowed rate; ratio = makespan ÷ bound. A client that wrote blindly (no reads of current skills
or members) could spend fewer calls, but could not skip no-op rows or say what it changed; the bound is for the
client the issue describes. **API calls per changed user** = every request the emulator counted (the token request
and 429s included, as in the main table) ÷ users whose row changes anything; "the minimum" is the bound's calls ÷ the
same users. The calls table splits the requests the emulator answered (429s left out) by purpose against the minimum;
"other" is what lies outside it: the token request, and genesys-bulk's one-page probe of \`GET /api/v2/users\` (made
when a file needs 3 or more searches, to weigh listing the whole directory against searching).

**Check.** From the emulator's final state, not the client's report: a row is right when its user has the row's title,
exactly the skills held before plus those the row adds (each at its proficiency) and exactly the queue memberships
held before plus the one it adds. Failures are rows not right (unchanged rows included); collateral counts users in the
file whose other profile fields changed and users outside it whose profile, skills or queue memberships changed.`;
}

export function docsMarkdown(results: BenchResults, resultsFile: string, root = '.', issue12Before?: Target[]): string {
  const s = results.settings;
  const e = results.environment;
  const rate = s.limit / s.windowSeconds;
  const minCalls = Math.ceil(s.rows / 100) + s.changes;
  const merged = mergedNote(results);
  return `# Benchmarks

Generated by \`npm run bench\` from \`${resultsFile}\`${merged.text}; do not edit by hand (re-run the bench, or
\`npm run bench -- --report-only ${resultsFile}${merged.args}\` to regenerate this page from the raw results).
Profile: **${results.profile}**${results.profile === 'quick' ? " (a reduced workload for a smoke check: the issue's targets are stated for the full profile)" : ''}, run ${results.startedAt}, ${fmt(results.durationSeconds / 60, 1)} min in all.

## What is measured

Three clients apply the same input to the same seeded directory, each against a **fresh emulator** (\`src/emulator\`) started
inside the bench process, and each as a **separate child process** started the way an admin would start it:

- **genesys-bulk**: \`node bin/genesys-bulk.js update <file> --yes --report <report.jsonl> --json\`, credentials and
  \`GENESYS_BASE_URL\` in the environment.
- **baseline-tutorial** (\`bench/clients/baseline-tutorial.ts\`): a faithful port of the tutorial in
  \`shared/seed\`: lists the whole directory (100 per page, sequentially, a failed page silently ends the listing), then
  3 workers each send the "full object" with the row's values and the version from the listing, for every row (unchanged
  ones too); every HTTP error is retried, 5 attempts in all, waiting tenacity's 2, 2, 4, 8 s; \`Retry-After\` is only
  logged; a 409 is retried with the same stale version.
- **baseline-naive** (\`bench/clients/baseline-naive.ts\`): \`p-limit(5)\`; per row a search by email, a GET of the user
  and a PATCH, each wrapped in \`p-retry\` (\`retries: 5\`, default backoff) whose \`onFailedAttempt\` sleeps the
  \`Retry-After\` of a 429 for that request only, while the other workers keep sending.

Both baselines call the platform through the official SDK (\`purecloud-platform-client-v2\`) via our adapter
\`src/genesys/client.ts\`. They are bundled to plain JavaScript before the run (esbuild), so no client pays for a
TypeScript loader.

**Workload.** A ${s.directoryUsers.toLocaleString('en')}-user directory (emulator seed ${s.seed}). ${s.rows.toLocaleString('en')} input rows keyed by
email, generated from the directory: ${s.changes.toLocaleString('en')} real changes (each changes one to three of \`title\`, \`department\`,
\`phone.mobile\`), ${s.unchanged} rows whose values equal the current ones, ${s.unknown} unknown emails. Every row carries all three
columns. Emulator latency ${s.latencyMs[0]}–${s.latencyMs[1]} ms per request. Three limiters, each at ${s.limit} requests per
${s.windowSeconds} s (${fmt(rate, 0)} req/s): a fixed window with \`inin-ratelimit-*\` headers, a sliding window without
them, a token bucket with them. A rejected request consumes no capacity (the emulator's rule).

**Bound.** The fewest calls any correct client needs are ceil(${s.rows} rows ÷ 100) = ${Math.ceil(s.rows / 100)} searches
(100 emails per search) plus one PATCH per real change: ${minCalls} calls. The bound is that divided by the allowed rate:
${fmt(minCalls / rate, 1)} s. Ratio = makespan ÷ bound; the makespan is the client process's wall time, start-up included.

**Counts.** Requests and 429s are the emulator's own counts (every route, token calls included); retries are the
client's own account (genesys-bulk: its governor's stats in the \`--json\` document). **Failures** are rows (changed or
unchanged, unknown emails excluded) whose user does not hold the row's values in the emulator's final directory, checked
by the bench, not taken from the client; "collateral" counts users whose other fields changed, or users outside the input
that were written. Calls per changed user = requests ÷ real changes.

**CPU and memory.** ${e.measurement}

**Timeouts.** Each client run is stopped after ${s.capFactor}× the bound plus 5 s for start-up (Ctrl-C, then SIGKILL
after 10 s); such a run is reported as "DNF" with the number of changes that had landed by then (read from the
emulator's directory), and its ratio as a lower bound.

## How to run

${howToRun()}

## Environment

- CPUs (nproc): ${e.nproc} (${e.cpuModel}), memory ${fmt(e.totalMemGb, 0)} GB
- Node ${e.node}, ${e.os}
- Commit ${e.gitCommit ?? 'unknown'}${e.gitDirty ? ' (with uncommitted changes)' : ''}
- The emulator shares the machine with the client under test (loopback only).

## Results

${runsTable(results)}

### Pacing detail

Start-up is the time from spawning the client to its first \`/api\` request; the request span runs from the first to
the last request the emulator counted; the busiest window is the most allowed requests in any window-long span (the
limiter allows ${s.limit}; more is possible across a fixed window's boundary). Read from the emulator's per-request
log: each request at the moment its limiter decided it.

${pacingTable(results)}

### Limit halved mid-run

genesys-bulk against the fixed window with headers; the limit is halved (\`setLimit\`) once half of the changes have
landed. Settling is read from the emulator's per-request log: the time from the change after which there is no 429 and
no window of the limiter's holds more allowed requests than the new limit. Its windows open at a token's first request
after the last one closed; the same measure over every window-long span is given too. A span across a window's turn
may hold up to two quotas, which this limiter allows: the client spends a window's unspent rest before its turn.

${limitChangeTable(results)}

### Planning cost

\`genesys-bulk update <file> --dry-run --json\` against an emulator with a limit high enough not to matter, so the
figures are the planner's own cost (start-up included).

${planningTable(results)}

How the 100,000-row run stays small: each row is planned when its user arrives (a listing page, a batch by id or
email) and the user is dropped; planned rows are held as compact strings and a dry run lets each input row go once
planned; the plan and the report are written out a piece at a time; at most 4 listing pages are in flight; and a
full collection is asked of V8 where the run changes phase and every 50 listing pages, so that the heap follows what
is live (under 100 MB) rather than the listing pages already planned and not yet collected. No V8 flag is set: the
CLI once set \`--optimize-for-size\` here, for 1.5–2× the CPU of planning; it sets none since the collections made
it unnecessary (see "Memory at scale").

### Mixed profile + routing file

${mixedIntro(results)}

${mixedTable(results)}

### Limiter family

Issue #12: genesys-bulk against a seeded sample of the emulator's limiter family (\`src/emulator/family.ts\`, see
docs/emulator.md): token buckets and GCRA with a burst from 1% to 100% of the window's quota, fixed windows aligned
to the clock or to the first request, a sliding log and a sliding-window counter; headers truthful, absent, scaled to
the quota, or stale. The same sample runs on the fake clock in \`test/governor/family.test.ts\`. Each member gets a
fresh emulator; the baselines are not run. Ratio = the client's wall time (start-up included) ÷ the bound; the request
span ÷ bound is the pacing alone.

${familyTable(results)}

The sample is one draw. The whole family on the fake clock (\`bench/sweep.ts\`: the limiter code above, the
governor, 600 writes after the CLI's reads, seconds of CPU), six samples of 24 members (every algorithm with every
header model) at each of five quotas and round trips, against the same targets (ratio 1.10, 1% 429s). Every run of one:
\`npx tsx bench/family-sweep.ts --members 24 --seeds 6 --limit 300 --window 15 --latency 20,80 --all\`.

${sweepTables(results.family?.sweeps ?? [])}

${partsSections(results)}

### Charts

Allowed requests per second (line) against the allowed rate (dashed), and 429s per second (bars), from the client's
start; the dotted line is the bound. Read from the emulator's counts sampled every 25 ms, so a second's figure can
carry a few requests of the next.

${chartsMarkdown(results)}

## Before/after (issue #13)

${beforeAfterTable(readBefore(root), results, resultsFile)}

## Before/after (issue #12)

${issue12Before ? `Before: ${ISSUE_12_BEFORE.label}, \`${[ISSUE_12_BEFORE.base, ...ISSUE_12_BEFORE.with].join('`, `')}\`. After: this page's results.\n\n${targetsBeforeAfter(issue12Before, results.targets)}` : '_The "before" results of issue #12 are missing._'}

${tokensSection(results.tokens, '##').join('\n')}
## Targets (issues #4, #6, #11 and #12)

Computed from the results by \`bench/report.ts\`. Issue #6 sets no goal for the mixed file's calls per changed
user or its ratio: they are reported.

${targetsTable(results.targets)}
${results.notes.length ? `\n## Notes\n\n${results.notes.map((n) => `- ${n}`).join('\n')}\n` : ''}`;
}
