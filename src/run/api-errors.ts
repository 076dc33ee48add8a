import { ConfigError, ExitCode, GenesysBulkError } from '../errors.js';
import type { ApiFailure } from '../genesys/types.js';

/** The platform failed a call that the whole run depends on (a read, or the login). */
export class PlatformError extends GenesysBulkError {
  readonly failure: ApiFailure;
  constructor(message: string, failure: ApiFailure) {
    super(message, ExitCode.Partial);
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
    return new ConfigError(`${detail} Nothing was written.${later}`);
  }
  const hint =
    failure.kind === 'rate_limited' ||
    failure.kind === 'server' ||
    failure.kind === 'network' ||
    failure.kind === 'timeout'
      ? `${NOT_RECOVERED}; nothing was written. Try again later.`
      : '';
  return new PlatformError(`${detail}${hint}`, failure);
}

const NOT_RECOVERED = ' The platform did not recover within the retry limits';

/**
 * A run's fatal error once it has created users (`created`, this attempt's and earlier ones'): "nothing was written"
 * (said, or meant by exit 3) would be untrue, and the run is to be finished, not started again: exit 1.
 */
export function afterCreations(err: unknown, runId: string, created: number): unknown {
  if (!(err instanceof GenesysBulkError) || created === 0) return err;
  if (err.exitCode !== ExitCode.Config && err.exitCode !== ExitCode.Partial) return err;
  const cut = err.message.indexOf(NOT_RECOVERED);
  const detail = cut === -1 ? err.message : `${err.message.slice(0, cut)}${NOT_RECOVERED}.`;
  return new GenesysBulkError(
    `${detail} Run ${runId} had created ${created} user(s) by then, which exist. ` +
      `Finish it with \`genesys-bulk update --resume ${runId}\` once this is put right (it creates no user twice); ` +
      'a rollback deletes its users only then.',
    ExitCode.Partial,
  );
}
