/**
 * A row that gives its user an email address another user already has: the platform refuses the PATCH (409 or 400,
 * which is unconfirmed), and only once the rest of the file has been written. Found before anything is written: the
 * new addresses are looked up once (a search per 100, or the listing where that is fewer calls), and each taken one
 * is a problem of the row, in its `email` (or `newEmail`) column.
 */
import type { GenesysUser } from '../genesys/types.js';
import type { InputRow } from '../input/index.js';
import { type RowProblem, rowProblem } from './checks.js';
import { type ResolveDeps, resolveUsers, UserIndex } from './resolve.js';

/** The column a row's new address is in: `email` in a row keyed by id, `newEmail` in one keyed by email. */
const emailColumn = (row: InputRow): string => (row.key.kind === 'id' ? 'email' : 'newEmail');

/** `rows`: those that give their user a new address (IncrementalPlanner.rowsChangingEmail). */
export async function checkNewEmails(
  deps: ResolveDeps,
  rows: readonly InputRow[],
  userIdOf: (row: InputRow) => string | undefined,
): Promise<RowProblem[]> {
  /** The rows that change their user's address, by the address they give (lower-cased, as the platform compares). */
  const giving = new Map<string, InputRow[]>();
  /** The same rows by the user whose address they change. */
  const changing = new Map<string, InputRow>();
  for (const row of rows) {
    const email = row.changes.email;
    const userId = userIdOf(row);
    if (email === undefined || userId === undefined) continue;
    const key = email.toLowerCase();
    const givers = giving.get(key);
    if (givers === undefined) giving.set(key, [row]);
    else givers.push(row);
    changing.set(userId, row);
  }
  if (giving.size === 0) return [];
  const owner = (u: GenesysUser) => ({ id: u.id, email: u.email, state: u.state }) as GenesysUser;
  const owners = new UserIndex(owner);
  await resolveUsers({ ...deps, project: owner }, new Set(), new Set(giving.keys()), owners);
  const problems: RowProblem[] = [];
  for (const [email, givers] of giving) {
    const holder = owners.byEmail.get(email);
    if (holder === undefined) continue;
    for (const row of givers) {
      // Its own address (another spelling of it): no other user is in the way.
      if (userIdOf(row) === holder.id) continue;
      const other = changing.get(holder.id);
      const detail =
        other === undefined
          ? `${JSON.stringify(row.changes.email)} is already the email address of another user (${holder.id}); two users cannot share an email address`
          : `${JSON.stringify(row.changes.email)} is the email address of the user of row ${other.rowNumber}, which this file changes too: the platform refuses this write until that one is made, and writes run in no set order; give the address to this user in a later run`;
      problems.push(rowProblem(row, emailColumn(row), detail, { code: 'email_taken' }));
    }
  }
  return problems;
}
