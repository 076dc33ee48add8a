/**
 * What a run wrote, per user, from its journals (journal.ts): the earliest before-value and the latest after-value of
 * each field, and the whole object-valued fields its PATCHes replaced. What a rollback restores (rollback.ts).
 */
import { type CallRecord, type IntentRecord, readJournal, readRoutingJournal } from './journal.js';

export interface Written {
  userId: string;
  row: number;
  /** Earliest before-value and latest after-value per field, over all of the run's writes to this user. */
  fields: Map<string, BeforeAfter>;
  /** Earliest whole value per object-valued field the run's PATCHes replaced (see IntentRecord.replaced). */
  replaced: ReadonlyMap<string, unknown>;
  /** Some intent of this user's predates `replaced`. */
  legacy: boolean;
}

const NOTHING_REPLACED: ReadonlyMap<string, unknown> = new Map();

/**
 * A field's earliest before-value and latest after-value (undefined: none recorded). One map of pairs per user, not a
 * map of each: a rollback of 100,000 users held 200,000 maps through its planning.
 */
type BeforeAfter = [before: string | null | undefined, after: string | null | undefined];

/** The fields the run set, in the order they were first written. */
export function fieldsSet(w: Pick<Written, 'fields'>): string[] {
  const out: string[] = [];
  for (const [field, [, after]] of w.fields) if (after !== undefined) out.push(field);
  return out;
}

/**
 * Collects, per user, what a run wrote: from its journal's intents and routing calls (a write that may have landed
 * counts). A routing call that changed many users gives each of them the diffs it realised for them.
 */
export function writtenByRun(records: Iterable<IntentRecord | CallRecord>): Written[] {
  const fold = writtenFold();
  for (const r of records) fold.add(r);
  return fold.done();
}

/** writtenByRun a record at a time, as the journals are read. */
function writtenFold(): { add(r: IntentRecord | CallRecord): void; done(): Written[] } {
  const byUser = new Map<string, Written>();
  // Most writes replace no object-valued field: their users share one empty map (100,000 empty maps were some 19 MB
  // of live heap through a rollback's planning, and V8 sizes the heap from what is live).
  const replacing = (w: Written): Map<string, unknown> => {
    if (w.replaced === NOTHING_REPLACED) w.replaced = new Map();
    return w.replaced as Map<string, unknown>;
  };
  const note = (userId: string, row: number, before: [string, string | null][], after: [string, string | null][]) => {
    let w = byUser.get(userId);
    if (!w) {
      w = { userId, row, fields: new Map(), replaced: NOTHING_REPLACED, legacy: false };
      byUser.set(userId, w);
    }
    const { fields } = w;
    const of = (field: string): BeforeAfter => {
      let both = fields.get(field);
      if (!both) {
        both = [undefined, undefined];
        fields.set(field, both);
      }
      return both;
    };
    for (const [field, value] of before) {
      const both = of(field);
      if (both[0] === undefined) both[0] = value;
    }
    for (const [field, value] of after) of(field)[1] = value;
    return w;
  };
  const add = (r: IntentRecord | CallRecord) => {
    if (r.t === 'intent') {
      const w = note(r.userId, r.row, Object.entries(r.before), Object.entries(r.after));
      if (r.replaced === undefined) {
        // An older journal: what this write replaced is unknown, and no later intent's copy is the original.
        w.legacy = true;
        for (const field of Object.keys(r.before)) {
          const key = field.startsWith('phone.') ? 'addresses' : field.split('.')[0]!;
          if (!w.replaced.has(key)) replacing(w).set(key, undefined);
        }
      }
      for (const [key, value] of Object.entries(r.replaced ?? {}))
        if (!w.replaced.has(key)) replacing(w).set(key, value);
    } else {
      for (const { userId, row, diffs } of r.realises) {
        note(
          userId,
          row,
          diffs.map((d) => [d.field, d.before]),
          diffs.map((d) => [d.field, d.after]),
        );
      }
    }
  };
  return { add, done: () => [...byUser.values()].sort((a, b) => a.row - b.row) };
}

/** What a run wrote, from its journals, folded as they are read: the records themselves are never all held. */
export async function readWritten(dir: string): Promise<Written[]> {
  const fold = writtenFold();
  await readJournal(dir, (r) => {
    if (r.t === 'intent') fold.add(r);
    return false;
  });
  await readRoutingJournal(dir, (r) => {
    if (r.t === 'call') fold.add(r);
    return false;
  });
  return fold.done();
}
