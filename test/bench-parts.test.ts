/**
 * The bench's parts: which a command line runs, and that a partial run never takes the complete run's results file
 * (`latest.json`) or page; its parts reach the page only merged into the complete run's results, named as such.
 */
import { describe, expect, it } from 'vitest';
import { PARTS, parseBenchOptions, partialResultsName } from '../bench/options.js';
import { mergeParts } from '../bench/outputs.js';
import { docsMarkdown } from '../bench/report.js';
import type { BenchResults } from '../bench/types.js';

const STARTED = '2026-12-05T17:00:00.000Z';
const fileOf = (argv: string[]) => partialResultsName(parseBenchOptions(argv), STARTED);

describe('bench options', () => {
  it('with no option: every part, a complete run that writes latest.json and the page', () => {
    const o = parseBenchOptions([]);
    expect(o.parts).toEqual([...PARTS]);
    expect(o.parts).toContain('export');
    expect(o.parts).toContain('startup');
    expect(o).toMatchObject({ profile: 'full', complete: true, label: '', writeDocs: true });
    expect(fileOf([])).toBeUndefined();
  });

  it('--only export runs that part alone into a file named after it, and leaves the page alone', () => {
    const o = parseBenchOptions(['--only', 'export']);
    expect(o.parts).toEqual(['export']);
    expect(o).toMatchObject({ complete: false, label: 'export', writeDocs: false });
    expect(fileOf(['--only', 'export'])).toBe('export-2026-12-05T17-00-00-000Z.json');
  });

  it('--docs on a partial run still keeps the part-named file', () => {
    const o = parseBenchOptions(['--only', 'startup', '--docs']);
    expect(o.writeDocs).toBe(true);
    expect(partialResultsName(o, STARTED)).toBe('startup-2026-12-05T17-00-00-000Z.json');
  });

  it('several parts are named in the bench order, whatever order they are given in', () => {
    expect(parseBenchOptions(['--only', 'startup, export']).parts).toEqual(['export', 'startup']);
    expect(fileOf(['--only', 'startup,export'])).toBe('export+startup-2026-12-05T17-00-00-000Z.json');
  });

  it('every other kind of partial run gets its own name too, never latest.json', () => {
    const names = [
      ['--quick'],
      ['--no-export'],
      ['--no-family', '--no-tokens'],
      ['--mixed-only'],
      ['--clients', 'genesys-bulk'],
      ['--limiters', 'fixed'],
      ['--quick', '--only', 'export'],
    ].map(fileOf);
    expect(names).toEqual([
      'quick-2026-12-05T17-00-00-000Z.json',
      'main+limit-change+mixed+planning+family+tokens+startup+memory-2026-12-05T17-00-00-000Z.json',
      'main+limit-change+mixed+planning+export+startup+memory-2026-12-05T17-00-00-000Z.json',
      'mixed-2026-12-05T17-00-00-000Z.json',
      'subset-2026-12-05T17-00-00-000Z.json',
      'subset-2026-12-05T17-00-00-000Z.json',
      'quick-export-2026-12-05T17-00-00-000Z.json',
    ]);
    for (const n of names) expect(n).not.toMatch(/latest/);
  });

  it('--only naming every part is the complete run', () => {
    expect(parseBenchOptions(['--only', PARTS.join(',')]).complete).toBe(true);
  });

  it('the part options are read as numbers', () => {
    expect(parseBenchOptions(['--only', 'export', '--export-users', '20000'])).toMatchObject({ exportUsers: 20_000 });
    expect(parseBenchOptions(['--startup-runs', '12'])).toMatchObject({ startupRuns: 12 });
    expect(parseBenchOptions(['--only', 'memory', '--memory-rows', '20000'])).toMatchObject({ memoryRows: 20_000 });
  });

  it.each([
    [['--only', 'exports'], /unknown part exports in --only; one of main, .*export, startup, memory/],
    [['--only', ','], /--only needs a part/],
    [['--mixed-only', '--no-mixed'], /exclude each other/],
    [['--mixed-only', '--only', 'export'], /exclude each other/],
    [['--docs', '--no-docs'], /exclude each other/],
    [['--with', 'a.json'], /--with goes with --report-only/],
    [['--startup-runs', '0'], /--startup-runs must be a positive number/],
    [['--export-users', 'many'], /--export-users must be a positive number/],
    [['--clients', 'curl'], /unknown client curl/],
    [['--onyl', 'export'], /Unknown option '--onyl'/],
  ])('%j is refused', (argv, message) => {
    expect(() => parseBenchOptions(argv)).toThrow(message);
  });
});

function results(over: Partial<BenchResults>): BenchResults {
  return {
    profile: 'full',
    startedAt: STARTED,
    durationSeconds: 60,
    environment: { nproc: 2, cpuModel: 'x', totalMemGb: 1, node: 'v20', os: 'Linux', measurement: 'm' },
    settings: {
      directoryUsers: 10,
      rows: 10,
      changes: 5,
      unchanged: 5,
      unknown: 0,
      limit: 10,
      windowSeconds: 1,
      latencyMs: [0, 0],
      capFactor: 3,
      seed: 1,
    },
    runs: [],
    planning: {},
    targets: [],
    notes: [],
    ...over,
  };
}

