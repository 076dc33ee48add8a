import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { savedPlanSchema, unreadablePlan } from '../../src/run/plan-read.js';
import type { SavedPlan } from '../../src/run/saved-plan.js';
import { type SavedPlanV1, upgradeHead, upgradeRow } from '../../src/run/saved-plan-v1.js';

/*
 * A run folder's plan.json parsed whole, then judged and upgraded by the product's own checks: the plain reader that
 * readStoredPlan, which splits the file a row at a time, must agree with (test/run/plan-read.test.ts). What differs
 * between them is the reading, so that is what the comparison tests.
 */
export async function readWholePlan(dir: string): Promise<SavedPlan> {
  const path = join(dir, 'plan.json');
  let saved: unknown;
  try {
    saved = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw unreadablePlan(path, (err as NodeJS.ErrnoException).code ?? 'not JSON');
  }
  if (savedPlanSchema(path, saved) === 'current') return saved as SavedPlan;
  const v1 = saved as SavedPlanV1;
  const { plan, ...head } = upgradeHead(v1);
  return { ...head, plan: { ...plan, rows: v1.plan.rows.map((row) => upgradeRow(row, v1)) } };
}
