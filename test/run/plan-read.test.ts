import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readStoredPlan } from '../../src/run/plan-read.js';
import { readWholePlan } from '../models/saved-plan.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'genesys-bulk-plan-read-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const row = (n: number) => ({
  rowNumber: n,
  line: n + 1,
  key: `u${n}@example.com`,
  status: 'change',
  userId: `id-${n}`,
  diffs: [{ field: 'title', before: 'A "quoted" [one], {with} \\ marks', after: 'B\u2028é漢' }],
  changes: { title: 'B\u2028é漢' },
});

describe('readStoredPlan', () => {
  const write = (text: string) => writeFile(join(dir, 'plan.json'), text);
  const refusal = async (p: Promise<unknown>) => {
    const err = (await p.catch((e: unknown) => e)) as Error & { exitCode?: number };
    expect(err.exitCode).toBe(2);
    return err.message;
  };

  it('reads what the whole-file model reads, a row at a time', async () => {
    const doc = {
      plan: { schemaVersion: 2, summary: {}, rows: [row(1), row(2)] },
      managers: {},
      locations: { a: 'b' },
    };
    await write(JSON.stringify(doc));
    const stored = await readStoredPlan(dir);
    const whole = await readWholePlan(dir);
    expect({ ...stored, plan: { ...stored.plan, rows: [...stored.plan.rows] } }).toEqual(whole);
    expect(stored.plan.rows.length).toBe(2);
    expect(stored.plan.rows.at(1)).toEqual(whole.plan.rows[1]);
  });

  it('upgrades a version 1 plan row by row, as the whole-file model does', async () => {
    const v1 = {
      plan: { summary: {}, rows: [{ ...row(1), changes: undefined }] },
      managers: {},
      changes: { '1': { title: 'B', routing: { queues: { add: ['Q'], remove: [] } } } },
    };
    await write(JSON.stringify(v1));
    const stored = await readStoredPlan(dir);
    const whole = await readWholePlan(dir);
    expect({ ...stored, plan: { ...stored.plan, rows: [...stored.plan.rows] } }).toEqual(whole);
  });

  it('refuses a damaged or hostile plan.json with the whole-file model’s messages', async () => {
    for (const text of [
      '',
      '{"plan":{"schemaVersion":2,"rows":[{"a":1},{"a":]}}',
      '{"plan":{"schemaVersion":2,"rows":[{"a":1} {"a":2}]}}',
      '{"plan":{"schemaVersion":2,"rows":[1]}',
      '{"plan":{"schemaVersion":2,"rows":[1]}} x',
      'null',
      '{}',
      '{"plan":{"schemaVersion":2}}',
      '{"plan":{"schemaVersion":2,"rows":5}}',
      '{"plan":{"schemaVersion":2,"rows":[1]},"plan":{"schemaVersion":2}}',
      '{"plan":{"schemaVersion":3,"rows":[]}}',
      '\ufeff{"plan":{"schemaVersion":2,"rows":[]}}',
    ]) {
      await write(text);
      expect(await refusal(readStoredPlan(dir)), text).toBe(await refusal(readWholePlan(dir)));
    }
    await rm(join(dir, 'plan.json'));
    expect(await refusal(readStoredPlan(dir))).toBe(await refusal(readWholePlan(dir)));
  });
});
