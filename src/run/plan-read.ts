import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { ValidationError } from '../errors.js';
import { JsonListSplitter, NotJsonError } from '../json-split.js';
import { PLAN_SCHEMA_VERSION, type Plan, type PlannedRow } from '../plan/index.js';
import { TextStore } from '../plan/text-store.js';
import type { SavedPlan } from './saved-plan.js';
import { type SavedPlanV1, upgradeHead, upgradeRow } from './saved-plan-v1.js';

/** A saved plan's rows, each parsed from its text when it is reached (a fresh object each time). */
export interface StoredRows extends Iterable<PlannedRow> {
  readonly length: number;
  at(index: number): PlannedRow;
}

/** A run folder's plan.json as a resume holds it: everything but the rows as read, the rows as text. */
export interface StoredPlan extends Omit<SavedPlan, 'plan'> {
  plan: Omit<Plan, 'rows'> & { rows: StoredRows };
}

/**
 * Reads a run folder's plan.json a row at a time (json-split.ts), refusing a file that cannot be read or is not JSON,
 * one that holds no plan, and a version it does not read.
 * Every row is parsed once here, so that a damaged row is refused before anything is sent.
 */
export async function readStoredPlan(dir: string): Promise<StoredPlan> {
  const path = join(dir, 'plan.json');
  // The rows' texts go into a TextStore (off the JavaScript heap) as they are read; parsed whole, a 100,000-row
  // plan.json was several hundred megabytes of objects, all held while the resume ran (issue #12).
  const store = new TextStore();
  let entries: number[] = [];
  let saved: unknown;
  try {
    const splitter = new JsonListSplitter([['plan', 'rows']], {
      start: () => {
        entries = [];
      },
      element: (_, bytes) => entries.push(store.addBytes(bytes)),
    });
    const handle = await open(path, 'r');
    try {
      for await (const chunk of handle.createReadStream({ highWaterMark: 1 << 20 })) splitter.push(chunk as Buffer);
    } finally {
      await handle.close();
    }
    saved = JSON.parse(splitter.end());
    for (const e of entries) JSON.parse(store.text(e));
  } catch (err) {
    if (err instanceof NotJsonError || err instanceof SyntaxError) throw unreadablePlan(path, 'not JSON');
    throw unreadablePlan(path, (err as NodeJS.ErrnoException).code ?? 'not JSON');
  }
  if (savedPlanSchema(path, saved) === 'current') {
    const head = saved as SavedPlan;
    return { ...head, plan: { ...head.plan, rows: storedRows(store, entries, (row) => row) } };
  }
  const v1 = saved as SavedPlanV1;
  const head = upgradeHead(v1);
  return { ...head, plan: { ...head.plan, rows: storedRows(store, entries, (row) => upgradeRow(row, v1)) } };
}

/** plan.json that cannot be read or is not JSON. */
export function unreadablePlan(path: string, why: string): ValidationError {
  return new ValidationError(`${path} cannot be read (${why}); the run cannot be continued or rolled back from it.`);
}

/** The schema of a parsed plan.json, or the refusal of one that holds no plan or is of a version this one does not read. */
export function savedPlanSchema(path: string, saved: unknown): 'current' | 'v1' {
  const plan = (saved as { plan?: { schemaVersion?: unknown; rows?: unknown } } | null)?.plan;
  const version = plan?.schemaVersion;
  if (typeof plan !== 'object' || plan === null || !Array.isArray(plan.rows)) {
    throw new ValidationError(`${path} holds no plan; the run cannot be continued or rolled back from it.`);
  }
  if (version === PLAN_SCHEMA_VERSION) return 'current';
  if (version === 1 || version === undefined) return 'v1';
  throw new ValidationError(
    `${path} has plan schema version ${JSON.stringify(version)}; this version of genesys-bulk reads versions 1 to ` +
      `${PLAN_SCHEMA_VERSION}. Continue or roll back the run with the version of genesys-bulk that made it (see its run.json).`,
  );
}

function storedRows(store: TextStore, list: readonly number[], read: (row: PlannedRow) => PlannedRow): StoredRows {
  const entries = Int32Array.from(list);
  const at = (i: number): PlannedRow => {
    if (!(i >= 0 && i < entries.length)) throw new RangeError(`StoredRows: no row ${i}`);
    return read(JSON.parse(store.text(entries[i]!)) as PlannedRow);
  };
  return {
    length: entries.length,
    at,
    *[Symbol.iterator]() {
      for (let i = 0; i < entries.length; i++) yield at(i);
    },
  };
}
