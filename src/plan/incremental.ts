import type { GenesysUser } from '../genesys/types.js';
import type { HeldRows, InputRow, InvalidRow, ManagerRef } from '../input/index.js';
import { Packer } from '../input/packed.js';
import {
  changedPart,
  decodePlannedRow,
  encodePlannedRow,
  inactiveUserNote,
  PLAN_SCHEMA_VERSION,
  type Plan,
  type PlannedRow,
  type PlanSummary,
  type PlanView,
  planRowAgainst,
  rejectedRow,
  rowKeyString,
  summarise,
} from './plan.js';
import type { LocationContext } from './profile-lists.js';
import type { SavedContext } from './spreadsheet.js';
import { type TextList, TextStore, textList } from './text-store.js';

/** A plan with its rows held encoded (outside the heap), in row order: see encodePlannedRow. */
export interface EncodedPlan {
  summary: PlanSummary;
  rows: TextList;
}

/** The plan's rows decoded one at a time, each time they are read. */
export function viewOf(plan: EncodedPlan): PlanView {
  return { schemaVersion: PLAN_SCHEMA_VERSION, summary: plan.summary, rows: decodedRows(plan.rows) };
}

/** The whole plan as objects (tests compare plans whole). */
export function decodePlan(plan: EncodedPlan): Plan {
  return { schemaVersion: PLAN_SCHEMA_VERSION, summary: plan.summary, rows: Array.from(plan.rows, decodePlannedRow) };
}

/** The rows of `rows`, decoded one at a time as they are read. */
export function decodedRows(rows: Iterable<string>): Iterable<PlannedRow> {
  return {
    *[Symbol.iterator]() {
      for (const text of rows) yield decodePlannedRow(text);
    },
  };
}

export interface IncrementalPlannerOptions {
  /** Manager references the rows make: each is resolved from the users as they arrive. */
  managers?: Iterable<ManagerRef>;
  /**
   * Whether a later stage needs the row's user (its routing is read, or its PATCH is sent): only those users are
   * kept. `planned` is undefined for a row that cannot be planned until every manager is known.
   */
  keep?: (row: InputRow, planned: PlannedRow | undefined) => boolean;
  /** What of a kept user is kept, given its row and the row's plan (see `keep`). */
  project?: (user: GenesysUser, row: InputRow, planned: PlannedRow | undefined) => GenesysUser;
  /**
   * Each planned row with a user carries what it asked for (`changes`), as a run's saved plan does: a run takes the
   * plan's rows over as they are (run/compact.ts compactOver).
   */
  asked?: boolean;
  /**
   * Let go of each row once it is planned (a dry run needs only the plan). Refused when the rows mix ids and
   * emails: two such rows may name one user, and comparing their changes needs both rows.
   */
  release?: boolean;
  /** Location names and ids, for rows with a `locations` column. */
  locations?: LocationContext;
  /** The rows come from a CSV file, which a spreadsheet may have saved in its own forms (plan/spreadsheet.ts). */
  spreadsheet?: SavedContext;
  /** The run creates users (update --create): a row by email whose user is inactive says so (inactiveUserNote). */
  creates?: boolean;
}

/**
 * Plans rows against users as the users are read (a listing page, a batch by id or email), so that a user is
 * dropped once its row is planned instead of every user being held until the last read. The outcome is the
 * plan of every row against every user at once (the model in test/plan/reference-plan.ts), whatever order the
 * users come in.
 *
 * A row whose manager is not among the users read so far waits for `finish`: the manager may be read later.
 */
