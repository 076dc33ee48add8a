import type { Logger } from 'pino';
import type { ConnectionConfig } from '../config.js';
import { InterruptedError } from '../errors.js';
import type { GenesysClient } from '../genesys/api.js';
import { createGenesysClient } from '../genesys/client.js';
import { acquireTokens } from '../governor/acquire.js';
import { createGovernor, type Governor, type GovernorEvent, systemClock } from '../governor/index.js';
import { DEFAULTS as GOVERNOR_DEFAULTS } from '../governor/options.js';
import type { Progress } from '../progress.js';
import { fatalApiError } from './api-errors.js';
import { COLLECT_EVERY, collectGarbage } from './collect.js';
import type { EngineCounters } from './engine.js';
import type { RunTarget } from './folder.js';
import type { ResolveDeps } from './resolve.js';
import type { RoutingReadCost, RoutingReadDeps } from './routing.js';

/** A pause longer than this is said at the warn level: a run silent for longer looks hung. */
const LONG_PAUSE_MS = 60_000;

/** What every command that talks to the platform is given: the connection and where its output goes. */
export interface RunSettings {
  connection: ConnectionConfig;
  maxConcurrency: number;
  log: Logger;
  progress: Progress;
  /** Aborted: start no new write, let those in flight finish, save, exit 130. */
  stopSignal?: AbortSignal;
  /**
   * Told the run's target once logged in, and its source (the input, the run resumed or undone) once known: what the
   * document of a run refused after that names (the CLI's --json).
   */
  onKnown?: (known: { target?: string; source?: string }) => void;
}

/**
 * One logged-in client behind one governor, with the log, the progress bar and the stop signal: what the reads, the
 * engines and the pipeline share. The read dependencies are made here, once, rather than by each command.
 */
export interface RunContext {
  client: GenesysClient;
  governor: Governor;
  log: Logger;
  progress: Progress;
  stopSignal?: AbortSignal;
  maxConcurrency: number;
  target: RunTarget;
  /** The host and where it was chosen (flag, environment, dotenv file), shown before any write. */
  targetLabel?: string;
  /** The figures the progress bar shows, read from the governor's own statistics. */
  counters: EngineCounters;
  userReads(): ResolveDeps;
  routingReads(cost: RoutingReadCost): RoutingReadDeps;
}

/**
 * Rows of work each token is obtained for. A token paces some 300 requests a minute (5 a second), so a token per 5 rows
 * gets at least a second of one token's work, and its login (a request under the token endpoint's own limit) is at
 * most one request in six. `--tokens 20` on a 3-row file logged in 20 times for one token's work. The count is known
 * before the first login (the input is read first; a rollback or resume reads its journals first), and large runs
 * (the bench's token scenarios: 20,000 rows) keep every token asked for.
 */
export const ROWS_PER_TOKEN = 5;

/** The tokens worth obtaining for `rows` rows of work (undefined: not known beforehand, as an export's): 1 to `wanted`. */
export function tokensWorthHaving(wanted: number, rows: number | undefined): number {
  if (rows === undefined) return wanted;
  return Math.max(1, Math.min(wanted, Math.ceil(rows / ROWS_PER_TOKEN)));
}

/**
 * Logs in, once per token (`connection.tokens`, default 1, no more than `work.rows` can use: tokensWorthHaving); a
 * failed first login is fatal: exit 3 with what to check. A later token the token endpoint keeps refusing is given up
 * with a warning, and the run uses the tokens it has.
 */
