/**
 * Memory at scale (issue #12, item 2): one file that changes every user of a 100,000-user directory, taken through
 * the whole life of a run, each step a separate process measured by GNU time (peak RSS from the kernel):
 *
 *   dry run with --report → apply → rollback dry run → rollback → apply interrupted half-way (Ctrl-C) → its resume
 *
 * then a second file, one row per user with routing columns (`email,skills,queues`: `+Billing:<n>`, `+Sales Inbound`),
 * planned (dry run with --report) and applied: routing is read, planned and applied a slice of users at a time, and
 * this is what holds it to the same goals (about 4 minutes more at 100,000 rows: 30 s and 203 s on the bench machine
 * under load, with 100,940 writes).
 *
 * against one emulator with a limit that never binds and no latency, so the figures are the tool's own. Every
 * step that writes is checked against the emulator's directory (the apply's titles are there; the rollback put every
 * one back), so a smaller figure cannot come from doing less.
 *
 *   tsx bench/memory.ts [--rows N] [--cli /abs/path/to/bin.js] [--keep] [--only dry-run|planning|writes|routing|wide]
 *
 * standalone: a table, then the raw figures. `--only dry-run` runs the first step alone (seconds at 100,000 rows);
 * `--only planning` stops after the rollback dry run (the apply it needs takes minutes); `--only writes` leaves out
 * the two dry runs (the write side alone); `--only routing` runs the routing file's two steps alone, `--only wide` the
 * wide file's (WIDE_COLUMNS: an export edited in a spreadsheet, every title changed; its apply is checked by exporting
 * again: every row as the edited file has it).
 *
 * By default it runs bench/library-cli.js, the CLI's `main` from dist/ with the SDK as the library loads it
 * (dist/bundle/sdk.cjs): what a program that calls the library gets.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { type EmulatorHandle, startBenchEmulator } from './emulator.js';
import { distLooksStale } from './outputs.js';
import { clientEnv, parseJsonOutput, runMeasured, type SpawnResult } from './spawn.js';

const root = fileURLToPath(new URL('..', import.meta.url));
/** The CLI's `main` as a library caller runs it: the bound is the library's (bench/library-cli.js). */
export const LIBRARY_CLI = join(root, 'bench', 'library-cli.js');
/** The goals the issue sets (MB of peak RSS). */
export const MEMORY_GOALS = { write: 250, dryRun: 200 } as const;

export type MemoryStepName =
  | 'dry-run --report'
  | 'apply'
  | 'rollback dry run'
  | 'rollback'
  | 'apply (interrupted)'
  | 'resume'
  | 'routing dry-run --report'
  | 'routing apply'
  | 'wide dry-run --report'
  | 'wide apply';

/**
 * The third file: what an admin makes, a whole export of these columns edited in a spreadsheet (each title given a
 * suffix), every column read and compared though one changes (issue #12).
 */
export const WIDE_COLUMNS =
  'id,email,name,title,department,preferredName,manager,employerInfo.officialName,employerInfo.employeeId,' +
  'employerInfo.employeeType,employerInfo.dateHire,phone.work,phone.mobile,phone.work.extension,acdAutoAnswer,' +
  'locations,profileSkills,certifications,state';

/** The routing file's cells: a skill at a proficiency that differs by user, and a queue to join. */
export const ROUTING_CASE = { skill: 'Billing', queue: 'Sales Inbound' } as const;
const proficiencyOf = (i: number): number => (i % 5) + 0.5;

export interface MemoryStep {
  step: MemoryStepName;
  command: string;
  exitCode: number | null;
  wallSeconds: number;
  cpuMs?: number;
  maxRssKb?: number;
  /** Requests the emulator counted during the step. */
  requests: number;
  /** Writes the emulator applied during the step: PATCHes of users and routing writes. */
  writes: number;
  /** The step's check against the emulator's directory: rows (or users) not as they should be. */
  wrong?: number;
  stderrTail?: string;
}

