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
  /** A bug: an unexpected exception. */
  Internal: 70,
  /** Interrupted (SIGINT); the journal and report were saved. */
  Interrupted: 130,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** An error whose message is written for the user: what happened and what to do. */
export class GenesysBulkError extends Error {
  readonly exitCode: ExitCodeValue;
  constructor(message: string, exitCode: ExitCodeValue) {
    super(message);
    this.name = new.target.name;
    this.exitCode = exitCode;
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
  constructor(message: string) {
    super(message, ExitCode.Config);
  }
}

/** The run was interrupted by the user. Exit 130. */
export class InterruptedError extends GenesysBulkError {
  constructor(message = 'Interrupted.') {
    super(message, ExitCode.Interrupted);
  }
}

export function exitCodeFor(err: unknown): ExitCodeValue {
  return err instanceof GenesysBulkError ? err.exitCode : ExitCode.Internal;
}
