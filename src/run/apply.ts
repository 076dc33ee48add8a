import type { ApiFailure, GenesysUser, UserPatch } from '../genesys/types.js';
import type { ManagerRef, ProfileChanges } from '../input/index.js';
import { holdsValue, parseField, sameValue } from '../plan/fields.js';
import { type FieldDiff, planUserChange } from '../plan/index.js';
import type { LocationContext } from '../plan/profile-lists.js';
import type { Executor, UsersPort } from './ports.js';
import { afterWrite, EXTENSION_PERMISSION, setsExtension } from './profile-fields.js';

/** Genesys's own Terraform provider re-reads and re-applies up to 10 times on a version conflict. */
export const MAX_CONFLICT_ROUNDS = 10;

export interface ApplyDeps {
  users: UsersPort;
  executor: Executor;
  managerId: (ref: ManagerRef) => string | undefined;
  /** Location names and ids, for rows with a `locations` column. */
  locations?: LocationContext;
  signal?: AbortSignal;
  /**
   * Called once per write, when the governor lets it start and just before it is sent, with the user as last
   * read and what the write changes; the write waits for it, so that a journal can make the before-values
   * durable first. Called at the start rather than when the write is queued, so that a journaled intent means
   * "this write may have reached the platform", not "this write was waiting its turn".
   */
  beforeWrite?: (user: GenesysUser, patch: UserPatch, diffs: FieldDiff[]) => void | Promise<void>;
}

export interface ApplyOptions {
  /**
   * The diffs of the original plan, when `planned` is a later read (a resume): foreign edits are judged against
   * them, and they are what the result reports.
   */
  baseline?: FieldDiff[];
  /** An earlier attempt journaled a write for this row: finding nothing left to do means it landed. */
  wroteBefore?: boolean;
  /**
   * Leave a field that someone else changed since the plan as they left it, instead of writing the row's value
   * over it (a rollback restores only what still holds the run's value).
   */
  keepForeignEdits?: boolean;
}

export type ApplyStatus = 'updated' | 'unchanged' | 'failed' | 'not_found' | 'skipped';

export interface ApplyResult {
  status: ApplyStatus;
  /** The user as last known after the writes (or the last read). */
  user: GenesysUser;
  /** Diffs against the user as planned: what this row changed. */
  diffs: FieldDiff[];
  /** HTTP attempts spent on this row's writes and re-reads. */
  attempts: number;
  /** Writes the platform confirmed. */
  writes: number;
  conflictRounds: number;
  /** Fields another admin changed between the plan and the write, with their value then. */
  conflict?: string;
  /** With `keepForeignEdits`: the fields left as someone else set them, and why. */
  kept?: string;
  /** The same fields, by name with their value now, for counting. */
  keptFields?: { field: string; now: string | null }[];
  failure?: ApiFailure;
}

/**
 * Applies one row's changes to one user: PATCH with the current version and only the changed fields, then
 * `state` on its own. On a version conflict it re-reads the user and re-plans against the fresh state, so a
 * field the row does not touch is never overwritten, and a write whose response was lost (so that its retry
 * met a conflict) is recognised as done rather than applied twice.
 */
