/**
 * A full garbage collection, asked for where a run changes phase and through its long phases (issue #12).
 *
 * Why: V8 lets the old generation grow to about four times what was live at its last full collection before it runs
 * another. The last one during planning finds the planner's working set live (~70 MB at 100,000 rows), so the limit
 * it sets (~250 MB) is filled by the planner's garbage and the writes' promoted per-request garbage before anything is
 * collected: a 100,000-row apply peaked at 470 MB with 25–40 MB live. Collected at the boundary, where the planner's
 * state has just been let go, the limit follows the writes' own small working set.
 *
 * How: the inspector protocol's `HeapProfiler.collectGarbage`, over an in-process session (`node:inspector`, a stable
 * API: no port is opened, and no V8 flag such as `--expose-gc` is set). A Node built without the inspector has no
 * session: then V8 collects when it decides, as before.
 *
 * Where: at each phase boundary (update.ts: the file parsed, the users read; pipeline.ts: planning done), and in the
 * long phases at the intervals of `COLLECT_EVERY`. One collection with ~40 MB live took 0.1–0.4 s on the bench machine
 * under load; a 100,000-row apply asks for about 55.
 */
export async function collectGarbage(size?: number): Promise<void> {
  if (size !== undefined && size < COLLECT_FROM) return;
  let session: import('node:inspector').Session;
  try {
    const { Session } = await import('node:inspector');
    session = new Session();
    session.connect();
  } catch {
    return;
  }
  try {
    await new Promise<void>((resolve) => session.post('HeapProfiler.collectGarbage', () => resolve()));
  } finally {
    session.disconnect();
  }
}

/**
 * The rows (or users) from which a phase boundary asks for a collection (`collectGarbage(size)`). Below it a phase
 * leaves a few MB of garbage that V8's own limits handle, and the collection itself (node:inspector loaded, a session,
 * a full mark) took 45–70 ms on a 5-row run: start-up the user waits for before the first request (the bench's 5-row
 * dry run made two, ~120 ms of its ~560 ms of CPU).
 */
export const COLLECT_FROM = 2000;

/** A full collection asked for after every `every` steps of a long phase (engine.ts: writes; resolve.ts: pages). */
export interface Collector {
  every: number;
  run: () => Promise<void>;
}

/** How often a long phase asks for a full collection (see `collectGarbage`). */
export const COLLECT_EVERY = {
  /**
   * Listing pages read: collected every 50, the heap follows the projected users the store keeps rather than growing
   * on each page's parsed answer.
   */
  listingPages: 50,
  /**
   * Writes settled: each write leaves some 13–17 KB that outlives two scavenges (the HTTP client's, the SDK's and the
   * retry's objects of a request in flight); V8 lets that fill the old generation to about four times what is live
   * before it collects. Collected every 2,000 writes, the old generation holds at most ~30 MB of it.
   */
  writes: 2000,
  /**
   * Users whose routing was read and planned (run/routing-plan.ts): each read leaves its answer's garbage, as a write
   * does. Every 2,000, as writes (a collection per 1,000-user slice would be 100 in a 100,000-row run), or sooner
   * after `routingReads` requests: a `roles` file reads each user's grants, and a 20,000-row dry run peaked at 210 MB
   * collected every 2,000 users, 181 MB with this.
   */
  routingUsers: 2000,
  routingReads: 1000,
  /** Rollback rows planned: the users read are let go as their rows are planned while the planned rows' text grows. */
  rollbackRows: 25_000,
  /**
   * Requests of an export (a grants read per user for `roles`, member and expansion pages): each leaves the same
   * per-request garbage as a write. A 100,000-user export with every column, whose working set is a page, peaked at
   * 313–331 MB without it (and without the `--optimize-for-size` the CLI set until 1f8e44c), 212 MB collected every
   * 2,000 requests (187 s), 185–209 MB every 1,000 (188–204 s), 181 MB every 500 with routing read 100 users at a
   * time (206 s; export/run.ts `ROUTING_SLICE`).
   */
  exportRequests: 500,
} as const;
