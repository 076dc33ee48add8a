import { ConfigError, ExitCode, GenesysBulkError } from '../errors.js';
import type { ApiFailure } from '../genesys/types.js';

/** The platform failed a call that the whole run depends on (a read, or the login). */
export class PlatformError extends GenesysBulkError {
  readonly failure: ApiFailure;
  constructor(message: string, failure: ApiFailure, happened = message) {
    super(message, ExitCode.Partial, happened);
    this.failure = failure;
  }
}

/**
 * Turns a failed call that the run cannot go on without into the error the user sees. `what` names the call,
 * e.g. "reading users (GET /api/v2/users)". The adapter's messages already say what to do for auth and permission.
 */
export function fatalApiError(what: string, failure: ApiFailure): GenesysBulkError {
  const status = failure.status === undefined ? 'no response' : `HTTP ${failure.status}`;
  const detail = `${what} failed (${status}${failure.code ? ` ${failure.code}` : ''}): ${failure.message}`;
  // A redirect, or a login that failed for any reason (refused, DNS, timeout, a 5xx), is the connection's: exit 3.
  // No row was tried, so "some rows failed" (exit 1) would be wrong.
  if (failure.kind === 'auth' || failure.kind === 'permission' || failure.kind === 'redirect') {
    return new ConfigError(detail);
  }
  if (failure.login === true) {
    const later = failure.kind === 'server' || failure.kind === 'rate_limited' ? ' Try again later.' : '';
    return new ConfigError(`${detail} Nothing was written.${later}`, detail);
  }
  const transient =
    failure.kind === 'rate_limited' ||
    failure.kind === 'server' ||
    failure.kind === 'network' ||
    failure.kind === 'timeout';
  if (!transient) return new PlatformError(detail, failure);
  const notRecovered = `${detail} The platform did not recover within the retry limits`;
  return new PlatformError(`${notRecovered}; nothing was written. Try again later.`, failure, `${notRecovered}.`);
}

/**
 * A run's fatal error once it has created users (`created`, this attempt's and earlier ones'): "nothing was written"
 * (said, or meant by exit 3) would be untrue, and the run is to be finished, not started again: exit 1. `resume`
 * says how, in the caller's terms (CallerNames).
 */
export function afterCreations(err: unknown, runId: string, created: number, resume: string): unknown {
  if (!(err instanceof GenesysBulkError) || created === 0) return err;
  if (err.exitCode !== ExitCode.Config && err.exitCode !== ExitCode.Partial) return err;
  return new GenesysBulkError(
    `${err.happened} Run ${runId} had created ${created} user(s) by then, which exist. ` +
      `Finish it with ${resume} once this is put right (it creates no user twice); ` +
      'a rollback deletes its users only then.',
    ExitCode.Partial,
  );
}