export async function applyUserChange(
  deps: ApplyDeps,
  planned: GenesysUser,
  changes: ProfileChanges,
  options: ApplyOptions = {},
): Promise<ApplyResult> {
  const plan = (user: GenesysUser) => planUserChange(user, changes, { ...deps.locations, managerId: deps.managerId });
  const plannedDiffs = options.baseline ?? plan(planned).diffs;
  let current = planned;
  let attempts = 0;
  let writes = 0;
  /** Whether a write of this row is known to be in effect (confirmed, or seen by a re-read after a lost response). */
  let landed = false;
  let conflictRounds = 0;
  const conflicts = new Map<string, string | null>();
  const kept = new Map<string, string | null>();
  const result = (status: ApplyStatus, failure?: ApiFailure): ApplyResult => ({
    status,
    user: current,
    diffs: plannedDiffs,
    attempts,
    writes,
    conflictRounds,
    conflict: conflicts.size
      ? [...conflicts]
          .map(
            ([field, value]) =>
              `${field} was ${describe(value)} by someone else after the plan; the file's value was applied`,
          )
          .join('; ')
      : undefined,
    kept: kept.size
      ? `changed by someone else after the plan, left as is: ${[...kept].map(([f, v]) => `${f} is now ${v === null ? '(none)' : JSON.stringify(v)}`).join('; ')}`
      : undefined,
    ...(kept.size ? { keptFields: [...kept].map(([field, now]) => ({ field, now })) } : {}),
    failure,
  });
  /** Notes what someone else changed since the plan; with `keepForeignEdits`, stops writing those fields. */
  const judge = (user: GenesysUser) => {
    const foreign = foreignEdits(plannedDiffs, plan(user).diffs);
    if (!options.keepForeignEdits) {
      for (const [field, value] of foreign) conflicts.set(field, value);
      return;
    }
    for (const [field, value] of foreign) {
      kept.set(field, value);
      changes = withoutField(changes, field);
    }
  };
  // A later read than the plan (a resume) may already hold someone else's edits.
  if (options.baseline) judge(current);

  for (;;) {
    const next = plan(current);
    if (next.diffs.length === 0) {
      if (landed || (options.wroteBefore && kept.size === 0)) return result('updated');
      return result(kept.size > 0 ? 'skipped' : 'unchanged');
    }
    const body: UserPatch = next.patch
      ? { ...next.patch, version: current.version }
      : { version: current.version, state: next.state };
    // The profile PATCH goes first; `state` follows in a PATCH of its own.
    const sentDiffs = next.diffs.filter((d) => (d.field === 'state') === (next.patch === undefined));
    const readAs = current;
    const userId = current.id;
    let journaled = false;
    const { outcome, attempts: a } = await deps.executor.execute(
      async () => {
        // The governor calls this for every attempt; the intent is journaled once, before the first.
        if (!journaled) {
          await deps.beforeWrite?.(readAs, body, sentDiffs);
          journaled = true;
        }
        return deps.users.patchUser(userId, body);
      },
      { signal: deps.signal },
    );
    attempts += a;
    if (outcome.ok) {
      writes++;
      landed = true;
      current = afterWrite(readAs, outcome.body, body);
      const sentFields = new Set(sentDiffs.map((d) => d.field));
      const left = plan(current).diffs.filter((d) => sentFields.has(d.field));
      // An address the platform stores in a case of its own was written all the same: not to be sent again.
      for (const d of left) if (holdsValue(d.field, d.before, d.after)) changes = withoutField(changes, d.field);
      const stuck = left.filter((d) => !holdsValue(d.field, d.before, d.after));
      if (stuck.length > 0) {
        // The platform accepted the write but kept the old value: sending it again would loop forever.
        return result('failed', {
          ok: false,
          kind: 'invalid',
          status: outcome.status,
          code: 'not.applied',
          message: `the platform accepted the write but ${stuck.map((d) => d.field).join(', ')} kept the old value; check the value, or make the change in the admin UI`,
          rateLimit: outcome.rateLimit,
          latencyMs: outcome.latencyMs,
        });
      }
      continue;
    }
    // A success of the wrong shape says nothing of the user either: the write may well have landed.
    const fateUnknown = outcome.kind === 'network' || outcome.kind === 'timeout' || outcome.kind === 'unexpected';
    if (outcome.kind !== 'conflict' && !fateUnknown) {
      return result(outcome.kind === 'not_found' ? 'not_found' : 'failed', withPermissionHint(outcome, sentDiffs));
    }
    // A version conflict, or a write whose response never came (the governor's retries are spent): the truth
    // is on the server, so read it and plan again.
    if (outcome.kind === 'conflict' && ++conflictRounds > MAX_CONFLICT_ROUNDS) return result('failed', outcome);
    const reread = await deps.executor.execute(() => deps.users.getUser(userId), { signal: deps.signal });
    attempts += reread.attempts;
    if (!reread.outcome.ok) {
      return result(reread.outcome.kind === 'not_found' ? 'not_found' : 'failed', reread.outcome);
    }
    if (outcome.kind === 'conflict' && reread.outcome.body.version === body.version) {
      // The version we sent was current, so the 409 is about something else (e.g. an e-mail another user has):
      // re-applying would meet it again.
      current = reread.outcome.body;
      const says = /The platform says: .*$/.exec(outcome.message)?.[0] ?? '';
      return result('failed', {
        ...outcome,
        message:
          `the platform refused the change (HTTP ${outcome.status}${outcome.code ? ` ${outcome.code}` : ''}) even ` +
          'though the version sent was current: check the values (e.g. an email address another user has). ' +
          `Not retried. ${says}`.trim(),
      });
    }
    current = reread.outcome.body;
    const fresh = new Set(plan(current).diffs.map((d) => d.field));
    // Every field the write set now holds its value: the write landed and only its response was lost (a retry
    // of it then met a conflict with itself).
    if (sentDiffs.every((d) => !fresh.has(d.field))) landed = true;
    judge(current);
    // The lost write did not land and the platform is not answering: give up on this row rather than loop.
    if (fateUnknown && plan(current).diffs.length > 0) return result('failed', outcome);
  }
}

