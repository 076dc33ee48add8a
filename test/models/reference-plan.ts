import type { GenesysUser } from '../../src/genesys/types.js';
import type { InputRow, InvalidRow, ManagerRef, RowKey } from '../../src/input/index.js';
import {
  type Plan,
  type PlannedRow,
  planRowAgainst,
  rejectedRow,
  rowKeyString,
  summarise,
} from '../../src/plan/plan.js';

/*
 * The plan of a whole file against every user at once: the plain model that the product's IncrementalPlanner, which
 * plans rows as their users are read, must agree with (test/plan/incremental.test.ts). Kept in the tests because
 * the CLI plans incrementally; the unit tests in plan.test.ts pin down what the model itself says.
 */

export interface BuildPlanInput {
  rows: readonly InputRow[];
  /** The users read for these rows; others are ignored, deleted users are never matched. */
  users: readonly GenesysUser[];
  managerId: (ref: ManagerRef) => string | undefined;
  /** Rows the input layer rejected, carried into the plan as `invalid` so that it accounts for every row. */
  rejected?: readonly InvalidRow[];
}

/**
 * Assembles the plan document: one planned row per input row, in row order, and a summary. The result is plain
 * JSON (no undefined values, no class instances), so that a saved plan reads back equal to the one built.
 * Throws on a programming error (an unresolved manager, two rows with the same row number).
 */
export function buildPlan(input: BuildPlanInput): Plan {
  const byId = new Map<string, GenesysUser>();
  const deletedIds = new Set<string>();
  for (const user of input.users) {
    if (user.state === 'deleted') {
      deletedIds.add(user.id.toLowerCase());
      continue;
    }
    // Ids are UUIDs, which the input lower-cases; matching case-insensitively costs nothing. A user read twice
    // (by a listing and a search) is one user.
    byId.set(user.id.toLowerCase(), user);
  }
  const byEmail = new Map<string, GenesysUser[]>();
  for (const user of byId.values()) {
    const email = user.email?.trim().toLowerCase();
    if (email) byEmail.set(email, [...(byEmail.get(email) ?? []), user]);
  }

  const seenRows = new Set<number>();
  const checkRowNumber = (n: number) => {
    if (seenRows.has(n)) throw new Error(`Row ${n} appears twice in the plan input.`);
    seenRows.add(n);
  };

  const planned: PlannedRow[] = [];
  for (const r of input.rejected ?? []) {
    checkRowNumber(r.rowNumber);
    planned.push(rejectedRow(r));
  }

  const claimedBy = new Map<string, number>();
  for (const row of [...input.rows].sort((a, b) => a.rowNumber - b.rowNumber)) {
    checkRowNumber(row.rowNumber);
    const base = { rowNumber: row.rowNumber, line: row.line, key: rowKeyString(row.key) };
    const found = findUser(row.key, byId, byEmail, deletedIds);
    if (!found.user) {
      planned.push({ ...base, status: found.status, diffs: [], note: found.note });
      continue;
    }
    const user = found.user;
    const withUser = { ...base, userId: user.id };
    const first = claimedBy.get(user.id);
    if (first !== undefined) {
      planned.push({ ...withUser, status: 'invalid', diffs: [], note: `duplicate of row ${first}` });
      continue;
    }
    claimedBy.set(user.id, row.rowNumber);
    planned.push(planRowAgainst(row, user, input.managerId));
  }

  planned.sort((a, b) => a.rowNumber - b.rowNumber);
  return { schemaVersion: 2, summary: summarise(planned), rows: planned };
}

type Lookup =
  | { user: GenesysUser; status?: undefined; note?: undefined }
  | { user?: undefined; status: 'not_found' | 'invalid'; note: string };

function findUser(
  key: RowKey,
  byId: ReadonlyMap<string, GenesysUser>,
  byEmail: ReadonlyMap<string, GenesysUser[]>,
  deletedIds: ReadonlySet<string>,
): Lookup {
  if (key.kind === 'id') {
    const id = key.id.trim().toLowerCase();
    const user = byId.get(id);
    if (user) return { user };
    return { status: 'not_found', note: deletedIds.has(id) ? 'the user is deleted' : 'no user with this id' };
  }
  const matches = byEmail.get(key.email.trim().toLowerCase()) ?? [];
  const [user] = matches;
  if (user === undefined) return { status: 'not_found', note: 'no user with this email' };
  if (matches.length > 1) {
    const ids = matches.map((u) => u.id).sort();
    return { status: 'invalid', note: `${matches.length} users have this email: ${ids.join(', ')}` };
  }
  return { user };
}
