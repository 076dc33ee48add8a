/**
 * ACD auto-answer for many users at once: `PATCH /api/v2/users/bulk` sets `acdAutoAnswer` of up to 50 users in one
 * call (and nothing else, and without a version). Used for the rows whose only change is auto-answer when there are
 * at least two of them; a row that also changes another field sends auto-answer in its own PATCH, at no extra call.
 */
import type { ApiFailure, GenesysUser } from '../genesys/types.js';
import { mayHaveActed } from '../governor/index.js';
import type { ManagerRef, ProfileChanges } from '../input/index.js';
import { chunk, planUserChange } from '../plan/index.js';
import type { LocationContext } from '../plan/profile-lists.js';
import type { ApplyResult } from './apply.js';
import { concatenated, filtered } from './iterables.js';
import type { Journal } from './journal.js';
import type { Executor, UsersPort } from './ports.js';

/** The platform's limit per call (documented for `PATCH /api/v2/users/bulk`). */
export const AUTO_ANSWER_PER_CALL = 50;
/** Below this many rows, one PATCH per row costs no more calls and keeps the version check. */
export const AUTO_ANSWER_BULK_MIN = 2;

export interface BulkItem {
  rowNumber: number;
  user: GenesysUser;
  changes: ProfileChanges;
  baseline?: unknown;
  wroteBefore?: boolean;
}

export interface AutoAnswerDeps {
  users: UsersPort;
  executor: Executor;
  journal: Journal;
  managerId: (ref: ManagerRef) => string | undefined;
  locations?: LocationContext;
  /** Called for each row once its intent is durable (its write may reach the platform from then on). */
  sent?: (rowNumber: number) => void;
}

export interface BulkOutcome<I> {
  /** Rows settled by a bulk call. */
  results: Map<number, ApplyResult>;
  /**
   * Rows left for the PATCH of their own (a row a failed bulk call left, with `wroteBefore` when it may have landed),
   * read from `items` afresh on each pass.
   */
  rest: Iterable<I>;
}

/** Whether the row's only write is auto-answer (planned against its user as read). */
function autoAnswerOnly(item: BulkItem, deps: AutoAnswerDeps): boolean {
  if (item.baseline !== undefined || item.wroteBefore) return false;
  try {
    const plan = planUserChange(item.user, item.changes, { ...deps.locations, managerId: deps.managerId });
    return (
      plan.state === undefined &&
      plan.diffs.length === 1 &&
      plan.diffs[0]!.field === 'acdAutoAnswer' &&
      Object.keys(plan.patch ?? {}).join() === 'acdAutoAnswer'
    );
  } catch {
    return false;
  }
}

/** Sends the auto-answer-only rows in bulk calls; the others, and those a call could not settle, are left. */
export async function applyAutoAnswerInBulk<I extends BulkItem>(
  deps: AutoAnswerDeps,
  items: Iterable<I>,
): Promise<BulkOutcome<I>> {
  const results = new Map<number, ApplyResult>();
  if (!deps.users.patchUsersAutoAnswer) return { results, rest: items };
  const bulk: I[] = [];
  for (const i of items) if (i.changes.acdAutoAnswer !== undefined && autoAnswerOnly(i, deps)) bulk.push(i);
  if (bulk.length < AUTO_ANSWER_BULK_MIN) return { results, rest: items };
  // By row: the items of a large run are made afresh on each pass, so the same row is not the same object.
  const inBulk = new Set(bulk.map((i) => i.rowNumber));
  /** Rows a bulk call left: after the others, in the order met. */
  const again: I[] = [];
  const rest = concatenated(
    filtered(items, (i) => !inBulk.has(i.rowNumber)),
    again,
  );
  for (const batch of chunk(bulk, AUTO_ANSWER_PER_CALL)) {
    let journaled = false;
    const { outcome, attempts } = await deps.executor.execute(async () => {
      if (!journaled) {
        const at = new Date().toISOString();
        await Promise.all(
          batch.map((i) =>
            deps.journal.append({
              t: 'intent',
              at,
              row: i.rowNumber,
              userId: i.user.id,
              version: i.user.version,
              before: { acdAutoAnswer: i.user.acdAutoAnswer === true ? 'true' : 'false' },
              after: { acdAutoAnswer: String(i.changes.acdAutoAnswer) },
              replaced: {},
            }),
          ),
        );
        for (const i of batch) deps.sent?.(i.rowNumber);
        journaled = true;
      }
      return deps.users.patchUsersAutoAnswer!(
        batch.map((i) => ({ id: i.user.id, acdAutoAnswer: i.changes.acdAutoAnswer! })),
      );
    });
    if (!outcome.ok) {
      // A permission the bulk call lacks, a PATCH of one's own lacks too: those rows fail here. Anything else (a user
      // the call refused, a lost answer) goes to the rows' own PATCHes, which re-read and see what landed.
      if (outcome.kind === 'permission' || outcome.kind === 'auth') {
        for (const i of batch) results.set(i.rowNumber, failed(i.user, i, attempts, outcome));
        continue;
      }
      for (const i of batch) again.push(mayHaveActed(outcome) ? copyOf(i, { wroteBefore: true }) : i);
      continue;
    }
    const answered = new Map(outcome.body.entities.map((u) => [u.id.toLowerCase(), u]));
    for (const i of batch) {
      const now = answered.get(i.user.id.toLowerCase());
      const user: GenesysUser = now ? { ...i.user, ...now } : { ...i.user, acdAutoAnswer: i.changes.acdAutoAnswer! };
      const diffs = [
        {
          field: 'acdAutoAnswer',
          before: i.user.acdAutoAnswer === true ? 'true' : 'false',
          after: String(i.changes.acdAutoAnswer),
        },
      ];
      if (now && now.acdAutoAnswer !== undefined && now.acdAutoAnswer !== i.changes.acdAutoAnswer) {
        // Answered with the old value: the row's own PATCH tries again (and fails the row if it sticks).
        again.push(copyOf(i, { user: { ...user, version: now.version ?? i.user.version } }));
        continue;
      }
      results.set(i.rowNumber, { status: 'updated', user, diffs, attempts, writes: 1, conflictRounds: 0 });
    }
  }
  return { results, rest };
}

function failed(user: GenesysUser, item: BulkItem, attempts: number, failure: ApiFailure): ApplyResult {
  return {
    status: 'failed',
    user,
    diffs: [
      {
        field: 'acdAutoAnswer',
        before: user.acdAutoAnswer === true ? 'true' : 'false',
        after: String(item.changes.acdAutoAnswer),
      },
    ],
    attempts,
    writes: 0,
    conflictRounds: 0,
    failure,
  };
}

/**
 * The item with `changed`, as a plain object: an item may read its fields through its class's accessors (compact.ts),
 * which a spread does not copy.
 */
function copyOf<I extends BulkItem>(i: I, changed: Partial<BulkItem>): I {
  const { rowNumber, user, changes, baseline, wroteBefore } = i;
  return {
    rowNumber,
    user,
    changes,
    ...(baseline !== undefined && { baseline }),
    ...(wroteBefore !== undefined && { wroteBefore }),
    ...changed,
  } as I;
}
