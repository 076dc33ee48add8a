/**
 * Managers the same run creates (update --create): a row's `manager` may name by email a user that another row of
 * the file creates. That user has no id until it exists, so the plan carries a placeholder for it (`new:<email>`,
 * shown as such in the plan); creations run before every PATCH, and by then the placeholder resolves to the id the
 * platform gave. A manager whose creation failed leaves the rows that name it failed, with the reason, unwritten.
 */
import type { InputRow, ManagerRef } from '../input/index.js';
import { PlanError } from '../plan/index.js';
import type { ReportRecord } from '../report.js';
import type { SettledRow, WorkItem } from './engine.js';
import { filtered } from './iterables.js';
import type { SavedLifecycle } from './lifecycle-journal.js';

const PREFIX = 'new:';

/** What the plan holds for a manager this run creates. */
export const newManagerPlaceholder = (email: string): string => `${PREFIX}${email.trim().toLowerCase()}`;

/** The email a placeholder stands for; undefined for a real id. */
const emailOf = (id: string | undefined): string | undefined =>
  id?.startsWith(PREFIX) ? id.slice(PREFIX.length) : undefined;

/**
 * The manager emails, among those the rows name and the directory lacks, that one of `toCreate` (rows whose user
 * the run creates) has as its key.
 */
export function managersToCreate(
  refs: Iterable<ManagerRef>,
  known: (ref: ManagerRef) => string | undefined,
  toCreate: readonly InputRow[],
): string[] {
  const creating = new Set(toCreate.flatMap((r) => (r.key.kind === 'email' ? [r.key.email.trim().toLowerCase()] : [])));
  const out = new Set<string>();
  for (const ref of refs)
    if (ref.kind === 'email' && known(ref) === undefined && creating.has(ref.email.trim().toLowerCase()))
      out.add(ref.email.trim().toLowerCase());
  return [...out];
}

/** Ids of the users the run created (or found it had created), by lower-cased email. */
export type CreatedIds = Map<string, string>;

/** The users an earlier attempt of the run created, from what it settled (`prior`) and the saved creations. */
export function createdBefore(
  lifecycle: SavedLifecycle | undefined,
  prior: ReadonlyMap<number, { userId?: string }> | undefined,
): CreatedIds {
  const created: CreatedIds = new Map();
  if (lifecycle?.kind !== 'create') return created;
  for (const [row, part] of prior ?? []) {
    const spec = lifecycle.rows[String(row)];
    if (spec && part.userId !== undefined) created.set(spec.email.toLowerCase(), part.userId);
  }
  return created;
}

/** Why a row naming a manager this run was to create cannot be applied. */
export class ManagerNotCreatedError extends PlanError {
  constructor(email: string) {
    super(
      'manager_not_created',
      'manager',
      `the manager ${email} was to be created by this run, and was not (see that row): the manager is not set`,
    );
  }
}

/**
 * The saved plan's manager lookup with its placeholders resolved to the users created so far. A placeholder whose
 * user was not created throws ManagerNotCreatedError, a row problem: that row fails, the run goes on.
 */
export function resolvingNewManagers(
  lookup: (ref: ManagerRef) => string | undefined,
  created: CreatedIds,
): (ref: ManagerRef) => string | undefined {
  return (ref) => {
    const id = lookup(ref);
    const email = emailOf(id);
    if (email === undefined) return id;
    const made = created.get(email);
    if (made === undefined) throw new ManagerNotCreatedError(email);
    return made;
  };
}

/**
 * The items whose manager this run was to create and did not: settled as failed here, never sent (the engine takes
 * only rows it can plan). The others go on.
 */
export function withoutUncreatedManagers(
  items: Iterable<WorkItem>,
  managerId: (ref: ManagerRef) => string | undefined,
): { ready: Iterable<WorkItem>; failed: Map<number, SettledRow> } {
  const failed = new Map<number, SettledRow>();
  for (const item of items) {
    const ref = item.changes.manager;
    if (!ref) continue;
    try {
      managerId(ref);
    } catch (err) {
      if (!(err instanceof ManagerNotCreatedError)) throw err;
      failed.set(item.rowNumber, {
        status: 'failed',
        attempts: 0,
        writes: 0,
        conflictRounds: 0,
        failure: {
          ok: false,
          kind: 'invalid',
          code: 'manager_not_created',
          message: err.message,
          rateLimit: {},
          latencyMs: 0,
        },
      });
    }
  }
  // Re-read on each pass, as `items` is: a large run's items are made as they are needed, never held.
  const ready = failed.size === 0 ? items : filtered(items, (i) => !failed.has(i.rowNumber));
  return { ready, failed };
}

/** The report's manager changes with each placeholder replaced by the id of the user created for it. */
export function* withCreatedManagerIds(
  records: Iterable<ReportRecord>,
  created: ReadonlyMap<string, string>,
): Generator<ReportRecord> {
  for (const r of records) {
    if (
      created.size === 0 ||
      !r.changes.some((c) => c.field === 'manager' && emailOf(c.after ?? undefined) !== undefined)
    ) {
      yield r;
      continue;
    }
    const changes = r.changes.map((c) => {
      const email = c.field === 'manager' ? emailOf(c.after ?? undefined) : undefined;
      const id = email === undefined ? undefined : created.get(email);
      return id === undefined ? c : { ...c, after: id };
    });
    yield { ...r, changes };
  }
}
