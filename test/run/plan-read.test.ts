import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readStoredPlan } from '../../src/run/plan-read.js';
import { NotJsonError, PlanSplitter } from '../../src/run/plan-split.js';
import { readWholePlan } from '../models/saved-plan.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'genesys-bulk-plan-read-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

/** Splits `text` fed `step` bytes at a time: rows as texts, and the skeleton. */
function split(text: string, step: number): { skeleton: string; rows: string[] } {
  const bytes = Buffer.from(text, 'utf8');
  const s = new PlanSplitter();
  for (let i = 0; i < bytes.length; i += step) s.push(bytes.subarray(i, i + step));
  const { skeleton, store, entries } = s.end();
  return { skeleton, rows: entries.map((e) => store.text(e)) };
}

const row = (n: number) => ({
  rowNumber: n,
  line: n + 1,
  key: `u${n}@example.com`,
  status: 'change',
  userId: `id-${n}`,
  diffs: [{ field: 'title', before: 'A "quoted" [one], {with} \\ marks', after: 'B\u2028é漢' }],
  changes: { title: 'B\u2028é漢' },
});

describe('PlanSplitter', () => {
  it('splits plan.rows out of the document at any chunk boundary, leaving the rest as it was', () => {
    const doc = {
      plan: { schemaVersion: 2, summary: { rows: [1, 2] }, rows: [row(1), row(2), row(3)] },
      managers: { 'email:m@example.com': 'm-id' },
      skipped: [{ rows: [1] }],
    };
    const text = JSON.stringify(doc, null, 1);
    for (const step of [1, 2, 3, 7, 64, 1 << 20]) {
      const { skeleton, rows } = split(text, step);
      expect(JSON.parse(skeleton)).toEqual({ ...doc, plan: { ...doc.plan, rows: [] } });
      expect(rows.map((r) => JSON.parse(r))).toEqual(doc.plan.rows);
    }
  });

  it('keeps the last rows of a repeated key, and splits no rows but plan.rows', () => {
    const { skeleton, rows } = split('{"x":{"rows":[1]},"plan":{"rows":[1,2],"p\\u006cx":{"rows":[3]},"rows":[4]}}', 5);
    expect(rows).toEqual(['4']);
    expect(JSON.parse(skeleton)).toEqual({ x: { rows: [1] }, plan: { rows: [], plx: { rows: [3] } } });
    expect(split('{"p\\u006can":{"rows":[ 5 ]}}', 1).rows).toEqual(['5']);
  });

  it('refuses what is not JSON in the nesting or between the rows', () => {
    for (const text of [
      '{"plan":{"rows":[1,,2]}}',
      '{"plan":{"rows":[1,]}}',
      '{"plan":{"rows":[,1]}}',
      '{"plan":{"rows":[1}}',
      '{"plan":{"rows":[1]',
      '{"plan":{"rows":["1]}}',
      ']',
    ]) {
      expect(() => split(text, 3), text).toThrow(NotJsonError);
    }
    expect(split('{"plan":{"rows":[ ]}}', 1).rows).toEqual([]);
  });
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