export class IncrementalPlanner {
  /** Row numbers by key (lower-cased id or email). */
  private readonly rowById = new Map<string, number>();
  private readonly rowByEmail = new Map<string, number>();
  /** Row numbers in row order. */
  private readonly order: number[] = [];
  /**
   * By row number: the row's entry in `inputs` (until released), its user's id and version, and its plan once made.
   * The rows are held as JSON text: as 100,000 objects they were a third of what is live while the users are read,
   * and V8 sizes the heap the writes start in from that (issue #12). Each read decodes a copy.
   */
  private readonly rowAt: (number | undefined)[] = [];
  private readonly inputs: TextStore;
  /** The row of an entry of `inputs`. */
  private readonly rowOf: (text: string) => InputRow;
  private readonly userOf: (string | undefined)[] = [];
  private readonly versionOf: number[] = [];
  /** By row number: the entry of its plan in `texts`, once planned. */
  private readonly planned: (number | undefined)[] = [];
  private readonly texts = new TextStore();
  /** Rows by email that more than one user has, with the other users' ids. */
  private readonly otherUsers = new Map<number, string[]>();
  /** Rows by id whose user was read as deleted. */
  private readonly deleted = new Set<number>();
  /**
   * Rows that give their user an address other than the one read (an export's email column gives the same): never
   * released, so that the check of the new addresses (run/email-owners.ts) sees them in a dry run too.
   */
  private readonly changingEmail = new Set<number>();
  /**
   * Kept users as JSON text in `texts`, by id: text is a few times smaller than the objects it decodes to, held
   * outside the heap it is not multiplied by V8's heap growth, and a 100,000-row apply keeps every user it writes
   * until its write (issue #12). Each `user()` decodes a copy.
   */
  private readonly kept = new Map<string, number>();
  private readonly wantedManagerIds = new Set<string>();
  private readonly wantedManagerEmails = new Set<string>();
  private readonly managerById = new Map<string, string>();
  private readonly managerByEmail = new Map<string, string>();
  private readonly keep: (row: InputRow, planned: PlannedRow | undefined) => boolean;
  private readonly project: (user: GenesysUser, row: InputRow, planned: PlannedRow | undefined) => GenesysUser;
  private readonly release: boolean;
  private readonly asked: boolean;
  private readonly locations: LocationContext;
  private readonly spreadsheet: SavedContext | undefined;
  private readonly creates: boolean;
  private users = 0;

  /** `rows` is read once, a row at a time (it may decode each as it is reached: input/collect.ts HeldRows). */
  constructor(rows: Iterable<InputRow>, opts: IncrementalPlannerOptions = {}) {
    let sorted = true;
    // Rows the input holds as text already are taken over as they are, not copied: a 100,000-row export held twice
    // was the peak of a dry run (issue #12).
    const held = (rows as HeldRows).held;
    const packer = new Packer();
    this.inputs = held?.store ?? new TextStore();
    this.rowOf = held?.row ?? ((text) => packer.unpack(text) as InputRow);
    const entries: Iterable<[InputRow, number]> = held
      ? mapped(held.entries, (entry) => [held.row(held.store.text(entry)), entry])
      : mapped(rows, (row) => [row, this.inputs.add(packer.pack(row))]);
    for (const [row, entry] of entries) {
      const n = row.rowNumber;
      if (this.rowAt[n] !== undefined) throw new Error(`Row ${n} appears twice in the plan input.`);
      this.rowAt[n] = entry;
      if (n < (this.order.at(-1) ?? 0)) sorted = false;
      this.order.push(n);
      if (row.key.kind === 'id') this.rowById.set(row.key.id.trim().toLowerCase(), n);
      else this.rowByEmail.set(row.key.email.trim().toLowerCase(), n);
    }
    if (!sorted) this.order.sort((a, b) => a - b);
    for (const ref of opts.managers ?? []) {
      if (ref.kind === 'id') this.wantedManagerIds.add(ref.id.toLowerCase());
      else this.wantedManagerEmails.add(ref.email.toLowerCase());
    }
    this.keep = opts.keep ?? (() => false);
    this.project = opts.project ?? ((u) => u);
    this.locations = opts.locations ?? {};
    this.spreadsheet = opts.spreadsheet;
    this.creates = opts.creates === true;
    this.asked = opts.asked === true;
    this.release = opts.release === true && (this.rowById.size === 0 || this.rowByEmail.size === 0);
  }

  /** Takes one user as read. Deleted users are never matched, as the platform cannot update them. */
  add(user: GenesysUser): void {
    const id = user.id.toLowerCase();
    if (user.state === 'deleted') {
      const n = this.rowById.get(id);
      if (n !== undefined) this.deleted.add(n);
      return;
    }
    this.users++;
    const email = user.email?.trim().toLowerCase();
    if (this.wantedManagerIds.has(id)) this.managerById.set(id, user.id);
    if (email && this.wantedManagerEmails.has(email)) this.managerByEmail.set(email, user.id);
    const byId = this.rowById.get(id);
    if (byId !== undefined) this.match(byId, user);
    const byEmail = email ? this.rowByEmail.get(email) : undefined;
    if (byEmail !== undefined) {
      const current = this.userOf[byEmail];
      if (current === undefined || current === user.id) this.match(byEmail, user);
      else {
        const others = this.otherUsers.get(byEmail) ?? [];
        if (!others.includes(user.id)) others.push(user.id);
        this.otherUsers.set(byEmail, others);
      }
    }
  }

