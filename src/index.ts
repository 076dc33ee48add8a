/**
 * genesys-bulk as a library: the same pipeline the CLI runs (read and validate, plan, ask, journal, apply at the rate
 * limit), with no console output of its own. Logs go to the `logger` given (silent by default); the plan text goes
 * to `planOutput` when one is given. Writing needs consent: `yes: true`, or a `confirm` callback that is asked the
 * same question the CLI asks at the terminal.
 */
import { setMaxListeners } from 'node:events';
import { resolve } from 'node:path';
import { Readable, Writable } from 'node:stream';
import type { Logger } from 'pino';
import { type ConnectionConfig, loadConnectionConfig } from './config.js';
import { interruptedBy, type OptionName, type OptionNames, ValidationError } from './errors.js';
import { type ExportCalls, type ExportState, runExport } from './export/run.js';
import type { ExportFormat } from './export/sink.js';
import { unlessAborted } from './governor/waits.js';
import { libraryInputNames } from './input/option-names.js';
import { readInput } from './input/read.js';
import type { InputFormat, ParsedInput } from './input/types.js';
import { createLogger } from './log.js';
import { createProgress } from './progress.js';
import type { Consent, Terminal } from './run/consent.js';
import type { CallerNames, CommandOptions } from './run/pipeline.js';
import { runResume } from './run/resume.js';
import { runRollback } from './run/rollback.js';
import type { UpdateResult } from './run/summary.js';
import { runUpdate } from './run/update.js';

export type { ConnectionConfig } from './config.js';
export type { EmulatorOptions, RunningEmulator } from './emulator/index.js';
export { startEmulator } from './emulator/index.js';
export {
  ConfigError,
  ExitCode,
  type ExitCodeValue,
  GenesysBulkError,
  InterruptedError,
  ValidationError,
} from './errors.js';
export type { ExportCalls, ExportState } from './export/run.js';
export type { ExportFormat } from './export/sink.js';
export type { InputFormat, InputProblem, InputRow, InvalidRow, ParsedInput } from './input/types.js';
export type { ReportRecord } from './report.js';
export { PlatformError } from './run/api-errors.js';
export { type InvalidEntry, InvalidInputError } from './run/invalid.js';
export type { UpdateResult, UpdateSummary } from './run/summary.js';
export type { Logger };

/**
 * Where to connect: these settings alone (neither `process.env` nor a ./.env is read). Without it, the CLI's rules
 * apply: the environment, then ./.env in `cwd`.
 */
export interface Connection {
  clientId: string;
  clientSecret: string;
  /** A region such as `eu_west_1` or `mypurecloud.ie`; or give `baseUrl`. */
  region?: string;
  /** Where login and API calls go, e.g. the emulator's `url`. */
  baseUrl?: string;
  /** Client-credentials tokens to spread the requests over, 1-20 (default 1): see the README's "Several tokens". */
  tokens?: number;
  /** How long each request waits for its answer, in seconds, 1-600 (default 30); then it is retried. */
  timeout?: number;
}

/** What every call that reaches the platform takes. */
export interface ConnectOptions {
  connection?: Connection;
  /** Settings read when `connection` is not given (default `process.env`). */
  env?: NodeJS.ProcessEnv;
  /** Where relative paths (input, output, state folder, report, ./.env) are resolved (default `process.cwd()`). */
  cwd?: string;
  /** Upper bound on requests in flight (default 16 per token). */
  maxConcurrency?: number;
  /** A pino logger; default silent. */
  logger?: Logger;
  /**
   * Aborting it stops the work as Ctrl-C does (an export's half-written file is removed). Aborted before any write,
   * the call rejects with an InterruptedError (exit code 130).
   */
  signal?: AbortSignal;
}

export interface RunOptions extends ConnectOptions {
  /** Where run folders are kept (default `.genesys-bulk` in `cwd`). */
  stateDir?: string;
  /** A per-row report, `.csv` or `.jsonl`. */
  reportPath?: string;
  /** Receives the plan as text (what the CLI prints); default nowhere. */
  planOutput?: NodeJS.WritableStream;
  /** Apply without asking. */
  yes?: boolean;
  /**
   * Asked before anything is written (unless `yes`); resolve true to go ahead. Neither: nothing is written. Given a
   * signal that aborts with `signal`: a question still open then is dropped, and the call rejects with an
   * InterruptedError whatever the answer.
   */
  confirm?: (question: string, signal?: AbortSignal) => boolean | Promise<boolean>;
  /** Aborting it stops the run as Ctrl-C does: no new write, what is in flight finishes, the journal is saved. */
  signal?: AbortSignal;
}

