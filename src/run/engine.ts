import type { Logger } from 'pino';
import type { GenesysUser, UserPatch } from '../genesys/types.js';
import { type Governor, mayHaveActed } from '../governor/index.js';
import type { ManagerRef, ProfileChanges } from '../input/index.js';
import type { FieldDiff } from '../plan/index.js';
import type { LocationContext } from '../plan/profile-lists.js';
import type { Progress } from '../progress.js';
import { type ApplyResult, applyUserChange } from './apply.js';
import { applyAutoAnswerInBulk } from './auto-answer.js';
import type { Collector } from './collect.js';
import { countOf } from './iterables.js';
import type { Journal } from './journal.js';
import { forEachPooled, poolSize } from './pool.js';
import type { UsersPort } from './ports.js';
import { OutcomeMap, type WorkOutcome } from './settled.js';

export interface WorkItem {
  rowNumber: number;
  /** The user as last read: the write starts from its version. */
  user: GenesysUser;
  changes: ProfileChanges;
  /** On a resume: the original plan's diffs (see ApplyOptions). */
  baseline?: FieldDiff[];
  /** On a resume: an earlier attempt journaled a write for this row. */
  wroteBefore?: boolean;
}

export type { Interrupted, SettledRow, WorkOutcome } from './settled.js';

export interface EngineDeps {
  users: UsersPort;
  governor: Governor;
  journal: Journal;
  managerId: (ref: ManagerRef) => string | undefined;
  /** Location names and ids, for rows with a `locations` column. */
  locations?: LocationContext;
  progress: Progress;
  log: Logger;
  /** Aborted: start no new write; those in flight finish (bounded by `drainTimeoutMs`). */
  stopSignal?: AbortSignal;
  maxConcurrency: number;
  drainTimeoutMs?: number;
  /** See ApplyOptions: a rollback leaves fields someone else changed since its plan. */
  keepForeignEdits?: boolean;
  /** Run after every `every` settled writes: a full collection (collect.ts) while the writes go on. */
  collect?: Collector;
}

export interface EngineCounters {
  rateLimited: number;
  retries: number;
}

/**
 * Applies every item through the governor, journaling an intent (durable) before each write and an outcome
 * after it. The governor paces and bounds what is in flight; the pool here only keeps its queue fed.
 */
export async function applyAll(
  deps: EngineDeps,
  /** Read once to count, once to apply, once for what a stop left: made afresh on each pass, never all held. */
  items: Iterable<WorkItem>,
  counters: EngineCounters,
): Promise<Map<number, WorkOutcome>> {
  const results = new OutcomeMap();
  let done = 0;
  let failed = 0;
  /** Rows with a write sent (its intent journaled) and no result yet. */
  const unsettled = new Set<number>();
  const { journal, stopSignal } = deps;
  const total = countOf(items);
  deps.progress.start(total, 'Applying profile changes');

  const applyOne = async (item: WorkItem) => {
    // Read once: an item made from an encoded plan decodes its user on each read.
    const planned = item.user;
    try {
      const r = await applyUserChange(
        {
          users: deps.users,
          executor: deps.governor,
          managerId: deps.managerId,
          ...(deps.locations ? { locations: deps.locations } : {}),
          // No per-request signal: stopping must not abandon a write already sent, whose outcome the journal
          // needs. The governor's stopStarting() refuses every later start instead.
          beforeWrite: async (user, patch, diffs) => {
            await journal.append({
              t: 'intent',
              at: new Date().toISOString(),
              row: item.rowNumber,
              userId: user.id,
              version: patch.version,
              before: Object.fromEntries(diffs.map((d) => [d.field, d.before])),
              after: Object.fromEntries(diffs.map((d) => [d.field, d.after])),
              replaced: replacedObjects(user, patch),
            });
            unsettled.add(item.rowNumber);
          },
        },
        planned,
        item.changes,
        { baseline: item.baseline, wroteBefore: item.wroteBefore, keepForeignEdits: deps.keepForeignEdits },
      );
      settle(item.rowNumber, planned.id, r);
    } catch (err) {
      // Stopped mid-row (the governor refused a start): the journal has an intent without an outcome if a
      // write was sent, and a resume re-reads this user and settles it.
      if (!stopSignal?.aborted) throw err;
      return;
    }
  };
  const settle = (rowNumber: number, userId: string, r: ApplyResult) => {
    const { diffs: _planned, user: _user, ...kept } = r;
    results.set(rowNumber, kept);
    // A row that failed after sending a write whose fate nothing settled (no answer, or one of the wrong shape, and
    // no re-read that saw the user) may have changed the user: a resume must count that write as made.
    const acted =
      r.status === 'failed' && unsettled.has(rowNumber) && r.failure !== undefined && mayHaveActed(r.failure);
    unsettled.delete(rowNumber);
    if (r.status === 'failed' || r.status === 'not_found') failed++;
    void journal
      .append({
        t: 'outcome',
        at: new Date().toISOString(),
        row: rowNumber,
        userId,
        status: r.status,
        version: r.user.version,
        ...(r.conflict ? { conflict: r.conflict } : {}),
        ...(r.kept ? { message: r.kept } : {}),
        ...(r.failure ? { errorCode: r.failure.code ?? r.failure.kind } : {}),
        ...(acted ? { mayHaveActed: true as const } : {}),
      })
      .catch((err) => deps.log.error({ err: String(err) }, 'could not write the journal'));
    done++;
    if (deps.collect && done % deps.collect.every === 0) void deps.collect.run();
  };
  // Rows whose only change is auto-answer go in bulk calls first (not in a rollback: the bulk call carries no
  // version, and a rollback must not write over an edit made since its plan).
  const bulkThenEach = async () => {
    let rest = items;
    if (!deps.keepForeignEdits) {
      try {
        const bulk = await applyAutoAnswerInBulk(
          {
            users: deps.users,
            executor: deps.governor,
            journal,
            managerId: deps.managerId,
            ...(deps.locations ? { locations: deps.locations } : {}),
            sent: (row) => unsettled.add(row),
          },
          items,
        );
        if (bulk.results.size > 0)
          for (const item of items) {
            const r = bulk.results.get(item.rowNumber);
            if (r) settle(item.rowNumber, item.user.id, r);
          }
        rest = bulk.rest;
      } catch (err) {
        if (!stopSignal?.aborted) throw err;
        return;
      }
    }
    await forEachPooled(rest, poolSize(deps.governor, deps.maxConcurrency * 2), applyOne, stopSignal);
  };

  try {
    await drainWithProgress(bulkThenEach(), 'writes', {
      ...deps,
      tick: () => deps.progress.update({ done, total, failed, ...counters }),
    });
  } finally {
    await journal.flush();
  }
  // Rows the stop caught before they settled, including any still out when the drain timed out.
  for (const item of items) {
    if (!results.has(item.rowNumber)) {
      results.set(item.rowNumber, { interrupted: true, inFlight: unsettled.has(item.rowNumber) });
    }
  }
  return results;
}

