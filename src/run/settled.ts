import type { ApplyResult, ApplyStatus } from './apply.js';

/** Stopped before the row was settled; `inFlight` when one of its writes may have reached the platform. */
export interface Interrupted {
  interrupted: true;
  inFlight: boolean;
}

/**
 * A settled row as the run keeps it until the end: the result without the user the last response carried (a whole
 * user, about a kilobyte, times every row of a large run; the journal has its version) and without its diffs (the
 * report takes a row's changes from the plan).
 */
export type SettledRow = Omit<ApplyResult, 'user' | 'diffs'>;

export type WorkOutcome = SettledRow | Interrupted;

const STATUSES: readonly ApplyStatus[] = ['updated', 'unchanged', 'failed', 'not_found', 'skipped'];
const MAX_ATTEMPTS = 4096;
const MAX_ROUNDS = 64;
const PACKED = new Set(['status', 'attempts', 'writes', 'conflictRounds']);

/**
 * The outcome of each row of a run, by row number: a row that settled plainly (no failure, conflict or field left)
 * is held as one small integer rather than an object, so that 100,000 settled rows take a few megabytes. Reads give
 * back an equal object, made afresh.
 */
export class OutcomeMap extends Map<number, WorkOutcome> {
  override set(row: number, outcome: WorkOutcome): this {
    return super.set(row, (pack(outcome) ?? outcome) as WorkOutcome);
  }

  override get(row: number): WorkOutcome | undefined {
    return unpack(super.get(row));
  }

  override *entries(): MapIterator<[number, WorkOutcome]> {
    for (const [row, held] of super.entries()) yield [row, unpack(held)!];
  }

  override *values(): MapIterator<WorkOutcome> {
    for (const held of super.values()) yield unpack(held)!;
  }

  override [Symbol.iterator](): MapIterator<[number, WorkOutcome]> {
    return this.entries();
  }

  override forEach(f: (value: WorkOutcome, key: number, map: Map<number, WorkOutcome>) => void, self?: unknown): void {
    for (const [row, outcome] of this.entries()) f.call(self, outcome, row, this);
  }
}

function pack(o: WorkOutcome): number | undefined {
  if ('interrupted' in o) return undefined;
  const s = STATUSES.indexOf(o.status);
  // Anything but these four, set to a value, is kept as the object it is.
  const plain = Object.entries(o).every(([k, v]) => v === undefined || PACKED.has(k));
  if (!plain || s < 0 || o.attempts >= MAX_ATTEMPTS || o.writes >= MAX_ROUNDS || o.conflictRounds >= MAX_ROUNDS)
    return undefined;
  return s + STATUSES.length * (o.attempts + MAX_ATTEMPTS * (o.writes + MAX_ROUNDS * o.conflictRounds));
}

function unpack(held: WorkOutcome | number | undefined): WorkOutcome | undefined {
  if (typeof held !== 'number') return held;
  let rest = held;
  const status = STATUSES[rest % STATUSES.length]!;
  rest = Math.floor(rest / STATUSES.length);
  const attempts = rest % MAX_ATTEMPTS;
  rest = Math.floor(rest / MAX_ATTEMPTS);
  const settled: SettledRow = {
    status,
    attempts,
    writes: rest % MAX_ROUNDS,
    conflictRounds: Math.floor(rest / MAX_ROUNDS),
  };
  return settled;
}