  private match(n: number, user: GenesysUser): void {
    // A user read twice (two listing pages while the directory changes, or a listing and a search) is one user,
    // at the newer of the versions read; a released row keeps the plan it has.
    if (this.userOf[n] === user.id && user.version <= (this.versionOf[n] ?? -1)) return;
    const row = this.input(n);
    if (row === undefined) return;
    this.userOf[n] = user.id;
    this.versionOf[n] = user.version;
    const email = row.changes.email?.trim().toLowerCase();
    if (email !== undefined && email !== (user.email?.trim().toLowerCase() ?? '')) this.changingEmail.add(n);
    else this.changingEmail.delete(n);
    // The manager the user has is no change, even one no read finds (deleted since: an export carries its id).
    const manager = row.changes.manager;
    const has = user.manager?.id;
    if (manager?.kind === 'id' && has && manager.id === has.toLowerCase() && !this.managerById.has(manager.id))
      this.managerById.set(manager.id, has);
    // Only a manager no read has found yet makes the row wait for `finish`, its user kept until then: an export's
    // manager column names each user's own manager, and 100,000 users kept for it doubled a dry run's memory.
    const waits = manager !== undefined && manager !== null && this.managerId(manager) === undefined;
    const planned = waits ? undefined : this.planAgainst(row, user, this.managerId);
    this.planned[n] = planned && this.texts.add(encodePlannedRow(this.withAsked(planned, row)));
    const wanted = this.keep(row, planned);
    if (waits || wanted) this.kept.set(user.id, this.texts.add(JSON.stringify(this.project(user, row, planned))));
    else if (this.release && planned && !this.changingEmail.has(n)) this.rowAt[n] = undefined;
  }

  hasId(id: string): boolean {
    const lower = id.toLowerCase();
    const n = this.rowById.get(lower);
    // A row's user is read only when it is: its id known as another user's current manager is no read of it.
    if (n !== undefined) return this.userOf[n] !== undefined;
    return this.managerById.has(lower);
  }

  hasEmail(email: string): boolean {
    const lower = email.toLowerCase();
    const n = this.rowByEmail.get(lower);
    return (n !== undefined && this.userOf[n] !== undefined) || this.managerByEmail.has(lower);
  }

  /** Up to `most` keys of rows no user read has matched (deleted users count as read), ids first. */
  missing(most: number): { ids: string[]; emails: string[] } {
    const ids: string[] = [];
    const emails: string[] = [];
    for (const [id, n] of this.rowById) {
      if (ids.length >= most) break;
      if (this.userOf[n] === undefined && !this.deleted.has(n)) ids.push(id);
    }
    for (const [email, n] of this.rowByEmail) {
      if (ids.length + emails.length >= most) break;
      if (this.userOf[n] === undefined) emails.push(email);
    }
    return { ids, emails };
  }

  /** Users taken so far (not deleted). */
  get size(): number {
    return this.users;
  }

  /** The id of the user a manager reference names, once read. */
  managerId = (ref: ManagerRef): string | undefined =>
    ref.kind === 'id' ? this.managerById.get(ref.id.toLowerCase()) : this.managerByEmail.get(ref.email.toLowerCase());

  /**
   * Resolves a manager reference by email that no user read has, as `id`: a user the run is to create (the id is a
   * placeholder until then). A manager found among the users read keeps its id.
   */
  assumeManager(email: string, id: string): void {
    const lower = email.toLowerCase();
    if (this.wantedManagerEmails.has(lower) && !this.managerByEmail.has(lower)) this.managerByEmail.set(lower, id);
  }

  /** The id of the user the row names, if read. */
  userIdOf(row: InputRow): string | undefined {
    return this.userOf[row.rowNumber];
  }

  /** The rows that give their user (read) an address other than the one it has, in row order. */
  rowsChangingEmail(): InputRow[] {
    return [...this.changingEmail]
      .sort((a, b) => a - b)
      .map((n) => this.input(n))
      .filter((row): row is InputRow => row !== undefined);
  }

  /**
   * The rows still held, in row order: every row, less those released once planned. A released row's manager (if it
   * names one) was found when it was planned, and it shares its user with no other row, so the checks that need the
   * users never need it.
   */
  rows(): InputRow[] {
    return [...this.heldRows()];
  }

  /** The rows still held (as `rows`), each decoded as it is reached: a check that needs one row at a time. */
  *heldRows(): Generator<InputRow> {
    for (const n of this.order) {
      const row = this.input(n);
      if (row) yield row;
    }
  }

  /** Whether some rows name their user by id and others by email: two such rows may name one user. */
  get mixesKeys(): boolean {
    return this.rowById.size > 0 && this.rowByEmail.size > 0;
  }

  /** The row `n` as given (a fresh copy), unless released. */
  private input(n: number): InputRow | undefined {
    const entry = this.rowAt[n];
    return entry === undefined ? undefined : this.rowOf(this.inputs.text(entry));
  }

