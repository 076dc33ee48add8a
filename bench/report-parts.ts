/**
 * The page's and the summary's text for the parts measured by their own modules: the 100,000-user export (issue #11),
 * start-up (issue #12 item 4) and memory (issue #12 item 2), their targets, where parts came from, and "How to run".
 */
import { EXPORT_GOALS, exportPasses, exportTable } from './export.js';
import { MEMORY_GOALS, type MemoryRecord, memoryTable } from './memory.js';
import { STARTUP_GOAL_MS, slowestStartup, startupTable } from './startup.js';
import type { BenchResults, Target } from './types.js';

export function partTargets(results: BenchResults): Target[] {
  const targets: Target[] = [];
  const e = results.export;
  const pass = e ? exportPasses(e) : undefined;
  const users = e ? `${e.users.toLocaleString('en')}-user export` : 'export';
  targets.push({
    name: `${users}: peak RSS`,
    target: `< ${EXPORT_GOALS.rssMb} MB`,
    measured:
      e?.maxRssKb !== undefined
        ? `${(e.maxRssKb / 1024).toFixed(0)} MB${e.exitCode === 0 ? '' : `, exit ${e.exitCode}`}`
        : 'no run',
    pass: pass ? pass.rss : null,
  });
  targets.push({
    name: `${users}: API calls ÷ documented bound`,
    target: `≤ ${EXPORT_GOALS.ratio.toFixed(2)}`,
    measured: e ? `${e.ratio.toFixed(3)} (${e.calls} of ${e.bound.total})` : 'no run',
    pass: pass ? pass.calls : null,
  });
  const c = e?.check;
  targets.push({
    name: `${users}: rows against the emulator`,
    target: 'every user once; 0 of 500 sampled rows differ',
    measured: c
      ? `${c.rows}/${c.expectedRows} rows, ${c.duplicateIds + c.missingIds} ids wrong; ${c.differingRows} of ${c.sampled} sampled differ${c.uncheckedColumns.length ? ` (unchecked: ${c.uncheckedColumns.join(', ')})` : ''}`
      : 'no check',
    pass: pass ? pass.rows : null,
  });
  const s = results.startup;
  const median = s?.medianFirstApiRequestMs;
  const slowest = s ? slowestStartup(s) : undefined;
  const others = slowest
    ? `; slowest other command ${slowest.medianMs === undefined ? 'made no request' : `${slowest.medianMs.toFixed(0)} ms`} (\`${slowest.command.split(' (')[0]}\`)`
    : '';
  targets.push({
    name: 'start-up: spawn to first `/api/` request (median)',
    target: `< ${STARTUP_GOAL_MS} ms, ≥ 10 runs, every command measured`,
    measured: s
      ? `${median === undefined ? 'no request' : `${median.toFixed(0)} ms`} (${s.runs.length} runs)${others}`
      : 'no run',
    pass: s
      ? median !== undefined &&
        median < STARTUP_GOAL_MS &&
        s.runs.length >= 10 &&
        (!slowest || (slowest.medianMs !== undefined && slowest.medianMs < STARTUP_GOAL_MS))
      : null,
  });
  targets.push(...memoryTargets(results.memory));
  return targets;
}

/** Issue #12 item 2: apply, resume and rollback under one goal, the dry run with --report under another. */
function memoryTargets(m: MemoryRecord | undefined): Target[] {
  const rows = m ? `${m.rows.toLocaleString('en')}-row` : '100,000-row';
  const judge = (names: readonly string[], goalMb: number) => judgeEach(names.map((n) => [n, goalMb]));
  const judgeEach = (goals: readonly [string, number][]): Pick<Target, 'measured' | 'pass'> => {
    const goalOf = new Map(goals);
    const steps = m?.steps.filter((s) => goalOf.has(s.step)) ?? [];
    if (!m || steps.length < goals.length) return { measured: 'no run', pass: null };
    const measured = steps
      .map(
        (s) =>
          `${s.step} ${s.maxRssKb === undefined ? '–' : (s.maxRssKb / 1024).toFixed(0)} MB${s.exitCode === 0 ? '' : `, exit ${s.exitCode}`}${s.wrong ? `, ${s.wrong} wrong` : ''}`,
      )
      .join('; ');
    const pass = steps.every(
      (s) => s.exitCode === 0 && !s.wrong && s.maxRssKb !== undefined && s.maxRssKb / 1024 < goalOf.get(s.step)!,
    );
    return { measured, pass };
  };
  return [
    {
      name: `${rows} apply/resume/rollback: peak RSS, no V8 flag`,
      target: `< ${MEMORY_GOALS.write} MB each`,
      ...judge(['apply', 'resume', 'rollback'], MEMORY_GOALS.write),
    },
    {
      name: `${rows} dry run --report: peak RSS, no V8 flag`,
      target: `< ${MEMORY_GOALS.dryRun} MB`,
      ...judge(['dry-run --report'], MEMORY_GOALS.dryRun),
    },
    {
      name: `${rows} with routing columns (skills, queues): apply, then dry run --report: peak RSS`,
      target: `< ${MEMORY_GOALS.write} MB, < ${MEMORY_GOALS.dryRun} MB`,
      ...judgeEach([
        ['routing apply', MEMORY_GOALS.write],
        ['routing dry-run --report', MEMORY_GOALS.dryRun],
      ]),
    },
  ];
}