export interface MemoryRecord {
  rows: number;
  /** What ran, relative to the repository: bench/library-cli.js (no V8 flag) unless told otherwise. */
  cli?: string;
  directoryUsers: number;
  steps: MemoryStep[];
  loadBefore: number;
  loadAfter: number;
}

interface Wanted {
  email: string;
  id: string;
  before: string | undefined;
  after: string;
}

const routingWrites = (s: { routingWrites: Record<string, number> }): number =>
  Object.values(s.routingWrites).reduce((a, b) => a + b, 0);

/** One row per user with an email, each a title change. */
function wantedRows(emu: EmulatorHandle, rows: number): Wanted[] {
  const out: Wanted[] = [];
  for (const u of emu.users()) {
    if (out.length >= rows) break;
    if (!u.email) continue;
    out.push({
      email: u.email,
      id: u.id,
      before: u.title,
      after: u.title === 'Team Lead' ? 'Supervisor' : 'Team Lead',
    });
  }
  return out;
}

/** Users of the routing file without the skill at the row's proficiency, or not in the queue. */
function wrongRouting(emu: EmulatorHandle, rows: Wanted[]): number {
  const queue = emu.catalogue().queues.find((q) => q.name === ROUTING_CASE.queue);
  const members = new Set(queue ? (emu.queueMembers(queue.id) ?? []) : []);
  return rows.filter((r, i) => {
    const skill = emu.userSkills(r.id)?.find((s) => s.name === ROUTING_CASE.skill);
    return skill?.proficiency !== proficiencyOf(i) || !members.has(r.id);
  }).length;
}

function wrongTitles(emu: EmulatorHandle, rows: Wanted[], want: 'before' | 'after'): number {
  const titles = new Map(emu.users().map((u) => [u.id, u.title]));
  return rows.filter((r) => titles.get(r.id) !== r[want]).length;
}

/**
 * A partial run: stop after the dry run, or after the rollback dry run (the planning of every command), or leave out
 * the two dry runs (`writes`).
 */
export type MemoryOnly = 'dry-run' | 'planning' | 'writes' | 'routing' | 'wide';