  private planAgainst(
    row: InputRow,
    user: GenesysUser,
    managerId: (ref: ManagerRef) => string | undefined,
  ): PlannedRow {
    const planned = planRowAgainst(row, user, managerId, this.locations, this.spreadsheet);
    const note = this.creates && planned.status !== 'invalid' ? inactiveUserNote(row, user) : undefined;
    if (note !== undefined) planned.note = planned.note ? `${planned.note}; ${note}` : note;
    return planned;
  }

  private withAsked(p: PlannedRow, row: InputRow): PlannedRow {
    // A row a spreadsheet's cells were taken out of carries what is left of its changes already (planRowAgainst); a
    // changing row carries only the columns it changes (changedPart), and its user is kept for them alone (`project`).
    if (this.asked && p.userId !== undefined) {
      const asked = p.changes ?? row.changes;
      p.changes = p.status === 'change' ? changedPart(asked, p.diffs) : asked;
    } else delete p.changes;
    return p;
  }

  /**
   * The kept users of `ids`, in that order, as text in the planner's own store: a run takes them over instead of
   * copying them (run/compact.ts compactOver). The list holds the store, not the planner.
   */
  keptUsers(ids: readonly string[]): TextList {
    const entries = Int32Array.from(ids, (id) => {
      const entry = this.kept.get(id);
      if (entry === undefined) throw new Error(`No user ${id} was kept.`);
      return entry;
    });
    return textList(this.texts, entries);
  }

  /** A user kept for a later stage (see `keep`). */
  user(id: string): GenesysUser | undefined {
    const entry = this.kept.get(id);
    return entry === undefined ? undefined : (JSON.parse(this.texts.text(entry)) as GenesysUser);
  }

  /**
   * The plan of every row but `excluded` (rows a check that needed the users took out), with `rejected`, in row
   * order. Throws on a programming error (an unresolved manager, a row both rejected and planned).
   */
  finish(excluded: ReadonlySet<number> = new Set(), rejected: readonly InvalidRow[] = []): EncodedPlan {
    for (const r of rejected) {
      if (this.rowAt[r.rowNumber] !== undefined && !excluded.has(r.rowNumber))
        throw new Error(`Row ${r.rowNumber} appears twice in the plan input.`);
    }
    // The rows in row order, as entries of `texts`: a row planned as its user came is not decoded again.
    const entries: number[] = [];
    const push = (p: PlannedRow) => entries.push(this.texts.add(encodePlannedRow(p)));
    const rejectedInOrder = [...rejected].sort((a, b) => a.rowNumber - b.rowNumber);
    let next = 0;
    const rejectedUpTo = (n: number) => {
      while (next < rejectedInOrder.length && rejectedInOrder[next]!.rowNumber <= n)
        push(rejectedRow(rejectedInOrder[next++]!));
    };
    const claimedBy = new Map<string, number>();
    for (const n of this.order) {
      rejectedUpTo(n);
      if (excluded.has(n)) continue;
      const planned = this.planned[n];
      const row = this.input(n);
      const userId = this.userOf[n];
      const others = this.otherUsers.get(n);
      if (others && userId !== undefined) {
        const { line, key } = row
          ? { line: row.line, key: rowKeyString(row.key) }
          : decodePlannedRow(this.texts.text(planned!));
        const ids = [userId, ...others].sort();
        const note = `${ids.length} users have this email: ${ids.join(', ')}`;
        push({ rowNumber: n, line, key, status: 'invalid', diffs: [], note });
        continue;
      }
      if (row === undefined) {
        // Released: planned, and the only row of its user.
        entries.push(planned!);
        continue;
      }
      const base = { rowNumber: n, line: row.line, key: rowKeyString(row.key) };
      if (userId === undefined) {
        const note =
          row.key.kind === 'email'
            ? 'no user with this email'
            : this.deleted.has(n)
              ? 'the user is deleted'
              : 'no user with this id';
        push({ ...base, status: 'not_found', diffs: [], note });
        continue;
      }
      const first = claimedBy.get(userId);
      if (first !== undefined) {
        push(this.withAsked({ ...base, userId, status: 'invalid', diffs: [], note: `duplicate of row ${first}` }, row));
        continue;
      }
      claimedBy.set(userId, n);
      if (planned !== undefined) entries.push(planned);
      else {
        const user = this.user(userId);
        if (!user) throw new Error(`Row ${n} was neither planned nor kept for planning.`);
        push(this.withAsked(this.planAgainst(row, user, this.managerId), row));
      }
    }
    rejectedUpTo(Number.POSITIVE_INFINITY);
    const rows = textList(this.texts, Int32Array.from(entries));
    return { summary: summarise(decodedRows(rows)), rows };
  }
}

function* mapped<T, U>(items: Iterable<T>, f: (item: T) => U): Generator<U> {
  for (const item of items) yield f(item);
}
