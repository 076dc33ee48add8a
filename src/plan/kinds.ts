/**
 * The kinds of change the plan, the question, the closing summary and the --json document count apart, so that a
 * removal, a revocation or a division move is never hidden among "changes". Adding a kind is one entry here (and
 * `npm run schema`): the counts, their wording and the document's schema all come from this table.
 */

export interface ChangeLike {
  field: string;
  before: string | null;
  after: string | null;
}

interface KindEntry {
  key: string;
  one: string;
  many: string;
  /** Undefined: the kind of every change no other entry claims. */
  matches?: (c: ChangeLike) => boolean;
}

export const CHANGE_KINDS = [
  { key: 'updates', one: 'update', many: 'updates' },
  {
    key: 'removals',
    one: 'removal',
    many: 'removals',
    matches: (c) => c.after === null && /^(skill|language|queue):./.test(c.field),
  },
  {
    key: 'revocations',
    one: 'revocation',
    many: 'revocations',
    matches: (c) => c.after === null && /^role:./.test(c.field),
  },
  { key: 'divisionMoves', one: 'division move', many: 'division moves', matches: (c) => c.field === 'division' },
] as const satisfies readonly KindEntry[];

export type ChangeKind = (typeof CHANGE_KINDS)[number]['key'];
export type ChangeCounts = Record<ChangeKind, number>;

const CLAIMING: readonly KindEntry[] = CHANGE_KINDS.filter((k: KindEntry) => k.matches !== undefined);
const REST = (CHANGE_KINDS as readonly KindEntry[]).find((k) => k.matches === undefined)!.key as ChangeKind;

export function kindOf(change: ChangeLike): ChangeKind {
  for (const k of CLAIMING) if (k.matches!(change)) return k.key as ChangeKind;
  return REST;
}

export function noChanges(): ChangeCounts {
  return Object.fromEntries(CHANGE_KINDS.map((k) => [k.key, 0])) as ChangeCounts;
}

/** Adds the kinds of `changes` to `into` (a fresh count by default). */
export function countChanges(changes: Iterable<ChangeLike>, into: ChangeCounts = noChanges()): ChangeCounts {
  for (const c of changes) into[kindOf(c)]++;
  return into;
}

/** `12 updates, 3 removals, 1 division move`: the kinds present, in the table's order; '' when none. */
export function describeChanges(counts: ChangeCounts): string {
  return CHANGE_KINDS.filter((k) => counts[k.key] > 0)
    .map((k) => `${counts[k.key]} ${counts[k.key] === 1 ? k.one : k.many}`)
    .join(', ');
}

/** Only the kinds other than plain updates, for a question or a closing line: `3 removals, 1 division move`. */
export function describeNotable(counts: ChangeCounts): string {
  return describeChanges({ ...counts, [REST]: 0 });
}
