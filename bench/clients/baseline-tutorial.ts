/**
 * baseline-tutorial: a faithful port of the tutorial in shared/seed ("Handling 429 Too Many Requests on Bulk User
 * Updates with Exponential Backoff", Python + tenacity), through the official SDK via our adapter.
 *
 * What is ported, on purpose, including its faults:
 * - Lists the whole directory first, 100 per page, one page after another, with no retry; a failed page is
 *   logged and ends the listing, leaving a partial directory (its `get_all_users`).
 * - Three worker threads (`max_workers = 3`), each running one update at a time.
 * - The update is a "full object" copied from the listing, with the row's values on top, sent with the version
 *   seen in the listing. Rows whose values already match are still sent: the tutorial never compares.
 * - Every HTTP error is retried (tenacity `retry_if_exception_type(ApiException)` also catches the 400/403/404
 *   it re-raises), 5 attempts in all, waiting tenacity's `wait_exponential(multiplier=1, min=2, max=60)`:
 *   2, 2, 4, 8 s. `Retry-After` is only logged. A 409 is retried with the same stale body.
 * - No response at all is not an ApiException in the Python SDK, so it is not retried.
 * - Each worker waits on its own; the others keep sending.
 */
import { createGenesysClient } from '../../src/genesys/client.js';
import type { ApiOutcome, GenesysUser, UserPatch } from '../../src/genesys/types.js';
import type { InputRow } from '../workload.js';
import {
  byEmail,
  emitResult,
  log,
  mergeMobile,
  newTally,
  readEnv,
  readRows,
  reportOnInterrupt,
  sleep,
} from './common.js';

const PAGE_SIZE = 100;
const MAX_WORKERS = 3;
const STOP_AFTER_ATTEMPT = 5;
/** The listing loop is bounded even if the server never says it is done. */
const MAX_PAGES = 100_000;

/** tenacity wait_exponential(multiplier=1, min=2, max=60) after failed attempt n (1-based). */
function tenacityWaitSeconds(attempt: number): number {
  return Math.max(2, Math.min(1 * 2 ** (attempt - 1), 60));
}

async function main(): Promise<void> {
  const file = process.argv[2];
  if (!file) throw new Error('usage: baseline-tutorial <input.csv>');
  const rows = readRows(file);
  const env = readEnv();
  const client = createGenesysClient({ clientId: env.clientId, clientSecret: env.clientSecret, baseUrl: env.baseUrl });
  const tally = newTally('baseline-tutorial', rows.length);
  reportOnInterrupt(tally);

  const auth = await client.authenticate();
  if (!auth.ok) throw new Error(`Fatal error in main process: ${auth.message}`);
  log('INFO Authenticated successfully.');

  log('INFO Fetching all users...');
  const users: GenesysUser[] = [];
  for (let pageNumber = 1; pageNumber <= MAX_PAGES; pageNumber++) {
    tally.requests++;
    const page = await client.listUsers({ pageNumber, pageSize: PAGE_SIZE });
    if (!page.ok) {
      log(`ERROR Error fetching users: ${page.status ?? ''} ${page.message}`);
      break;
    }
    users.push(...page.body.entities);
    if (page.body.entities.length === 0 || pageNumber >= page.body.pageCount) break;
  }
  log(`INFO Fetched ${users.length} users.`);

  const directory = byEmail(users);
  const work: { user: GenesysUser; row: InputRow }[] = [];
  for (const row of rows) {
    const user = directory.get(row.email.toLowerCase());
    if (user) work.push({ user, row });
    else tally.notFound++;
  }
  log(`INFO Preparing to update ${work.length} users.`);

  async function safePatchUser(user: GenesysUser, body: UserPatch): Promise<ApiOutcome<GenesysUser>> {
    for (let attempt = 1; ; attempt++) {
      tally.requests++;
      const outcome = await client.patchUser(user.id, body);
      if (outcome.ok || outcome.status === undefined) return outcome;
      if (outcome.status === 429) {
        log(
          `WARNING Rate Limited (429) for user ${user.id}. Server Retry-After: ${outcome.retryAfterSeconds ?? 0}s. Backing off...`,
        );
      } else if ([400, 403, 404].includes(outcome.status)) {
        log(`ERROR Client Error (${outcome.status}) for user ${user.id}: ${outcome.message}`);
      } else {
        log(`ERROR Unexpected Error (${outcome.status}) for user ${user.id}: ${outcome.message}`);
      }
      if (attempt >= STOP_AFTER_ATTEMPT) return outcome;
      tally.retries++;
      await sleep(tenacityWaitSeconds(attempt) * 1000);
    }
  }

  async function updateSingleUser(user: GenesysUser, row: InputRow): Promise<boolean> {
    // The tutorial's "full object": every writable field copied from the listing, the row's values on top.
    const body: UserPatch = {
      version: user.version,
      name: user.name,
      email: user.email,
      department: row.department || user.department,
      title: row.title || user.title,
      addresses: row.mobile ? mergeMobile(user.addresses, row.mobile) : user.addresses,
      username: user.username,
      preferredName: user.preferredName,
      manager: user.manager?.id,
      employerInfo: user.employerInfo,
    };
    const outcome = await safePatchUser(user, body);
    if (!outcome.ok) log(`ERROR Final failure updating user ${user.id}: ${outcome.message}`);
    return outcome.ok;
  }

  let next = 0;
  async function worker(): Promise<void> {
    while (next < work.length) {
      const item = work[next++]!;
      if (await updateSingleUser(item.user, item.row)) {
        tally.patched++;
        log(`INFO Updated: ${item.user.name}`);
      } else {
        tally.failed++;
        log(`ERROR Failed: ${item.user.name}`);
      }
    }
  }
  await Promise.all(Array.from({ length: MAX_WORKERS }, () => worker()));
  log('INFO Bulk update process completed.');

  // Rows missing from a partial listing look like unknown emails here; the bench's check of the final directory
  // counts them as failures.
  emitResult(tally);
}

main().catch((err: unknown) => {
  log(`CRITICAL ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
