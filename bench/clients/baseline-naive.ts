/**
 * baseline-naive: the first version most TypeScript teams write, through the official SDK via our adapter.
 *
 * - `p-limit(5)` over the rows; per row: search the user by email, GET the user (for its version), PATCH.
 * - Every call wrapped in `p-retry` with `retries: 5` and its default backoff (1, 2, 4, 8, 16 s); on a 429,
 *   `onFailedAttempt` first sleeps the response's `Retry-After`. Only the failed request waits: the other four
 *   workers keep sending meanwhile. Every error is retried (p-retry's default), none re-reads on a 409.
 * - Rows whose values already match are still written: nothing is compared.
 */
import pLimit from 'p-limit';
import pRetry from 'p-retry';
import { createGenesysClient } from '../../src/genesys/client.js';
import type { ApiFailure, ApiOutcome, UserPatch } from '../../src/genesys/types.js';
import type { InputRow } from '../workload.js';
import { emitResult, log, mergeMobile, newTally, readEnv, readRows, reportOnInterrupt, sleep } from './common.js';

class ApiError extends Error {
  readonly status: number | undefined;
  readonly retryAfterSeconds: number | undefined;
  constructor(failure: ApiFailure) {
    super(`${failure.status ?? 'no response'}: ${failure.message}`);
    this.status = failure.status;
    this.retryAfterSeconds = failure.retryAfterSeconds;
  }
}

async function main(): Promise<void> {
  const file = process.argv[2];
  if (!file) throw new Error('usage: baseline-naive <input.csv>');
  const rows = readRows(file);
  const env = readEnv();
  const client = createGenesysClient({ clientId: env.clientId, clientSecret: env.clientSecret, baseUrl: env.baseUrl });
  const tally = newTally('baseline-naive', rows.length);
  reportOnInterrupt(tally);

  const auth = await client.authenticate();
  if (!auth.ok) throw new Error(`authentication failed: ${auth.message}`);

  function call<T>(fn: () => Promise<ApiOutcome<T>>): Promise<T> {
    return pRetry(
      async () => {
        tally.requests++;
        const outcome = await fn();
        if (!outcome.ok) throw new ApiError(outcome);
        return outcome.body;
      },
      {
        retries: 5,
        onFailedAttempt: async ({ error, retriesLeft }) => {
          if (retriesLeft > 0) tally.retries++;
          if (error instanceof ApiError && error.status === 429) {
            await sleep((error.retryAfterSeconds ?? 1) * 1000);
          }
        },
      },
    );
  }

  async function processRow(row: InputRow): Promise<void> {
    const found = await call(() =>
      client.searchUsers({ query: [{ type: 'EXACT', fields: ['email'], value: row.email }] }),
    );
    const hit = found.results?.[0];
    if (!hit) {
      tally.notFound++;
      log(`user not found: ${row.email}`);
      return;
    }
    const user = await call(() => client.getUser(hit.id));
    const patch: UserPatch = { version: user.version };
    if (row.title) patch.title = row.title;
    if (row.department) patch.department = row.department;
    if (row.mobile) patch.addresses = mergeMobile(user.addresses, row.mobile);
    await call(() => client.patchUser(user.id, patch));
    tally.patched++;
  }

  const limit = pLimit(5);
  const results = await Promise.allSettled(rows.map((row) => limit(() => processRow(row))));
  for (const r of results) {
    if (r.status === 'rejected') {
      tally.failed++;
      log(`row failed: ${r.reason instanceof Error ? r.reason.message : String(r.reason)}`);
    }
  }
  emitResult(tally);
}

main().catch((err: unknown) => {
  log(`fatal: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
