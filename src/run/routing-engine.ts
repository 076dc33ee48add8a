import type { ApiOutcome } from '../genesys/types.js';
import { GovernorStoppedError } from '../governor/index.js';
import { planRoutingCalls, type RoutingCall, type RoutingPlan } from '../plan/index.js';
import { escapeControls } from '../text.js';
import { drainWithProgress, type EngineCounters } from './engine.js';
import type { JournaledCall } from './journal.js';
import { forEachPooled, poolSize } from './pool.js';
import { readOwnMembers, recheckDivisions, recheckGrants } from './recheck.js';
import { type ItemCall, ItemsRecheck, itemsKindOf, judgeItems } from './recheck-items.js';
import { MEMBERSHIP_ADAPTERS } from './routing-adapters.js';
import { describeFailure, itemGone, participants, sendCall } from './routing-send.js';
import { APPLY_SLICE, routingCallCount, slices } from './routing-slices.js';
import {
  GONE,
  type RoutingEngineDeps,
  type RoutingOutcome,
  type RoutingRowResult,
  type RoutingWork,
  type RowState,
  type RunState,
} from './routing-state.js';

export type { RoutingEngineDeps, RoutingOutcome, RoutingRowResult, RoutingWork } from './routing-state.js';

/**
 * Applies the routing of every row through the governor, `slice` rows at a time (the next slice starts when the
 * last one's calls are done): a 100,000-row run never holds every row's calls and state at once (issue #12). The calls are planRoutingCalls's: each user's own writes
 * (skills, languages, grants) run one after another in their order, in one lane per user, since a skills PUT must
 * land before the PATCHes that complete it and grants come before revocations; each queue-members and division call
 * is a lane of its own. A failed call stops the rest of its lane (a revocation must not follow a failed grant).
 *
 * Each call is journaled (durable, with its whole body and the before-values of the diffs it realises) just before
 * its first attempt, and its outcome after; every routing call is idempotent (sets, not increments), so the
 * governor may retry it after a lost response. A row is settled (`routed` in the journal) when all its calls are
 * done or one failed.
 */
export async function applyRouting(
  deps: RoutingEngineDeps,
  work: Iterable<RoutingWork>,
  counters: EngineCounters,
  slice = APPLY_SLICE,
): Promise<Map<number, RoutingOutcome>> {
  const { total } = routingCallCount(work, slice);
  const results = new Map<number, RoutingOutcome>();
  const run: RunState = {
    seq: deps.firstSeq,
    done: 0,
    failed: 0,
    collectedAt: 0,
    memberReads: new Map(),
    rows: new Map(),
  };
  deps.progress.start(total, 'Applying routing and access');
  const all = async () => {
    for (const part of slices(work, slice)) {
      if (deps.stopSignal?.aborted) return;
      await applySlice(deps, part, run, results);
    }
  };
  try {
    await drainWithProgress(all(), 'routing calls', {
      ...deps,
      tick: () => deps.progress.update({ done: run.done, total, failed: run.failed, ...counters }),
    });
  } finally {
    await deps.journal.flush();
  }
  for (const w of work) {
    if (results.has(w.rowNumber)) continue;
    // A row of the slice the stop caught, or of one not started.
    const state = run.rows.get(w.rowNumber);
    results.set(w.rowNumber, { interrupted: true, inFlight: state !== undefined && state.open > 0 });
  }
  return results;
}