export async function runMemory(options: {
  rows: number;
  only?: MemoryOnly;
  cli?: string;
  keep?: boolean;
  timeoutSeconds?: number;
  log?: (m: string) => void;
}): Promise<MemoryRecord> {
  const log = options.log ?? (() => {});
  const dir = mkdtempSync(join(tmpdir(), 'genesys-bulk-memory-'));
  const emu = await startBenchEmulator({
    users: options.rows,
    seed: 4,
    limit: 1_000_000,
    windowSeconds: 1,
    algorithm: 'fixed',
    rateLimitHeaders: true,
    latencyMs: [0, 0],
    recordRequests: false,
  });
  const cli = options.cli ?? LIBRARY_CLI;
  const env = clientEnv(emu);
  const loadBefore = loadavg()[0]!;
  const steps: MemoryStep[] = [];
  try {
    const rows = wantedRows(emu, options.rows);
    const csv = join(dir, 'input.csv');
    writeFileSync(csv, `email,title\n${rows.map((r) => `${r.email},${r.after}`).join('\n')}\n`);
    const common = ['--json', '--no-progress', '--state-dir', join(dir, 'state')];

    const step = async (
      name: MemoryStepName,
      args: string[],
      interruptAt?: number,
    ): Promise<{ step: MemoryStep; output: unknown }> => {
      const before = emu.stats();
      const stop = new AbortController();
      const watch =
        interruptAt === undefined
          ? undefined
          : setInterval(() => {
              if (emu.patchesApplied() - before.patchesApplied >= interruptAt) stop.abort();
            }, 20);
      log(`memory: ${name}: genesys-bulk ${args.join(' ')}`);
      let result: SpawnResult;
      try {
        result = await runMeasured({
          args: [cli, ...args, ...common],
          cwd: dir,
          env,
          timeoutMs: (options.timeoutSeconds ?? 1800) * 1000,
          name: name.replace(/\W+/g, '-'),
          interrupt: stop.signal,
        });
      } finally {
        if (watch) clearInterval(watch);
      }
      const after = emu.stats();
      const s: MemoryStep = {
        step: name,
        command: `genesys-bulk ${args.map((a) => (a.startsWith('/') ? a.slice(dir.length + 1) : a)).join(' ')}`,
        exitCode: result.exitCode,
        wallSeconds: result.wallMs / 1000,
        requests: after.requests - before.requests,
        writes: after.patchesApplied - before.patchesApplied + routingWrites(after) - routingWrites(before),
      };
      if (result.cpuMs !== undefined) s.cpuMs = result.cpuMs;
      if (result.maxRssKb !== undefined) s.maxRssKb = result.maxRssKb;
      if (result.exitCode !== 0 && result.exitCode !== 1 && result.exitCode !== 130) s.stderrTail = result.stderrTail;
      steps.push(s);
      log(
        `  exit ${result.exitCode}, ${s.wallSeconds.toFixed(1)} s, peak RSS ${((s.maxRssKb ?? 0) / 1024).toFixed(0)} MB, ${s.requests} requests, ${s.writes} writes`,
      );
      return { step: s, output: parseJsonOutput(result.stdout) };
    };
    const runIdOf = (output: unknown): string => {
      const id = (output as { runId?: unknown } | undefined)?.runId;
      if (typeof id !== 'string') throw new Error('the run printed no runId');
      return id;
    };

    const record = (): MemoryRecord => ({
      rows: rows.length,
      cli: relative(root, cli),
      directoryUsers: options.rows,
      steps,
      loadBefore,
      loadAfter: loadavg()[0]!,
    });
    const routingCsv = join(dir, 'routing.csv');
    writeFileSync(
      routingCsv,
      `email,skills,queues\n${rows.map((r, i) => `${r.email},+${ROUTING_CASE.skill}:${proficiencyOf(i)},+${ROUTING_CASE.queue}`).join('\n')}\n`,
    );
    const routing = async (): Promise<MemoryRecord> => {
      await step('routing dry-run --report', [
        'update',
        routingCsv,
        '--dry-run',
        '--report',
        join(dir, 'routing-dry-run.csv'),
      ]);
      const applied = await step('routing apply', [
        'update',
        routingCsv,
        '--yes',
        '--report',
        join(dir, 'routing.jsonl'),
      ]);
      applied.step.wrong = wrongRouting(emu, rows);
      return record();
    };
    // An export of the wide columns, each title given a suffix; after the apply, an export of the same columns is the
    // edited file again, row for row: every other column as it was (`wrong` counts the rows that differ).
    const exportWide = async (path: string): Promise<string[][]> => {
      const args = [cli, 'export', path, '--columns', WIDE_COLUMNS, '--force', '--no-progress'];
      const done = await runMeasured({ args, cwd: dir, env, timeoutMs: 600_000, name: 'wide-export' });
      if (done.exitCode !== 0) throw new Error(`export failed (${done.exitCode}): ${done.stderrTail}`);
      return parse(readFileSync(path), { bom: true }) as string[][];
    };
    const wide = async (): Promise<MemoryRecord> => {
      const [header, ...users] = await exportWide(join(dir, 'wide-before.csv'));
      const title = header!.indexOf('title');
      const edited = [header!, ...users.map((r) => r.map((v, i) => (i === title ? `${v} VI`.trim() : v)))];
      const wideCsv = join(dir, 'wide.csv');
      writeFileSync(wideCsv, stringify(edited));
      await step('wide dry-run --report', ['update', wideCsv, '--dry-run', '--report', join(dir, 'wide-dry-run.csv')]);
      const applied = await step('wide apply', ['update', wideCsv, '--yes', '--report', join(dir, 'wide-apply.csv')]);
      const after = new Map((await exportWide(join(dir, 'wide-after.csv'))).map((r) => [r[0], r.join('\u0000')]));
      applied.step.wrong = edited.filter((r) => after.get(r[0]) !== r.join('\u0000')).length;
      return record();
    };
    if (options.only === 'routing') return await routing();
    if (options.only === 'wide') return await wide();
    const dryRuns = options.only !== 'writes';
    if (dryRuns) await step('dry-run --report', ['update', csv, '--dry-run', '--report', join(dir, 'dry-run.csv')]);
    if (options.only === 'dry-run') return record();
    const apply = await step('apply', ['update', csv, '--yes', '--report', join(dir, 'apply.csv')]);
    apply.step.wrong = wrongTitles(emu, rows, 'after');
    const applied = runIdOf(apply.output);
    if (dryRuns) await step('rollback dry run', ['rollback', applied, '--dry-run']);
    if (options.only === 'planning') return record();
    const rollback = await step('rollback', ['rollback', applied, '--yes', '--report', join(dir, 'rollback.csv')]);
    rollback.step.wrong = wrongTitles(emu, rows, 'before');
    // The directory is back as it was: the same file changes every row again.
    const cut = await step('apply (interrupted)', ['update', csv, '--yes'], Math.floor(rows.length / 2));
    const resumed = await step('resume', ['update', '--resume', runIdOf(cut.output), '--yes']);
    resumed.step.wrong = wrongTitles(emu, rows, 'after');
    await routing();
    return await wide();
  } finally {
    await emu.stop();
    if (options.keep) log(`kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

const mb = (kb: number | undefined): string => (kb === undefined ? '–' : (kb / 1024).toFixed(0));

export function memoryTable(m: MemoryRecord | undefined): string {
  if (!m) return '_Not run._';
  const goal = (s: MemoryStep): string =>
    s.step.endsWith('dry-run --report') || s.step === 'rollback dry run'
      ? `< ${MEMORY_GOALS.dryRun}`
      : s.step === 'apply (interrupted)'
        ? ''
        : `< ${MEMORY_GOALS.write}`;
  return [
    '| Step | Peak RSS (MB) | Goal (MB) | Wall (s) | CPU (s) | Requests | Writes | Wrong after | Exit |',
    '|---|--:|--:|--:|--:|--:|--:|--:|--:|',
    ...m.steps.map(
      (s) =>
        `| ${s.step} | ${mb(s.maxRssKb)} | ${goal(s)} | ${s.wallSeconds.toFixed(1)} | ${s.cpuMs === undefined ? '–' : (s.cpuMs / 1000).toFixed(1)} | ${s.requests} | ${s.writes} | ${s.wrong ?? ''} | ${s.exitCode} |`,
    ),
    '',
    `${m.rows} rows (a title change each; the routing steps: a skill and a queue each; the wide steps: an export of ${WIDE_COLUMNS.split(',').length} columns with each title changed) against ${m.directoryUsers} users, run by \`${m.cli ?? 'bin/genesys-bulk.js'}\`; load average ${m.loadBefore.toFixed(2)} before, ${m.loadAfter.toFixed(2)} after.`,
  ].join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { values } = parseArgs({
    options: {
      rows: { type: 'string', default: '100000' },
      cli: { type: 'string' },
      keep: { type: 'boolean' },
      only: { type: 'string' },
    },
  });
  if (
    values.only !== undefined &&
    values.only !== 'dry-run' &&
    values.only !== 'planning' &&
    values.only !== 'writes' &&
    values.only !== 'routing' &&
    values.only !== 'wide'
  ) {
    throw new Error(`--only must be dry-run, planning, writes, routing or wide, got ${JSON.stringify(values.only)}`);
  }
  // The default CLI loads dist/: a build older than src/ would measure code that is no longer there.
  if (values.cli === undefined && distLooksStale())
    process.stderr.write(
      'warning: src/ has files newer than dist/: run `npm run build` first, or this measures the old build\n',
    );
  const record = await runMemory({
    rows: Number(values.rows),
    ...(values.only !== undefined && { only: values.only }),
    ...(values.cli !== undefined && { cli: values.cli }),
    keep: values.keep === true,
    log: (m) => process.stderr.write(`${m}\n`),
  });
  process.stdout.write(`${memoryTable(record)}\n\n${JSON.stringify(record)}\n`);
}