/** The user's values, as read, of the object-valued fields a PATCH body carries: what the write replaces whole. */
export function replacedObjects(user: GenesysUser, patch: UserPatch): Record<string, unknown> {
  const replaced: Record<string, unknown> = {};
  const fields = user as unknown as Record<string, unknown>;
  for (const [key, value] of Object.entries(patch)) {
    if (value !== null && typeof value === 'object') replaced[key] = structuredClone(fields[key] ?? null);
  }
  return replaced;
}

/**
 * `untilDrained` under the progress bar, redrawn (`tick`) every half second. The bar is stopped, after a last
 * redraw, before the stop's warning and at the end: it redraws its line, so it would overwrite the warning.
 */
export async function drainWithProgress(
  work: Promise<void>,
  what: string,
  deps: {
    governor: Pick<Governor, 'stopStarting' | 'stats'>;
    stopSignal?: AbortSignal | undefined;
    drainTimeoutMs?: number | undefined;
    progress: Progress;
    log: Logger;
    tick: () => void;
  },
): Promise<void> {
  const ticker = setInterval(deps.tick, 500);
  const stopBar = () => {
    clearInterval(ticker);
    deps.tick();
    deps.progress.stop();
  };
  try {
    await untilDrained(work, {
      governor: deps.governor,
      stopSignal: deps.stopSignal,
      drainTimeoutMs: deps.drainTimeoutMs,
      stopping: () => {
        stopBar();
        deps.log.warn(
          `Stopping: no new ${what}; waiting for ${deps.governor.stats().inFlight} in flight (Ctrl-C again to exit now).`,
        );
      },
    });
  } finally {
    stopBar();
  }
}

/**
 * Waits for `work` (a pool's run) to end. A stop makes the governor start nothing more at once, in the signal's own
 * tick (not even a retry may go out after it); then `stopping` says what is being waited for, and the work already
 * under way gets at most `drainTimeoutMs` to finish.
 */
export async function untilDrained(
  work: Promise<void>,
  opts: {
    governor: Pick<Governor, 'stopStarting'>;
    stopSignal: AbortSignal | undefined;
    drainTimeoutMs: number | undefined;
    stopping: () => void;
  },
): Promise<void> {
  const { stopSignal } = opts;
  const onStop = () => opts.governor.stopStarting();
  stopSignal?.addEventListener('abort', onStop, { once: true });
  if (stopSignal?.aborted) onStop();
  try {
    if (!stopSignal) {
      await work;
      return;
    }
    const stopped = new Promise<void>((resolve) => {
      if (stopSignal.aborted) resolve();
      stopSignal.addEventListener('abort', () => resolve(), { once: true });
    });
    await Promise.race([work, stopped]);
    if (!stopSignal.aborted) return;
    opts.stopping();
    await Promise.race([work.catch(() => undefined), delay(opts.drainTimeoutMs ?? 30_000)]);
  } finally {
    stopSignal?.removeEventListener('abort', onStop);
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