/**
 * The rows of an update: given as objects (the JSON input's shape), an array or any iterable, sync or async (taken one
 * at a time, as a file is read: a stream of rows need never be held whole), or read from a file (CSV, JSON, JSON
 * Lines).
 */
export type UpdateInput =
  | { rows: Iterable<Record<string, unknown>> | AsyncIterable<Record<string, unknown>> }
  | { path: string; format?: InputFormat; encoding?: string };

export interface UpdateOptions extends RunOptions {
  /** Apply the valid rows and report the invalid ones, instead of writing nothing. */
  skipInvalid?: boolean;
  /**
   * Create the users that rows name by email and that do not exist (each such row needs a `name`; division `Home`
   * unless the row names one), then apply the rest of their rows. Without it such rows are `not_found`.
   */
  create?: boolean;
  /** With `create`: send each created user the platform's invitation once the rest of their row is applied. */
  invite?: boolean;
}

/** What every run resolves with: the exit code the CLI would give, the run's id, the counts, one record per row. */
export type RunResult = UpdateResult;

const nowhere = () =>
  new Writable({
    write(_chunk, _encoding, done) {
      done();
    },
  });

function connectionOf(options: ConnectOptions, cwd: string): ConnectionConfig {
  if (!options.connection) return loadConnectionConfig({}, options.env ?? process.env, cwd);
  const c = options.connection;
  return loadConnectionConfig(
    {
      region: c.region,
      baseUrl: c.baseUrl,
      ...(c.tokens !== undefined && { tokens: c.tokens }),
      ...(c.timeout !== undefined && { timeout: c.timeout }),
      envFile: false,
      names: {
        region: 'connection.region',
        baseUrl: 'connection.baseUrl',
        tokens: 'connection.tokens',
        timeout: 'connection.timeout',
      },
    },
    { GENESYS_CLIENT_ID: c.clientId, GENESYS_CLIENT_SECRET: c.clientSecret },
    cwd,
  );
}

/**
 * Runs `work` with a stop signal of the library's own that follows the caller's: every request waiting in a backoff
 * listens on it (hundreds at once, which on the caller's signal would print Node's listener-leak warning), and the
 * one listener on the caller's signal is removed when the call settles, however long that signal lives. A failure
 * the stop caused, rather than one that says more itself, is an InterruptedError.
 */
