/**
 * The rollback of a run that created users: each is deleted only where it is as the run left it (its version the
 * one journaled once its row was applied); a user someone changed since, or whose row the run never finished, is
 * left and reported.
 */
import type { GenesysUser } from '../genesys/types.js';
import type { PlannedRow } from '../plan/index.js';
import { escapeControls } from '../text.js';
import { createStates, readLifecycleJournal, type SavedDelete } from './lifecycle-journal.js';
import type { Part } from './outcome.js';

export interface CreatedUser {
  userId: string;
  /** The row of the run that created it. */
  row: number;
  /** The version journaled once the rest of its row was applied; undefined if the run never got there. */
  version?: number;
}

/**
 * The users a run created, by id, from its lifecycle journal: each row's latest, and `ever` every id a row of the run
 * created at some point (a resumed row may have created a second user after the first was deleted): the rollback
 * restores none of their fields.
 */
export async function createdByRun(dir: string): Promise<{ created: Map<string, CreatedUser>; ever: Set<string> }> {
  const created = new Map<string, CreatedUser>();
  const records = await readLifecycleJournal(dir);
  const ever = new Set(records.flatMap((r) => (r.t === 'created' || r.t === 'complete' ? [r.userId] : [])));
  for (const [row, state] of createStates(records)) {
    if (state.userId === undefined) continue;
    created.set(state.userId, {
      userId: state.userId,
      row,
      ...(state.completeVersion !== undefined ? { version: state.completeVersion } : {}),
    });
  }
  return { created, ever };
}

export interface Deletions {
  /** One planned row per created user: `delete`, or `unchanged` with why it is left (or that it is gone). */
  rows: PlannedRow[];
  items: SavedDelete[];
  /** The parts of the rows left, for the report. */
  prior: Map<number, Part>;
  left: { key: string; reason: string }[];
  /** Said after the plan: the users left and why. */
  notice: string;
}

const MAX_LISTED = 50;

/**
 * Plans the deletions of the users `created`, read now into `users` (a deleted user is not there), numbering their
 * rows from `firstRow`.
 */
export function planDeletions(
  runId: string,
  created: ReadonlyMap<string, CreatedUser>,
  users: { byId: ReadonlyMap<string, GenesysUser> },
  firstRow: number,
): Deletions {
  const rows: PlannedRow[] = [];
  const items: SavedDelete[] = [];
  const prior = new Map<number, Part>();
  const left: { key: string; reason: string }[] = [];
  const ordered = [...created.values()].sort((a, b) => a.row - b.row);
  for (const [i, c] of ordered.entries()) {
    const rowNumber = firstRow + i;
    const user = users.byId.get(c.userId);
    const key = user?.email ?? c.userId;
    const base = { rowNumber, line: c.row, key, userId: c.userId, diffs: [] };
    if (!user) {
      rows.push({ ...base, status: 'unchanged', note: 'created by the run and already deleted' });
      continue;
    }
    const leave = (reason: string, errorCode: string) => {
      rows.push({ ...base, status: 'unchanged', note: reason });
      prior.set(rowNumber, { status: 'skipped', attempts: 0, errorCode, message: reason, userId: c.userId });
      left.push({ key, reason });
    };
    if (c.version === undefined) {
      leave(
        `created by run ${runId}, which stopped before it finished this user: not deleted; resume that run and roll it back again, or delete the user in the admin UI`,
        'unfinished',
      );
      continue;
    }
    if (user.version !== c.version) {
      leave(
        `changed since run ${runId} created it (version ${user.version}, the run left it at ${c.version}): not deleted; delete it in the admin UI if it should go`,
        'changed_since',
      );
      continue;
    }
    rows.push({ ...base, status: 'delete', note: `created by run ${runId}`, baseVersion: user.version });
    items.push({ rowNumber, userId: c.userId, email: key, version: c.version });
  }
  const lines = left.slice(0, MAX_LISTED).map((l) => `    ${escapeControls(l.key)}: ${escapeControls(l.reason)}`);
  if (left.length > MAX_LISTED) lines.push(`    … ${left.length - MAX_LISTED} more`);
  const notice =
    left.length > 0 ? `Left as is, of the users run ${runId} created: ${left.length}:\n${lines.join('\n')}\n` : '';
  return { rows, items, prior, left, notice };
}