describe('a partial run on the page', () => {
  const startup = {
    command: 'c',
    runs: Array.from({ length: 11 }, () => ({ wallMs: 500, exitCode: 0, firstApiRequestMs: 350 })),
    medianFirstApiRequestMs: 350,
    medianWallMs: 500,
    loadBefore: 0,
    loadAfter: 0,
  };

  it('takes only its parts into the complete run, and the page names the file they came from', () => {
    const base = results({ planning: { small: { rows: 1 } as never } });
    const part = results({
      startedAt: '2026-12-06T00:00:00.000Z',
      parts: ['startup'],
      startup,
      environment: { ...base.environment, gitCommit: 'abc1234' },
    });
    const merged = mergeParts(base, part, 'bench/results/startup-x.json');
    expect(merged.planning).toBe(base.planning);
    expect(merged.startup).toBe(startup);
    expect(merged.startedAt).toBe(STARTED);
    const target = merged.targets.find((t) => t.name.startsWith('start-up'));
    expect(target).toMatchObject({ measured: '350 ms (11 runs)', pass: true });
    const page = docsMarkdown(merged, 'bench/results/full.json');
    expect(page).toContain(
      'from `bench/results/full.json` with the startup part from `bench/results/startup-x.json` (run 2026-12-06T00:00:00.000Z at abc1234)',
    );
    expect(page).toContain('--report-only bench/results/full.json --with bench/results/startup-x.json');
  });

  it('a start-up median at the goal, or from fewer than 10 runs, does not pass', () => {
    const slow = mergeParts(results({}), results({ startup: { ...startup, medianFirstApiRequestMs: 400 } }), 'f');
    expect(slow.targets.find((t) => t.name.startsWith('start-up'))?.pass).toBe(false);
    const few = mergeParts(results({}), results({ startup: { ...startup, runs: startup.runs.slice(0, 9) } }), 'f');
    expect(few.targets.find((t) => t.name.startsWith('start-up'))?.pass).toBe(false);
  });

  it('the start-up goal holds for every command measured: one other command at the goal fails it', () => {
    const other = (command: string, ms: number) => ({
      command,
      runs: [{ wallMs: 500, exitCode: 0, firstApiRequestMs: ms }],
      medianFirstApiRequestMs: ms,
    });
    const fast = { ...startup, others: [other('export', 310), other('rollback', 390)] };
    const ok = mergeParts(results({}), results({ startup: fast }), 'f').targets.find((t) =>
      t.name.startsWith('start-up'),
    );
    expect(ok).toMatchObject({ pass: true, measured: '350 ms (11 runs); slowest other command 390 ms (`rollback`)' });
    const slow = { ...startup, others: [other('export', 310), other('rollback (x)', 400)] };
    const over = mergeParts(results({}), results({ startup: slow }), 'f').targets.find((t) =>
      t.name.startsWith('start-up'),
    );
    expect(over).toMatchObject({
      pass: false,
      measured: '350 ms (11 runs); slowest other command 400 ms (`rollback`)',
    });
    const none = { ...startup, others: [{ command: 'export', runs: [] }] };
    const missing = mergeParts(results({}), results({ startup: none }), 'f').targets.find((t) =>
      t.name.startsWith('start-up'),
    );
    expect(missing?.pass).toBe(false);
  });

  it('a memory part takes both of its targets in, each passing only under its goal and with every step right', () => {
    const step = (name: string, mb: number, over = {}) => ({
      step: name,
      command: 'c',
      exitCode: 0,
      wallSeconds: 1,
      maxRssKb: mb * 1024,
      requests: 1,
      writes: 0,
      ...over,
    });
    const memory = (applyMb: number, dryRunMb: number, wrong = 0) => ({
      rows: 100_000,
      directoryUsers: 100_000,
      steps: [
        step('dry-run --report', dryRunMb),
        step('apply', applyMb, { wrong }),
        step('rollback dry run', 100),
        step('rollback', 240),
        step('apply (interrupted)', 240, { exitCode: 130 }),
        step('resume', 240),
      ],
      loadBefore: 0,
      loadAfter: 0,
    });
    const targetsOf = (m: ReturnType<typeof memory>) => {
      const merged = mergeParts(results({}), results({ parts: ['memory'], memory: m as never }), 'f');
      const write = merged.targets.find((t) => t.name.includes('apply/resume/rollback'));
      const dry = merged.targets.find((t) => t.name.includes('dry run --report'));
      return [write?.pass, dry?.pass];
    };
    expect(targetsOf(memory(240, 190))).toEqual([true, true]);
    expect(targetsOf(memory(250, 200))).toEqual([false, false]);
    expect(targetsOf(memory(200, 150, 3))).toEqual([false, true]);
    const merged = mergeParts(results({}), results({ parts: ['memory'], memory: memory(240, 190) as never }), 'f');
    expect(docsMarkdown(merged, 'full.json')).toContain('| apply | 240 | < 250 |');
  });
});
