/**
 * Typed errors and the one place that maps them to exit codes. Exit codes are part of the public interface
 * (documented in README.md): do not renumber them.
 */
export const ExitCode = {
  /** Every row updated or unchanged. */
  Ok: 0,
  /** Some rows not found or failed. */
  Partial: 1,
  /** Invalid input or usage; nothing written. */
  Usage: 2,
  /** Authentication, permission or configuration error; nothing written. */
  Config: 3,
  /** With --detailed-exitcode, a dry run that found changes to make (and nothing wrong). */
  ChangesPending: 4,
  /** A bug: an unexpected exception. */
  Internal: 70,
  /** Interrupted (SIGINT); the journal and report were saved. */
  Interrupted: 130,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** An option that a message may tell its caller to give, or names as the cause of a refusal. */
export type OptionName =
  | 'report'
  | 'group'
  | 'queue'
  | 'division'
  | 'keys'
  | 'keysEncoding'
  | 'force'
  | 'columns'
  | 'format';

/**
 * How messages name the caller's options and where it sees its runs: the CLI's flags and commands (`--report`,
 * `genesys-bulk runs`), or the library's option names (`reportPath`), so that a library caller never reads of flags
 * it has not got. The run commands' CallerNames (run/pipeline.ts) add what to do next.
 */
export interface OptionNames {
  option(name: OptionName): string;
  /** Where the caller sees the runs made, after "see". */
  runs: string;
}

const CLI_FLAGS: Record<OptionName, string> = {
  report: '--report',
  group: '--group',
  queue: '--queue',
  division: '--division',
  keys: '--keys',
  keysEncoding: '--encoding',
  force: '--force',
  columns: '--columns',
  format: '--format',
};

export const CLI_NAMES: OptionNames = { option: (name) => CLI_FLAGS[name], runs: '`genesys-bulk runs`' };

/** An error whose message is written for the user: what happened and what to do. */
export class GenesysBulkError extends Error {
  readonly exitCode: ExitCodeValue;
  /** What happened, without what the message adds of what it meant for the run (e.g. "nothing was written"). */
  readonly happened: string;
  constructor(message: string, exitCode: ExitCodeValue, happened = message) {
    super(message);
    this.name = new.target.name;
    this.exitCode = exitCode;
    this.happened = happened;
  }
}

/** Bad input file or bad command-line usage. Exit 2. */
export class ValidationError extends GenesysBulkError {
  constructor(message: string) {
    super(message, ExitCode.Usage);
  }
}

/** Missing or wrong configuration, credentials or permissions. Exit 3. */
export class ConfigError extends GenesysBulkError {
  constructor(message: string, happened = message) {
    super(message, ExitCode.Config, happened);
  }
}

/** The run was interrupted by the user. Exit 130. */
export class InterruptedError extends GenesysBulkError {
  constructor(message = 'Interrupted.') {
    super(message, ExitCode.Interrupted);
  }
}

/**
 * What a failure is once `stop` has aborted: an interruption (exit 130), unless it says more itself (a
 * GenesysBulkError). A stop during the reads before the first write cancels them: such a failure is the stop's.
 */
export function interruptedBy(err: unknown, stop: AbortSignal | undefined): unknown {
  return stop?.aborted && !(err instanceof GenesysBulkError)
    ? new InterruptedError('Interrupted before anything was written.')
    : err;
}

export function exitCodeFor(err: unknown): ExitCodeValue {
  return err instanceof GenesysBulkError ? err.exitCode : ExitCode.Internal;
}

/** What each file-system error means for the user, and what to do about it. */
const FS_ADVICE: Readonly<Record<string, string>> = {
  EACCES: 'permission denied; check the owner and permissions of this path, or use another folder',
  EPERM: 'operation not permitted; check the owner and permissions of this path, or use another folder',
  ENOSPC: 'the disk is full; free some space or use a folder on another disk',
  EDQUOT: 'your disk quota is exceeded; free some space or use a folder on another disk',
  EROFS: 'the file system is read-only; use a folder on a writable disk',
  ENOTDIR: 'a part of this path is a file, not a folder; check the path',
  EISDIR: 'this is a folder where a file was expected; check the path',
  ENOENT: 'no such file or folder; check the path',
  EEXIST: 'something already exists at this path; remove it or use another path',
  ELOOP: 'too many symbolic links (or a symbolic link where none is allowed); check the path',
  ENAMETOOLONG: 'the path is too long; use a shorter one',
  EMFILE: 'too many open files; raise the limit (ulimit -n) and try again',
  ENFILE: 'the system has too many open files; try again later',
  EIO: 'the disk reported an input/output error; check the disk',
  EBUSY: 'the path is busy; try again later',
  EXDEV: 'the path is on another disk than expected; use a folder on one disk',
  ENOTEMPTY: 'the folder is not empty; check the path',
  EFBIG: 'the file is too large for this file system; use another disk',
  ETXTBSY: 'the file is busy; try again later',
};

/** True for an error from the file system (a Node errno error with a code we know to be about files). */
export function isFileSystemError(err: unknown): err is NodeJS.ErrnoException {
  if (typeof err !== 'object' || err === null) return false;
  const { code, syscall } = err as { code?: unknown; syscall?: unknown };
  return typeof code === 'string' && typeof syscall === 'string' && Object.hasOwn(FS_ADVICE, code);
}

/**
 * Turns a file-system failure into an exit-3 error naming the path and what to do. A GenesysBulkError passes
 * through; anything else that is not a file-system error is returned unchanged (a bug stays a bug).
 */
export function fileSystemError(err: unknown, path?: string, what?: string): unknown {
  if (err instanceof GenesysBulkError || !isFileSystemError(err)) return err;
  const where = path ?? err.path;
  const subject = [what, where].filter(Boolean).join(' ');
  return new ConfigError(
    `Cannot use ${subject || 'a file'} (${err.code}${err.syscall ? ` on ${err.syscall}` : ''}): ${FS_ADVICE[err.code!]}.`,
  );
}