async function stoppable<T>(signal: AbortSignal | undefined, work: (stop?: AbortSignal) => Promise<T>): Promise<T> {
  if (!signal) return work();
  const stop = new AbortController();
  setMaxListeners(0, stop.signal);
  const onAbort = () => stop.abort(signal.reason);
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });
  try {
    return await work(stop.signal);
  } catch (err) {
    throw interruptedBy(err, stop.signal);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

const FORMATS: readonly string[] = ['csv', 'json', 'jsonl'];

/** A caller's value the types rule out (plain JavaScript, a cast): a ValidationError saying what to give. */
function check(ok: boolean, what: string, value: unknown, give: string): void {
  if (ok) return;
  const shown =
    typeof value === 'string'
      ? JSON.stringify(value)
      : typeof value === 'function'
        ? 'a function'
        : value === null || typeof value !== 'object'
          ? String(value)
          : Array.isArray(value)
            ? 'an array'
            : 'an object';
  throw new ValidationError(`${what} is ${shown}: give ${give}.`);
}

function checkFormat(format: unknown): void {
  check(format === undefined || FORMATS.includes(format as string), 'format', format, "'csv', 'json' or 'jsonl'");
}

/** What every command takes alike: the connection, the pool's bound, a quiet log and no progress bar. */
function quietBase(options: ConnectOptions, stopSignal: AbortSignal | undefined) {
  const bound = options.maxConcurrency;
  check(
    bound === undefined || (Number.isSafeInteger(bound) && bound >= 1),
    'maxConcurrency',
    bound,
    'a whole number of 1 or more',
  );
  const connection = connectionOf(options, options.cwd ?? process.cwd());
  return {
    connection,
    maxConcurrency: options.maxConcurrency ?? 16 * connection.tokens,
    log: options.logger ?? createLogger({ level: 'silent', destination: nowhere() }),
    stderr: nowhere(),
    progress: createProgress(process.stderr, false),
    stopSignal,
  };
}

/** The caller's `confirm` as the pipeline's terminal: like one, it rejects when the stop aborts the question. */
function askCaller(confirm: NonNullable<RunOptions['confirm']>): Terminal {
  return {
    ask: async (question, signal) => {
      if (signal?.aborted) throw signal.reason;
      const answer = Promise.resolve().then(() => confirm(question, signal));
      return (await unlessAborted(answer, signal, undefined)) === true;
    },
    close() {},
  };
}

const LIBRARY_OPTIONS: Record<OptionName, string> = {
  report: 'reportPath',
  group: 'group',
  queue: 'queue',
  division: 'division',
  keys: 'keysPath',
  keysEncoding: 'keysEncoding',
  force: 'force: true',
  columns: 'columns',
  format: 'format',
};

/** The library's names for what the CLI's messages call by its flags (errors.ts, OptionNames). */
const LIBRARY_NAMES: OptionNames = {
  option: (name) => LIBRARY_OPTIONS[name],
  runs: 'the run folders under stateDir (default .genesys-bulk/runs)',
};

function commandOptions(options: RunOptions, dryRun: boolean, stopSignal: AbortSignal | undefined): CommandOptions {
  const cwd = options.cwd ?? process.cwd();
  const confirm = options.confirm;
  const consent: Consent = {
    yes: options.yes === true,
    openTerminal: () => (confirm ? askCaller(confirm) : undefined),
    noOneToAsk: 'nothing written: pass yes: true, or a confirm callback, to apply.',
  };
  const names: CallerNames = {
    ...LIBRARY_NAMES,
    skipInvalid: 'give skipInvalid: true',
    resume: (_command, runId) => `resume('${runId}')`,
  };
  return {
    ...quietBase(options, stopSignal),
    dryRun,
    json: false,
    reportPath: options.reportPath === undefined ? undefined : resolve(cwd, options.reportPath),
    stateDir: resolve(cwd, options.stateDir ?? '.genesys-bulk'),
    stdout: options.planOutput ?? nowhere(),
    consent,
    names,
  };
}

function sourceOf(input: UpdateInput, cwd: string) {
  const rows = typeof input === 'object' && input !== null && 'rows' in input ? input.rows : undefined;
  if (rows !== undefined) {
    const iterable =
      typeof rows === 'object' && rows !== null && (Symbol.iterator in rows || Symbol.asyncIterator in rows);
    check(iterable, 'input.rows', rows, 'an array (or an iterable) of row objects');
    return { path: '(rows)', stream: Readable.from(rowLines(rows), { objectMode: false }), format: 'jsonl' as const };
  }
  const path = (input as { path?: unknown } | null)?.path;
  check(typeof path === 'string', 'the input', input, '{ rows: [...] } or { path, format? }');
  const { format, encoding } = input as { format?: InputFormat; encoding?: string };
  checkFormat(format);
  return {
    path: resolve(cwd, path as string),
    format,
    ...(encoding !== undefined && { encoding }),
    names: libraryInputNames('input.encoding', 'input.format'),
  };
}

/** The rows as JSON Lines, each made when the reader asks for it. */
async function* rowLines(rows: Iterable<unknown> | AsyncIterable<unknown>): AsyncGenerator<string> {
  let index = 0;
  for await (const row of rows) yield `${rowText(row, index++)}\n`;
}

/** A row as the JSON Lines text it is read as; a value JSON cannot carry (a BigInt, a cycle) is the caller's error. */
function rowText(row: unknown, index: number): string {
  try {
    return JSON.stringify(row) ?? 'null';
  } catch (err) {
    throw new ValidationError(
      `input.rows[${index}] cannot be written as JSON (${(err as Error).message.split('\n')[0]}): give strings, numbers, booleans, null, arrays and plain objects.`,
    );
  }
}

async function update(input: UpdateInput, options: UpdateOptions, dryRun: boolean): Promise<RunResult> {
  if (options.invite === true && options.create !== true)
    throw new ValidationError('invite sends the invitation to the users an update creates: it needs create.');
  return stoppable(options.signal, (stop) =>
    runUpdate({
      ...commandOptions(options, dryRun, stop),
      source: sourceOf(input, options.cwd ?? process.cwd()),
      skipInvalid: options.skipInvalid === true,
      create: options.create === true,
      invite: options.invite === true,
    }),
  );
}

/**
 * Validates the rows, reads the users they name and plans: writes nothing. Records have status `planned`,
 * `unchanged`, `not_found`, `invalid` or `skipped`. Invalid input rejects with a ValidationError (exit code 2).
 */
export function planUpdate(input: UpdateInput, options: UpdateOptions = {}): Promise<RunResult> {
  return update(input, options, true);
}

/** Plans, asks (`yes` or `confirm`), creates the run folder and applies: the CLI's `update`. */
export function applyUpdate(input: UpdateInput, options: UpdateOptions = {}): Promise<RunResult> {
  return update(input, options, false);
}

/** Puts back what run `runId` changed (fields changed again since are left and reported). */
export function rollback(runId: string, options: RunOptions & { dryRun?: boolean } = {}): Promise<RunResult> {
  return stoppable(options.signal, (stop) =>
    runRollback(commandOptions(options, options.dryRun === true, stop), runId),
  );
}

/** Finishes an interrupted update or rollback from its journal. */
export function resume(runId: string, options: RunOptions & { dryRun?: boolean } = {}): Promise<RunResult> {
  return stoppable(options.signal, (stop) => runResume(commandOptions(options, options.dryRun === true, stop), runId));
}

/**
 * Reads and validates an input file without connecting anywhere: its rows, and its problems (each with row, line and
 * message). A file that cannot be read at all rejects with a ValidationError.
 */
export async function readInputFile(
  path: string,
  options: { format?: InputFormat; encoding?: string; cwd?: string } = {},
): Promise<ParsedInput> {
  check(typeof path === 'string', 'the path', path, 'a file path');
  checkFormat(options.format);
  return readInput({
    path: resolve(options.cwd ?? process.cwd(), path),
    format: options.format,
    ...(options.encoding !== undefined && { encoding: options.encoding }),
    names: libraryInputNames('encoding', 'format'),
  });
}

/** The CLI's `export` options. */
export interface ExportOptions extends ConnectOptions {
  /** Default: from the file's extension (`.csv`, `.json`, `.jsonl`); JSON Lines to a stream. */
  format?: ExportFormat;
  /** Which columns, among those `update` reads; must include `id` or `email`. Default: all of them. */
  columns?: readonly string[];
  /** Which users by state (default `any`). */
  state?: ExportState;
  /** Only the users in the division of this name. */
  division?: string;
  /** Only the members of the queue of this name. */
  queue?: string;
  /** Only the members of the group of this name. */
  group?: string;
  /** Only the users a file's `id` or `email` column names (CSV, JSON or JSON Lines). */
  keysPath?: string;
  /** The keys file's text encoding, as `UpdateInput`'s `encoding` (default UTF-8, or UTF-16 by its byte-order mark). */
  keysEncoding?: string;
  /** Replace the output file if it exists (default: refuse). */
  force?: boolean;
}

export interface ExportSummary {
  format: ExportFormat;
  /** Users written, one row each. */
  rows: number;
  /** API calls made, by what they were for. */
  calls: ExportCalls;
  /** Cells left blank because the notation cannot carry their value (logged as warnings). */
  blanked: number;
  /** Cells written with a leading `'` because a spreadsheet would read them as a formula. */
  neutralised: number;
}

/**
 * The current users in the columns `update` reads: the CLI's `export`. `to` is a file path (created owner-only; an
 * existing file is refused unless `force`) or a writable stream, which is written but not ended. An unedited export
 * given to `planUpdate` plans no change.
 */
export async function exportUsers(
  to: string | NodeJS.WritableStream,
  options: ExportOptions = {},
): Promise<ExportSummary> {
  const cwd = options.cwd ?? process.cwd();
  const path = typeof to === 'string' ? resolve(cwd, to) : undefined;
  check(typeof to === 'string' || typeof to?.write === 'function', 'to', to, 'a file path or a writable stream');
  checkFormat(options.format);
  check(
    options.state === undefined || ['active', 'inactive', 'any'].includes(options.state),
    'state',
    options.state,
    "'active', 'inactive' or 'any'",
  );
  check(
    options.columns === undefined ||
      (Array.isArray(options.columns) && options.columns.every((c) => typeof c === 'string')),
    'columns',
    options.columns,
    'an array of column names',
  );
  if (options.columns?.some((c) => c.includes(',')))
    throw new ValidationError('columns: give each column name as its own item, without commas.');
  const result = await stoppable(options.signal, (stop) =>
    runExport({
      ...quietBase(options, stop),
      path,
      stdout: typeof to === 'string' ? nowhere() : to,
      format: options.format,
      columns: options.columns?.join(','),
      names: LIBRARY_NAMES,
      state: options.state ?? 'any',
      division: options.division,
      queue: options.queue,
      group: options.group,
      keysPath: options.keysPath === undefined ? undefined : resolve(cwd, options.keysPath),
      keysEncoding: options.keysEncoding,
      force: options.force === true,
    }),
  );
  return {
    format: result.format,
    rows: result.users,
    calls: result.calls,
    blanked: result.blanked,
    neutralised: result.neutralised,
  };
}
