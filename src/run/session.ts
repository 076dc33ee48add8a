import type { Logger } from 'pino';
import type { ConnectionConfig } from '../config.js';
import { createGenesysClient, type GenesysClient } from '../genesys/client.js';
import { createGovernor, type Governor, type GovernorEvent } from '../governor/index.js';
import { fatalApiError } from './api-errors.js';
import type { EngineCounters } from './engine.js';

export interface Session {
  client: GenesysClient;
  governor: Governor;
  counters: EngineCounters;
}

/** A logged-in client behind the governor. A failed login is fatal: exit 3 with what to check. */
export async function openSession(
  connection: ConnectionConfig,
  log: Logger,
  opts: { maxConcurrency?: number; onEvent?: (e: GovernorEvent) => void } = {},
): Promise<Session> {
  const client = createGenesysClient(connection);
  const counters: EngineCounters = { rateLimited: 0, retries: 0 };
  const governor = createGovernor({
    maxConcurrency: opts.maxConcurrency,
    reauthenticate: () => client.authenticate(),
    tokenExpiresAt: () => client.tokenExpiresAt(),
    onEvent: (e) => {
      opts.onEvent?.(e);
      if (e.type === 'response' && e.status === 429) counters.rateLimited++;
      else if (e.type === 'retry') counters.retries++;
      else if (e.type === 'pause')
        log.debug({ untilMs: e.untilMs, retryAfter: e.retryAfterSeconds }, 'rate limited: every request waits');
      else if (e.type === 'rate')
        log.debug({ rps: e.requestsPerSecond, concurrency: e.concurrency, source: e.source }, 'pace');
      else if (e.type === 'reauth') log.info({ ok: e.ok, trigger: e.trigger }, 're-authenticated');
      else if (e.type === 'give_up')
        log.debug({ reason: e.reason, kind: e.kind, attempt: e.attempt }, 'gave up on a request');
    },
  });
  const login = await client.authenticate();
  if (!login.ok) throw fatalApiError(`Logging in to ${client.target}`, login);
  return { client, governor, counters };
}