export async function openContext(settings: RunSettings, work?: { rows: number }): Promise<RunContext> {
  const { log } = settings;
  const client = createGenesysClient(settings.connection);
  const asked = settings.connection.tokens ?? 1;
  const wanted = tokensWorthHaving(asked, work?.rows);
  if (wanted < asked) {
    log.info(
      { tokens: wanted, asked, rows: work?.rows },
      `Using ${wanted} of the ${asked} tokens asked for: ${work?.rows} row(s) of work need no more (one per ${ROWS_PER_TOKEN} rows)`,
    );
  }
  const acquired = await acquireTokens(wanted, (lane, signal) => client.authenticate({ lane, signal }), {
    clock: systemClock,
    signal: settings.stopSignal,
    // A wait of the token endpoint's can be a minute: say why nothing seems to happen.
    onWait: (lane, waitMs) =>
      log.info(
        { tokenNumber: lane + 1, tokens: wanted, waitSeconds: Math.ceil(waitMs / 1000) },
        `The token endpoint refused token ${lane + 1} of ${wanted} for now (its own limit, HTTP 429): waiting ` +
          `${Math.ceil(waitMs / 1000)} s before asking again${lane > 0 ? ' (after a minute in all, the run goes on with the tokens it has)' : ''}`,
      ),
  });
  if (acquired.obtained === 0) {
    // A stop cancels the login: that is no failure of the credentials or the target.
    if (settings.stopSignal?.aborted) throw new InterruptedError('Interrupted before anything was written.');
    throw fatalApiError(`Logging in to ${client.target}`, acquired.failure!);
  }
  if (acquired.obtained < wanted) {
    log.warn(
      { tokens: acquired.obtained, wanted, status: acquired.failure?.status, code: acquired.failure?.code },
      `Got ${acquired.obtained} of ${wanted} tokens (the token endpoint refused more); going on with ${acquired.obtained}`,
    );
  } else if (wanted > 1) {
    log.info({ tokens: wanted }, `Logged in with ${wanted} tokens, each paced on its own`);
  }
  const lanes = acquired.obtained;
  const governor = createGovernor({
    maxConcurrency: settings.maxConcurrency,
    ...(lanes > 1
      ? {
          tokens: {
            count: lanes,
            reauthenticate: (lane: number) => client.authenticate({ lane }),
            tokenExpiresAt: (lane: number) => client.tokenExpiresAt(lane),
            run: <T>(lane: number, attempt: () => Promise<T>) => client.onLane(lane, attempt),
          },
        }
      : {
          reauthenticate: () => client.authenticate(),
          tokenExpiresAt: () => client.tokenExpiresAt(),
        }),
    onEvent: governorEventLog(log, lanes, client.target, settings.connection.timeoutMs),
  });
  const signal = settings.stopSignal;
  settings.onKnown?.({ target: client.target });
  return {
    client,
    governor,
    log,
    progress: settings.progress,
    stopSignal: signal,
    maxConcurrency: settings.maxConcurrency,
    target: { host: client.target, clientId: settings.connection.clientId },
    targetLabel: settings.connection.targetLabel,
    counters: {
      get rateLimited() {
        return governor.stats().rateLimited;
      },
      get retries() {
        return governor.stats().retries;
      },
    },
    userReads: () => ({
      users: client,
      executor: governor,
      signal,
      collect: { every: COLLECT_EVERY.listingPages, run: collectGarbage },
    }),
    routingReads: (cost) => ({
      port: client,
      users: client,
      executor: governor,
      signal,
      concurrency: settings.maxConcurrency,
      cost,
    }),
  };
}

/** A request with no answer is said at most this often: a hung server is not minutes of silence, nor a warning a request. */
const TIMEOUT_WARN_EVERY_MS = 30_000;

/** What the governor's events say in the log: pauses and logins, and the waits a user would take for a hang. */
export function governorEventLog(
  log: Logger,
  lanes: number,
  target: string,
  timeoutMs = 30_000,
): (e: GovernorEvent) => void {
  let timeoutSaidAt = Number.NEGATIVE_INFINITY;
  const hangSeconds = (GOVERNOR_DEFAULTS.maxAttempts * timeoutMs) / 1000;
  const hang = hangSeconds >= 120 ? `about ${Math.round(hangSeconds / 60)} minutes` : `about ${hangSeconds} s`;
  return (e) => {
    if (e.type === 'pause' && e.untilMs - e.at > LONG_PAUSE_MS) {
      const seconds = Math.ceil((e.untilMs - e.at) / 1000);
      log.warn(
        { retryAfter: e.retryAfterSeconds, seconds },
        `The platform asked every request to wait ${seconds} s (Retry-After); the run goes on after that. ` +
          'To stop instead, press Ctrl-C: an interrupted update or rollback keeps what it wrote and can be resumed.',
      );
    } else if (e.type === 'pause')
      log.debug({ untilMs: e.untilMs, retryAfter: e.retryAfterSeconds }, 'rate limited: every request waits');
    else if (e.type === 'rate')
      log.debug({ rps: e.requestsPerSecond, concurrency: e.concurrency, source: e.source }, 'pace');
    else if (e.type === 'reauth') logLogin(log, e, lanes);
    else if (e.type === 'give_up')
      log.debug({ reason: e.reason, kind: e.kind, attempt: e.attempt }, 'gave up on a request');
    else if (e.type === 'retry' && e.reason === 'timeout' && e.at - timeoutSaidAt >= TIMEOUT_WARN_EVERY_MS) {
      timeoutSaidAt = e.at;
      log.warn(
        { attempt: e.attempt },
        `No answer from ${target} within the request timeout (${timeoutMs / 1000} s); trying again (attempt ` +
          `${e.attempt + 1}). A server that never answers fails the run after the last attempt (${hang}); press ` +
          'Ctrl-C to stop sooner (an interrupted update or rollback keeps what it wrote and can be resumed; ' +
          '--timeout sets how long a request waits).',
      );
    }
  };
}

/** A login during the run, naming its token by number (never the token) when there are several. */
function logLogin(log: Logger, e: Extract<GovernorEvent, { type: 'reauth' }>, tokens: number): void {
  const which = e.lane !== undefined ? ` (token ${e.lane + 1} of ${tokens})` : '';
  const why = e.trigger === 'expiry' ? 'before the token expired' : 'after a 401';
  const fields = { ok: e.ok, trigger: e.trigger, ...(e.lane !== undefined && { tokenNumber: e.lane + 1 }) };
  if (e.ok) log.info(fields, `Logged in again${which}, ${why}`);
  else if (e.lane !== undefined) {
    log.warn(
      { ...fields, kind: e.kind },
      `Logging in again${which} failed (${e.kind}): the run goes on with the other tokens while any works`,
    );
  } else log.warn({ ...fields, kind: e.kind }, `Logging in again failed (${e.kind}), ${why}`);
}
