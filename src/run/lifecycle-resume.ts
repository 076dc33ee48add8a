/**
 * Resuming a run that creates or deletes users: from its lifecycle journal, what each such row came to and what is
 * left. A creation whose POST has no outcome is settled by searching the email before anything is sent; a created
 * user whose row was not finished has the rest planned again against what it holds now.
 */
import type { PlannedRow } from '../plan/index.js';
import { type CreateItem, createWork, deleteWork } from './lifecycle.js';
import { createStates, deleteOutcomes, readLifecycleJournal } from './lifecycle-journal.js';
import type { LifecycleWork, Part } from './outcome.js';
import type { PlanSource } from './saved-plan.js';

export interface LifecycleLeft {
  work?: LifecycleWork;
  /** Rows an earlier attempt settled. */
  prior: Map<number, Part>;
  /** The planned rows of what is left, to show. */
  left: PlannedRow[];
}

export async function resumeLifecycle(
  dir: string,
  saved: Pick<PlanSource, 'lifecycle' | 'routing' | 'plan'>,
): Promise<LifecycleLeft> {
  const prior = new Map<number, Part>();
  const saving = saved.lifecycle;
  if (!saving) return { prior, left: [] };
  const records = await readLifecycleJournal(dir);
  // Only the rows left are kept: one pass over the plan's rows, which a resume holds as text.
  const leftRows = (numbers: Iterable<number>) => {
    const wanted = [...numbers];
    const found = new Map<number, PlannedRow>();
    const want = new Set(wanted);
    for (const p of saved.plan.rows) if (want.has(p.rowNumber)) found.set(p.rowNumber, p);
    return wanted.map((n) => found.get(n)!).filter(Boolean);
  };
  if (saving.kind === 'delete') {
    const done = deleteOutcomes(records);
    const items = Object.values(saving.rows).filter((d) => {
      const r = done.get(d.rowNumber);
      if (!r) return true;
      prior.set(d.rowNumber, {
        status: r.status === 'deleted' ? 'deleted' : r.status === 'gone' ? 'unchanged' : 'skipped',
        attempts: 0,
        userId: d.userId,
        ...(r.errorCode ? { errorCode: r.errorCode } : {}),
        ...(r.message ? { message: r.message } : {}),
      });
      return false;
    });
    return {
      ...(items.length > 0 ? { work: deleteWork(items, saving.rollbackOf) } : {}),
      prior,
      left: leftRows(items.map((i) => i.rowNumber)),
    };
  }
  const states = createStates(records);
  const items: CreateItem[] = [];
  for (const spec of Object.values(saving.rows)) {
    const s = states.get(spec.rowNumber);
    const complete = s?.completeVersion !== undefined;
    if (complete && (!saving.invite || s.invited)) {
      prior.set(spec.rowNumber, {
        status: s.inviteFailed ? 'failed' : 'created',
        attempts: 0,
        ...(s.userId ? { userId: s.userId } : {}),
        ...(s.inviteFailed ? s.inviteFailed : {}),
      });
      continue;
    }
    items.push({
      rowNumber: spec.rowNumber,
      spec,
      ...(s?.userId !== undefined ? { userId: s.userId } : {}),
      ...(s?.pending && s.userId === undefined ? { pending: true } : {}),
      ...(complete ? { complete: true } : {}),
      ...(s?.invited ? { invited: true } : {}),
    });
  }
  return {
    ...(items.length > 0 ? { work: createWork(items, saving.invite, saved.routing?.catalogue) } : {}),
    prior,
    left: leftRows(items.map((i) => i.rowNumber)),
  };
}