export function memoryIntro(): string {
  return `Issue #12 item 2: one file that changes the title of every user of a 100,000-user directory, taken through the
life of a run by the built CLI's \`main\` as a program calling the library runs it, with no V8 flag
(\`bench/library-cli.js\`, \`bench/memory.ts\`), each step a separate process under GNU time (peak
RSS from the kernel): dry run with \`--report\`, apply, rollback dry run, rollback, an apply interrupted (Ctrl-C)
half-way, its resume; then a second file with routing columns (\`+Billing:<n>\` skills and \`+Sales Inbound\` queue
cells, one row per user), its dry run with \`--report\` and its apply. The limit never binds and there is no latency, so the figures are the tool's own; each step
that writes is checked against the emulator's directory (**wrong after**: rows not as they should be).`;
}

export function exportIntro(): string {
  return `Issue #11: \`genesys-bulk export users.csv\` with every column \`update\` reads, run as a separate process of the
built CLI under GNU time, against an emulator whose generated directory carries routing assignments: 0–5 skills and
one or two languages per user, 0–3 of 20 queues, role grants in divisions (Employee, and Agent, Supervisor or Admin
for most), about half the users in one of 8 groups, locations, profile skills and certifications. The limit never
binds and there is no latency, so the figures are the tool's own. **Bound** = README "Export" computed from the
emulator's data: ⌈users ÷ 100⌉ listing pages (skills and languages expanded in them), one page per catalogue, each
queue's and each group's member listing once (⌈members ÷ 100⌉ pages, at least 1), and one grants read per user for
\`roles\`; **made** = every call the emulator counted but the login. **Rows**: every listed user written exactly once,
and ${'500'} rows drawn with a seeded generator compared cell by cell with the emulator's state, read independently
of the tool's code (\`bench/export-check.ts\`; lists compared as sets). The wall time includes the emulator's own
work, on the same cores (its CPU is the bench process's during the export).`;
}

export function startupIntro(): string {
  return `Issue #12 item 4: the built CLI (\`node bin/genesys-bulk.js\`) from \`spawn\` to its first request, stamped by a
relay in front of the emulator (\`bench/startup.ts\`): an apply of a 5-row file, the path a real run takes (argument
parsing, configuration, reading and validating the file, the SDK, the login, the first search). The goal (< ${STARTUP_GOAL_MS}
ms) is for the first \`/api/\` request, the login's token request coming before it, and holds for every command: a dry
run of JSON Lines from stdin, an export and a rollback are measured the same way (the second table). The floors are a
bare Node process and one that loads the platform SDK.`;
}

/** The parts that ran for the summary on stdout. */
export function partsSummary(results: BenchResults): string[] {
  const out: string[] = [];
  if (results.export) out.push('### Export at scale (issue #11)', '', exportTable(results.export), '');
  if (results.startup) out.push('### Start-up (issue #12)', '', startupTable(results.startup), '');
  if (results.memory) out.push('### Memory at scale (issue #12)', '', memoryTable(results.memory), '');
  return out;
}

/** The page's sections for the export and start-up parts. */
export function partsSections(results: BenchResults): string {
  return [
    '### Export at scale',
    '',
    exportIntro(),
    '',
    exportTable(results.export),
    '',
    '### Start-up',
    '',
    startupIntro(),
    '',
    startupTable(results.startup),
    '',
    '### Memory at scale',
    '',
    memoryIntro(),
    '',
    memoryTable(results.memory),
  ].join('\n');
}

/** The header's note on parts taken from other runs. */
export function mergedNote(results: BenchResults): { text: string; args: string } {
  const m = results.mergedFrom ?? [];
  if (m.length === 0) return { text: '', args: '' };
  const text = m
    .map(
      (x) =>
        ` with the ${x.parts.length > 1 ? `${x.parts.slice(0, -1).join(', ')} and ${x.parts.at(-1)} parts` : `${x.parts[0]} part`} from \`${x.file}\` (run ${x.startedAt}${x.gitCommit ? ` at ${x.gitCommit}` : ''})`,
    )
    .join(' and');
  return { text, args: ` --with ${m.map((x) => x.file).join(',')}` };
}

export function howToRun(): string {
  return `\`npm run build\` first (the bench runs genesys-bulk from \`dist/\`; \`npm run bench\` builds), then:

- \`npm run bench\`: the full run, every part (about 30 minutes on 2 cores: 7 of them the limiter family, a few the
  export); writes \`bench/results/<timestamp>.json\`, \`bench/results/latest.json\` and this page, and prints the tables.
- \`npm run bench -- --only export\` (or \`--only startup\`, \`--only memory\`, \`--only main,limit-change,mixed,planning,family,tokens\`): only
  those parts. Any run that is not the complete full run (\`--only\`, \`--no-<part>\`, \`--quick\`, \`--clients\`,
  \`--limiters\`) is partial: it writes \`bench/results/<parts>-<timestamp>.json\` and never \`latest.json\` or this
  page, unless \`--docs\`, which regenerates this page from \`latest.json\` with the parts it measured put in (the header
  names their file). \`--report-only <file> --with <part file>,…\` does the same from files already written.
- \`npm run bench -- --quick\`: a reduced workload (about two minutes).
- Options: \`--clients genesys-bulk,baseline-naive\`, \`--limiters fixed,sliding,bucket\`, \`--no-limit-change\`,
  \`--no-planning\`, \`--no-mixed\`, \`--mixed-only\`, \`--no-family\`, \`--no-tokens\`, \`--no-export\`, \`--no-startup\`,
  \`--no-memory\`, \`--export-users N\`, \`--startup-runs N\`, \`--memory-rows N\`, \`--cap-factor N\`, \`--keep\` (keep the scratch directory with inputs,
  reports and logs). A run that writes this page also writes its SVG charts to \`bench/results/charts/\`.`;
}