/** A refused write that sets an extension says which permission that takes, whether or not the platform named it. */
function withPermissionHint(failure: ApiFailure, sent: readonly FieldDiff[]): ApiFailure {
  if (failure.kind !== 'permission' || !setsExtension(sent) || failure.message.includes(EXTENSION_PERMISSION))
    return failure;
  return {
    ...failure,
    message: `${failure.message} Setting an extension (${sent
      .filter((d) => d.after?.startsWith('ext '))
      .map((d) => d.field)
      .join(', ')}) needs ${EXTENSION_PERMISSION} besides directory:user:edit.`,
  };
}

const describe = (value: string | null) => (value === null ? 'cleared' : `set to ${JSON.stringify(value)}`);

/**
 * A field whose current value is neither the value planned against (its "before") nor the row's target was
 * changed by someone else in between: its current value, by field.
 */
function foreignEdits(planned: FieldDiff[], fresh: FieldDiff[]): Map<string, string | null> {
  const freshByField = new Map(fresh.map((d) => [d.field, d]));
  const found = new Map<string, string | null>();
  for (const p of planned) {
    const f = freshByField.get(p.field);
    if (f && !sameValue(p.field, f.before, p.before)) found.set(p.field, f.before);
  }
  return found;
}

/** The changes without the one for `field` (a diff field name, as in plan/fields). */
export function withoutField(changes: ProfileChanges, field: string): ProfileChanges {
  const ref = parseField(field);
  const next: ProfileChanges = { ...changes };
  switch (ref.kind) {
    case 'text':
      delete next[ref.name];
      break;
    case 'manager':
      delete next.manager;
      break;
    case 'state':
      delete next.state;
      break;
    case 'autoAnswer':
      delete next.acdAutoAnswer;
      break;
    case 'list':
      delete next[ref.name];
      if (ref.name === 'locations') delete next.restoreLocations;
      break;
    case 'employer': {
      const { [ref.name]: _gone, ...rest } = next.employerInfo ?? {};
      next.employerInfo = rest;
      break;
    }
    case 'phone': {
      const { [ref.name]: _gone, ...rest } = next.phones ?? {};
      next.phones = rest;
      if (next.clearExtensions) next.clearExtensions = next.clearExtensions.filter((t) => t !== ref.name);
      if (next.restorePhones) {
        next.restorePhones = { ...next.restorePhones, types: next.restorePhones.types.filter((t) => t !== ref.name) };
      }
      break;
    }
  }
  return next;
}
