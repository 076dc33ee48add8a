import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/errors.js';
import { listRunFolders, listRuns, readRunMeta, savedPlanText } from '../../src/run/folder.js';
import { readStoredPlan } from '../../src/run/plan-read.js';
import type { SavedPlan } from '../../src/run/saved-plan.js';

let state: string;
beforeEach(async () => {
  state = await mkdtemp(join(tmpdir(), 'genesys-bulk-folder-'));
});
afterEach(() => rm(state, { recursive: true, force: true }));

const meta = (runId: string, createdAt: string) => ({
  schemaVersion: 1,
  runId,
  command: 'update',
  createdAt,
  updatedAt: createdAt,
  status: 'completed',
  source: 'a.csv',
  target: 'https://api.example.test',
});

async function folder(runId: string, files: Record<string, string>): Promise<string> {
  const dir = join(state, 'runs', runId);
  await mkdir(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return dir;
}

async function refusal(p: Promise<unknown>): Promise<string> {
  const err = await p.catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ValidationError);
  expect((err as ValidationError).exitCode).toBe(2);
  return (err as Error).message;
}

describe('readRunMeta', () => {
  it('reads version 1, and refuses another version, a value that is no object, bad JSON or no run.json', async () => {
    const ok = meta('20261205-100000-aaaaaa', '2026-12-05T10:00:00.000Z');
    const dir = await folder(ok.runId, { 'run.json': JSON.stringify(ok) });
    expect(await readRunMeta(dir)).toEqual(ok);
    for (const [text, said] of [
      [JSON.stringify({ ...ok, schemaVersion: 2 }), /run\.json has schema version 2; .* reads version 1 only/],
      [JSON.stringify({ ...ok, schemaVersion: undefined }), /run\.json has schema version null/],
      ['null', /run\.json is not a JSON object/],
      ['[1]', /run\.json is not a JSON object/],
      ['{"schemaVersion":', /run\.json is not JSON/],
    ] as const) {
      await writeFile(join(dir, 'run.json'), text);
      expect(await refusal(readRunMeta(dir))).toMatch(said);
    }
    expect(await refusal(readRunMeta(join(state, 'runs', 'nothing')))).toMatch(/No run at .* \(ENOENT\)/);
  });
});

describe('readStoredPlan', () => {
  it('refuses a plan of an unknown version, and a file that holds no plan', async () => {
    const dir = await folder('20261205-100000-aaaaaa', {});
    const plan = (schemaVersion: unknown) => JSON.stringify({ plan: { schemaVersion, rows: [] }, managers: {} });
    await writeFile(join(dir, 'plan.json'), plan(2));
    expect((await readStoredPlan(dir)).plan.schemaVersion).toBe(2);
    await writeFile(join(dir, 'plan.json'), plan(3));
    expect(await refusal(readStoredPlan(dir))).toMatch(/plan schema version 3; .* reads versions 1 to 2/);
    for (const text of ['null', '{}', '{"plan":{"schemaVersion":2}}']) {
      await writeFile(join(dir, 'plan.json'), text);
      expect(await refusal(readStoredPlan(dir))).toMatch(/holds no plan/);
    }
  });
});

describe('listRunFolders', () => {
  it('lists the runs it cannot read as unreadable, in the order runs began; a folder without run.json is none', async () => {
    const a = meta('20261205-100000-aaaaaa', '2026-12-05T10:00:00.500Z');
    const c = meta('20261205-120000-cccccc', '2026-12-05T12:00:00.000Z');
    await folder(a.runId, { 'run.json': JSON.stringify(a) });
    await folder('20261205-100000-bbbbbb', {
      'run.json': JSON.stringify({ ...a, runId: '20261205-100000-bbbbbb', schemaVersion: 7 }),
    });
    await folder(c.runId, { 'run.json': JSON.stringify(c) });
    await folder('20261205-110000-dddddd', { 'run.json': '{' });
    await folder('20261205-113000-eeeeee', {});
    await folder('not-a-run', { 'run.json': '{' });

    const listed = await listRunFolders(state);
    expect(listed).toEqual([
      a,
      {
        runId: '20261205-100000-bbbbbb',
        status: 'unreadable',
        problem: 'run.json has schema version 7; this version reads 1',
        createdAt: a.createdAt,
      },
      { runId: '20261205-110000-dddddd', status: 'unreadable', problem: 'run.json is not JSON' },
      c,
    ]);
    expect(await listRuns(state)).toEqual([a, c]);
    expect(await listRunFolders(join(state, 'none'))).toEqual([]);
  });
});

describe('savedPlanText', () => {
  const row = (n: number) => ({
    rowNumber: n,
    line: n + 1,
    key: `u${n}@example.com`,
    status: 'change' as const,
    diffs: [{ field: 'title', before: 'A "quoted" one', after: 'B\u2028' }],
    userId: `id-${n}`,
    changes: { title: 'B\u2028' },
  });
  const plan = (rows: number) =>
    ({
      plan: { schemaVersion: 2, summary: { rows }, rows: Array.from({ length: rows }, (_, i) => row(i + 1)) },
      managers: { 'email:m@example.com': 'm-id' },
      skipped: [],
      locations: { byName: {} },
    }) as unknown as SavedPlan;

  it.each([0, 1, 3])('is JSON.stringify of the plan, a row at a time (%i rows)', (rows) => {
    const pieces = [...savedPlanText(plan(rows))];
    expect(pieces.join('')).toBe(JSON.stringify(plan(rows)));
    expect(pieces.length).toBe(rows + 2);
  });

  it('keeps of an invalid row where it is, its diffs and why, not what its cells asked for', () => {
    const invalid = {
      ...row(1),
      status: 'invalid' as const,
      diffs: [],
      name: 'Ana López',
      note: 'phone.mobile: "14155550124" is a phone number without its +',
      changes: { title: 'Lead', asSaved: { 'phone.mobile': '14155550124', acdAutoAnswer: 'WAHR' } },
      lenient: { title: 'date' },
      baseVersion: 3,
    };
    const saved = { plan: { schemaVersion: 2, summary: { rows: 2 }, rows: [invalid, row(2)] } } as unknown as SavedPlan;
    const text = [...savedPlanText(saved)].join('');
    expect(JSON.parse(text).plan.rows).toEqual([
      {
        rowNumber: 1,
        line: 2,
        key: 'u1@example.com',
        status: 'invalid',
        diffs: [],
        userId: 'id-1',
        note: invalid.note,
      },
      row(2),
    ]);
    expect(text).not.toMatch(/asSaved|WAHR|Ana López|"Lead"/);
  });

  it('closes a plan with nothing besides its rows', () => {
    const only = { plan: plan(2).plan } as unknown as SavedPlan;
    expect(JSON.parse([...savedPlanText(only)].join(''))).toEqual(only);
  });
});