/** Applies the routing of one slice's rows, each call planned among the slice's. */
async function applySlice(
  deps: RoutingEngineDeps,
  work: readonly RoutingWork[],
  run: RunState,
  results: Map<number, RoutingOutcome>,
): Promise<void> {
  const rowOf = new Map(work.map((w) => [w.userId, w.rowNumber]));
  const calls = planRoutingCalls(work.map((w) => ({ userId: w.userId, plan: w.plan })));
  const rows = new Map<number, RowState>(
    work.map((w) => [w.rowNumber, { userId: w.userId, remaining: 0, attempts: 0, sent: 0, open: 0, settled: false }]),
  );
  run.rows = rows;
  const lanes = new Map<string, RoutingCall[]>();
  for (const [i, call] of calls.entries()) {
    for (const userId of participants(call)) rows.get(rowOf.get(userId)!)!.remaining++;
    // A versioned entity's calls (a group's) run in turn, each with the version the one before left.
    const lane =
      'userId' in call
        ? `user:${call.userId}`
        : call.kind === 'members' && MEMBERSHIP_ADAPTERS[call.of].write.apply !== undefined
          ? `${call.of}:${call.entityId}`
          : `call:${i}`;
    lanes.set(lane, [...(lanes.get(lane) ?? []), call]);
  }
  const { journal, stopSignal } = deps;

  const settle = (rowNumber: number, result: RoutingRowResult) => {
    const state = rows.get(rowNumber)!;
    if (state.settled) return;
    state.settled = true;
    results.set(rowNumber, result);
    void journal
      .append({
        t: 'routed',
        at: new Date().toISOString(),
        row: rowNumber,
        userId: state.userId,
        // Settled either way: a row none of whose calls was needed is done too; one to do again is failed.
        status: result.status === 'failed' || result.status === 'not_found' ? 'failed' : 'updated',
        ...(result.failure ? { errorCode: result.failure.code, message: result.failure.message } : {}),
      })
      .catch((err) => deps.log.error({ err: String(err) }, 'could not write the journal'));
  };

  const noted = (state: RowState) => ({
    attempts: state.attempts,
    ...(state.conflict !== undefined ? { conflict: state.conflict } : {}),
    ...(state.keptFields !== undefined ? { keptFields: state.keptFields } : {}),
  });
  const settleFailed = (rowNumber: number, status: 'failed' | 'not_found' = 'failed') => {
    const state = rows.get(rowNumber)!;
    settle(rowNumber, { status, failure: state.failure, ...noted(state) });
  };
  const settleDone = (rowNumber: number) => {
    const state = rows.get(rowNumber)!;
    const status = state.sent > 0 ? 'updated' : state.keptFields !== undefined ? 'skipped' : 'unchanged';
    settle(rowNumber, { status, ...noted(state) });
  };

  /** Someone else's value kept (a rollback), or overwritten by the file's with a note (recheck.ts). */
  const noteForeign = (state: RowState, field: string, now: string | null, fileValue: string | null) => {
    const show = (v: string | null) => (v === null ? '(none)' : JSON.stringify(v));
    const note = `${field} was set to ${show(now)} by someone else after the plan; the file's value (${show(fileValue)}) was applied`;
    state.conflict = state.conflict === undefined ? note : `${state.conflict}; ${note}`;
  };

  /** A user's own call not sent after its re-read: nothing left to change, or (`failure`) the row fails. */
  const dropUserCall = (rowNumber: number, failure?: { code: string; message: string }) => {
    const state = rows.get(rowNumber)!;
    run.done++;
    state.remaining--;
    if (failure === undefined) {
      if (state.remaining === 0) settleDone(rowNumber);
      return true;
    }
    run.failed++;
    state.failure ??= failure;
    settleFailed(rowNumber, failure === GONE ? 'not_found' : 'failed');
    return false;
  };

  let moves: Map<string, RoutingPlan['division']> | undefined;
  /**
   * A division move's users as they are now (recheck.ts): those deleted since the plan fail, those already
   * where the file puts them need nothing, and those someone else moved elsewhere are moved with a note, or (a
   * rollback) left with one. The call that is left, or, when no user needs it, whether the check went well.
   */
  const recheckMove = async (call: Extract<RoutingCall, { kind: 'division-move' }>) => {
    moves ??= new Map(work.map((w) => [w.userId, w.plan.division]));
    const planOf = moves;
    const verdicts = await recheckDivisions(
      deps.users,
      deps.governor,
      call.divisionId,
      call.userIds,
      (id) => planOf.get(id)?.fromId,
    );
    const dropped: { userId: string; failure?: { code: string; message: string } }[] = [];
    if (verdicts.failure !== undefined) {
      const failure = {
        code: verdicts.failure.code ?? verdicts.failure.kind,
        message: `Reading the users again before moving them (GET /api/v2/users?id=…) failed, so none was moved: ${verdicts.failure.message} \`--resume\` reads them again and moves them.`,
      };
      for (const userId of call.userIds) dropped.push({ userId, failure });
    }
    for (const userId of verdicts.gone) {
      dropped.push({
        userId,
        failure: { code: 'not_found', message: 'the user no longer exists (deleted after the plan); not moved' },
      });
    }
    for (const userId of verdicts.already) dropped.push({ userId });
    const target = planOf.get(call.userIds[0]!)?.diff.after ?? call.divisionId;
    for (const [userId, now] of verdicts.foreign) {
      const state = rows.get(rowOf.get(userId)!)!;
      if (deps.keepForeignEdits) {
        state.keptFields = [...(state.keptFields ?? []), { field: 'division', now }];
        dropped.push({ userId });
      } else noteForeign(state, 'division', now, target);
    }
    // The read is shared by the call's users, as the call is: it counts for each.
    for (const userId of call.userIds) rows.get(rowOf.get(userId)!)!.attempts += verdicts.attempts;
    for (const { userId, failure } of dropped) {
      const rowNumber = rowOf.get(userId)!;
      const state = rows.get(rowNumber)!;
      state.remaining--;
      if (failure !== undefined) {
        state.failure ??= failure;
        settleFailed(
          rowNumber,
          failure.code === 'not_found' && verdicts.failure === undefined ? 'not_found' : 'failed',
        );
      } else if (state.remaining === 0) settleDone(rowNumber);
    }
    const leaving = new Set(dropped.map((d) => d.userId));
    const left = call.userIds.filter((id) => !leaving.has(id));
    // The journal's before-value is where the move found the user, as a PATCH's is the user it was sent against:
    // a rollback puts back the other admin's division, not the one the plan saw.
    const realises = call.realises
      .filter((r) => !leaving.has(r.userId))
      .map((r) => {
        const now = verdicts.foreign.get(r.userId);
        return now === undefined ? r : { ...r, diffs: r.diffs.map((d) => ({ ...d, before: now })) };
      });
    if (left.length > 0) return { ...call, userIds: left, realises };
    // No user left to move: the call is done (or failed) without being sent.
    run.done++;
    if (verdicts.failure !== undefined) run.failed++;
    return verdicts.failure === undefined;
  };

  /**
   * A grant or revocation narrowed to what still changes the user (recheck.ts); when nothing does, whether the
   * row may go on (its user still exists and could be read).
   */
  const justRead = new Set(work.filter((w) => w.justRead).map((w) => w.userId));
  const narrowGrants = async (call: Extract<RoutingCall, { kind: 'grants-add' | 'grants-remove' }>) => {
    if (justRead.has(call.userId)) return call;
    const rowNumber = rowOf.get(call.userId)!;
    const state = rows.get(rowNumber)!;
    const r = await recheckGrants(
      deps.port,
      deps.governor,
      call.userId,
      call.body.grants,
      call.kind === 'grants-remove',
    );
    state.attempts += r.attempts;
    if ('keep' in r && r.keep.length > 0) {
      if (r.keep.length === call.body.grants.length) return call;
      const diffs = call.realises[0]!.diffs;
      return {
        ...call,
        body: { grants: r.keep.map((i) => call.body.grants[i]!) },
        realises: [{ userId: call.userId, diffs: r.keep.map((i) => diffs[i]!) }],
      };
    }
    if ('keep' in r) return dropUserCall(rowNumber);
    return dropUserCall(
      rowNumber,
      'gone' in r
        ? GONE
        : {
            code: r.failure.code ?? r.failure.kind,
            message: `Reading the user's roles again before changing them (GET /api/v2/authorization/subjects/{id}) failed, so none was changed: ${r.failure.message} \`--resume\` reads them again and changes them.`,
          },
    );
  };

  /**
   * A skills or languages call narrowed to what still changes the user, its before-values as found just before
   * it (recheck-items.ts); when nothing is left, whether the row may go on.
   */
  const items = new ItemsRecheck(
    { users: deps.users, port: deps.port, executor: deps.governor },
    calls.flatMap((c) => {
      const kind = itemsKindOf(c);
      return kind !== undefined && 'userId' in c && !justRead.has(c.userId) ? [{ userId: c.userId, kind }] : [];
    }),
  );
  const narrowItems = async (call: ItemCall) => {
    if (justRead.has(call.userId)) return call;
    const rowNumber = rowOf.get(call.userId)!;
    const state = rows.get(rowNumber)!;
    const kind = itemsKindOf(call)!;
    const r = await items.now(call.userId, kind);
    state.attempts += r.attempts;
    if ('gone' in r) return dropUserCall(rowNumber, GONE);
    if ('failure' in r) {
      return dropUserCall(rowNumber, {
        code: r.failure.code ?? r.failure.kind,
        message: `Reading the user's ${kind} again before changing them (${r.route}) failed, so none was changed: ${r.failure.message} \`--resume\` reads them again and changes them.`,
      });
    }
    const verdict = judgeItems(call, r.items, deps.keepForeignEdits);
    for (const f of verdict.foreign) {
      if (deps.keepForeignEdits) state.keptFields = [...(state.keptFields ?? []), { field: f.field, now: f.now }];
      else noteForeign(state, f.field, f.now, f.after);
    }
    return verdict.call ?? dropUserCall(rowNumber);
  };

  /** A queue members call narrowed to the users it still changes (recheck.ts); when none is left, true. */
  const memberReads = run.memberReads;
  const narrowMembers = async (call: Extract<RoutingCall, { kind: 'members' }>) => {
    if (call.userIds.every((id) => justRead.has(id))) return call;
    const key = `${call.of}\u0000${call.entityId}`;
    let read = memberReads.get(key);
    if (read === undefined) {
      read = readOwnMembers(deps.port, deps.governor, call.of, call.entityId);
      memberReads.set(key, read);
      const { attempts } = await read;
      for (const id of call.userIds) rows.get(rowOf.get(id)!)!.attempts += attempts;
    }
    const r = await read;
    // A read that failed tells nothing: the call goes as planned, and its own outcome settles the rows.
    if ('failure' in r) return call;
    const keep = new Set(call.userIds.filter((id) => justRead.has(id) || r.own.has(id) === call.remove));
    if (keep.size === call.userIds.length) return call;
    for (const id of call.userIds) {
      if (keep.has(id)) continue;
      const rowNumber = rowOf.get(id)!;
      if (--rows.get(rowNumber)!.remaining === 0) settleDone(rowNumber);
    }
    if (keep.size > 0) {
      const realises = call.realises.filter((x) => keep.has(x.userId));
      return { ...call, userIds: realises.map((x) => x.userId), realises };
    }
    run.done++;
    return true;
  };

  /** Sends one call; false when it failed (or the run stopped), so that its lane goes no further. */
  const send = async (planned: RoutingCall): Promise<boolean> => {
    let call = planned;
    // Writes that carry no version are checked against the platform just before they go (recheck.ts).
    const recheck = (c: RoutingCall) => {
      if (c.kind === 'division-move') return recheckMove(c);
      if (c.kind === 'grants-add' || c.kind === 'grants-remove') return narrowGrants(c);
      if (itemsKindOf(c) !== undefined) return narrowItems(c as ItemCall);
      if (c.kind === 'members' && MEMBERSHIP_ADAPTERS[c.of].write.apply === undefined) return narrowMembers(c);
      return undefined;
    };
    const checking = recheck(call);
    if (checking !== undefined) {
      try {
        const left = await checking;
        if (typeof left === 'boolean') return left;
        call = left;
      } catch (err) {
        if (err instanceof GovernorStoppedError && stopSignal?.aborted) return false;
        throw err;
      }
    }
    const mySeq = run.seq++;
    const users = participants(call);
    let journaled = false;
    let attempts = 0;
    let outcome: ApiOutcome<unknown>;
    /** Of a members call that failed part-way, the users it did not write; the others' changes were made. */
    let failedIds: ReadonlySet<string> | undefined;
    let conflict: string | undefined;
    const journalOnce = async () => {
      // The governor calls this for every attempt; the call is journaled once, before the first.
      if (!journaled) {
        const { realises, ...body } = call;
        await journal.append({
          t: 'call',
          at: new Date().toISOString(),
          seq: mySeq,
          call: body as JournaledCall,
          realises: realises.map((r) => ({ row: rowOf.get(r.userId)!, userId: r.userId, diffs: r.diffs })),
        });
        journaled = true;
        for (const u of users) rows.get(rowOf.get(u)!)!.open++;
      }
    };
    try {
      const apply = call.kind === 'members' ? MEMBERSHIP_ADAPTERS[call.of].write.apply : undefined;
      if (call.kind === 'members' && apply !== undefined) {
        const r = await apply(
          { port: deps.port, executor: deps.governor, beforeAttempt: journalOnce },
          call.entityId,
          call.userIds,
          call.remove,
        );
        outcome = r.outcome;
        attempts = r.attempts;
        if (r.failedIds !== undefined) failedIds = new Set(r.failedIds);
        if (r.conflicts.length > 0) {
          const last = r.conflicts[r.conflicts.length - 1]!;
          // The diffs name the entity as the catalogue does (`group:Sales Team`).
          const field = call.realises[0]?.diffs[0]?.field ?? '';
          const name = field.includes(':') ? field.slice(field.indexOf(':') + 1) : call.entityId;
          conflict = `${call.of} ${JSON.stringify(name)} changed after it was read (version ${r.conflicts[0]!.sent} → ${last.found}: another admin, or a write of this run whose answer was lost); it was read again and the change re-applied, keeping the other members`;
          deps.log.warn({ [call.of]: call.entityId, conflicts: r.conflicts.length }, escapeControls(conflict));
        }
      } else {
        const r = await deps.governor.execute(async () => {
          await journalOnce();
          return sendCall(deps.port, call);
        });
        outcome = r.outcome;
        attempts = r.attempts;
      }
    } catch (err) {
      // Stopped before an attempt could start: the call stays open (journaled or not) and a resume settles it.
      if (err instanceof GovernorStoppedError && stopSignal?.aborted) return false;
      throw err;
    }
    if (
      !outcome.ok &&
      (call.kind === 'language-delete' || call.kind === 'skill-delete') &&
      outcome.kind === 'not_found'
    ) {
      // A retried DELETE whose first response was lost meets a 404: the item may be gone because of it.
      const check =
        call.kind === 'skill-delete'
          ? await itemGone(deps.governor, call.skillId, (page) => deps.port.getUserRoutingSkills(call.userId, page))
          : await itemGone(deps.governor, call.languageId, (page) =>
              deps.port.getUserRoutingLanguages(call.userId, page),
            );
      attempts += check.attempts;
      if (check.gone) outcome = { ok: true, status: 204, body: undefined, rateLimit: {}, latencyMs: 0 };
    }
    const failure = outcome.ok ? undefined : describeFailure(call, outcome);
    void journal
      .append({
        t: 'call-outcome',
        at: new Date().toISOString(),
        seq: mySeq,
        status: failure ? 'failed' : 'done',
        attempts,
        ...(failure ? { errorCode: failure.code, message: failure.message } : {}),
      })
      .catch((err) => deps.log.error({ err: String(err) }, 'could not write the journal'));
    run.done++;
    if (failure) run.failed++;
    for (const u of users) {
      const rowNumber = rowOf.get(u)!;
      const state = rows.get(rowNumber)!;
      state.open--;
      state.remaining--;
      state.sent++;
      state.attempts += attempts;
      if (conflict !== undefined) state.conflict ??= conflict;
      if (failure && (failedIds === undefined || failedIds.has(u))) {
        state.failure ??= failure;
        settleFailed(rowNumber);
      } else if (state.remaining === 0) settleDone(rowNumber);
    }
    return failure === undefined;
  };

  /** A lane's calls in turn; a failed one stops the lane. */
  const runLane = async (lane: RoutingCall[]) => {
    for (const call of lane) {
      if (stopSignal?.aborted) return;
      if (!(await send(call))) return;
      // Each call leaves garbage V8 would let fill its heap to a multiple of what is live (see collect.ts).
      if (deps.collect && run.done - run.collectedAt >= deps.collect.every) {
        run.collectedAt = run.done;
        void deps.collect.run();
      }
    }
  };

  await forEachPooled(lanes.values(), poolSize(deps.governor, deps.maxConcurrency * 2), runLane, stopSignal);
  for (const w of work) {
    if (!results.has(w.rowNumber)) {
      const state = rows.get(w.rowNumber)!;
      // A row whose plan needs no call (it cannot happen: every diff has one) is done.
      if (state.remaining === 0 && !stopSignal?.aborted) results.set(w.rowNumber, { status: 'updated', attempts: 0 });
      else results.set(w.rowNumber, { interrupted: true, inFlight: state.open > 0 });
    }
  }
}
