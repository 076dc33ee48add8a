/**
 * A PATCH answered 200 with a body that is not the user says nothing of the write's fate: it may have landed or not.
 * It is sent once (never repeated blindly), the row is settled by reading the user again, and the journal keeps that
 * the write may have acted: a resume and a rollback afterwards leave every user as they should, whichever way it went.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { GenesysUser } from '../../src/genesys/types.js';
import { type Sandbox, sandbox } from './harness.js';
import { activeUsers, csv, PATCH_ROUTE, routeCount, runIdOf, writeInput } from './helpers.js';

let box: Sandbox | undefined;
afterEach(async () => {
  await box?.close();
  box = undefined;
});

const WRONG = { entities: 'not a user' };

interface RowJson {
  row: number;
  status: string;
  errorCode: string | null;
}

async function journal(b: Sandbox, runId: string): Promise<Record<string, unknown>[]> {
  const text = await readFile(join(b.dir, '.genesys-bulk', 'runs', runId, 'journal.jsonl'), 'utf8');
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Three users given new titles, the second one's PATCH answered with `answer`. */
async function run(answer: { applied: boolean; rereads?: number }) {
  box = await sandbox({ users: 20 });
  const emu = box.emulator;
  const users = activeUsers(box).slice(0, 3);
  const titles = () => users.map((u) => emu.user(u.id)?.title ?? null);
  const before = titles();
  const file = await writeInput(box, 'titles.csv', csv([['id', 'title'], ...users.map((u, i) => [u.id, `Odd ${i}`])]));
  emu.beforeNextUserWrite((users[1] as GenesysUser).id, { answer: { body: WRONG, ...answer } });
  const r = await box.cli(['update', file, '--yes', '--json']);
  const runId = runIdOf(r.stderr) as string;
  const rows = (JSON.parse(r.stdout) as { rows: RowJson[] }).rows;
  return { b: box, emu, users, titles, before, r, runId, rows };
}

describe('a PATCH answered 200 with a body that is not the user', () => {
  it('that landed: sent once, found landed by a re-read, updated; the rollback restores it', async () => {
    const { b, emu, titles, before, r, runId, rows } = await run({ applied: true });
    expect(r.code, r.stderr).toBe(0);
    expect(rows.map((x) => x.status)).toEqual(['updated', 'updated', 'updated']);
    expect(routeCount(emu.stats(), PATCH_ROUTE)).toBe(3);
    expect(titles()).toEqual(['Odd 0', 'Odd 1', 'Odd 2']);
    const back = await b.cli(['rollback', runId, '--yes']);
    expect(back.code, back.stderr).toBe(0);
    expect(titles()).toEqual(before);
  });

  it('that did not land: sent once, failed, and the resume writes it; the rollback restores all', async () => {
    const { b, emu, titles, before, r, runId, rows } = await run({ applied: false });
    expect(r.code).toBe(1);
    expect(rows.map((x) => [x.status, x.errorCode])).toEqual([
      ['updated', null],
      ['failed', 'unexpected'],
      ['updated', null],
    ]);
    expect(routeCount(emu.stats(), PATCH_ROUTE)).toBe(3);
    expect(titles()).toEqual(['Odd 0', before[1], 'Odd 2']);
    const resumed = await b.cli(['update', '--resume', runId, '--yes', '--json']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(titles()).toEqual(['Odd 0', 'Odd 1', 'Odd 2']);
    const back = await b.cli(['rollback', runId, '--yes']);
    expect(back.code, back.stderr).toBe(0);
    expect(titles()).toEqual(before);
  });

  it('that landed, and whose re-read fails too: the journal says it may have acted; the resume reports it updated', async () => {
    const { b, emu, titles, before, r, runId, rows } = await run({ applied: true, rereads: 1 });
    expect(r.code).toBe(1);
    expect(rows[1]).toMatchObject({ status: 'failed', errorCode: 'unexpected' });
    expect(titles()).toEqual(['Odd 0', 'Odd 1', 'Odd 2']);
    const outcome = (await journal(b, runId)).find((x) => x.t === 'outcome' && x.row === 2);
    expect(outcome).toMatchObject({ status: 'failed', mayHaveActed: true });
    const resumed = await b.cli(['update', '--resume', runId, '--yes', '--json']);
    expect(resumed.code, resumed.stderr).toBe(0);
    const again = (JSON.parse(resumed.stdout) as { rows: RowJson[] }).rows;
    expect(again.map((x) => x.status)).toEqual(['updated', 'updated', 'updated']);
    expect(routeCount(emu.stats(), PATCH_ROUTE)).toBe(3);
    const back = await b.cli(['rollback', runId, '--yes']);
    expect(back.code, back.stderr).toBe(0);
    expect(titles()).toEqual(before);
  });
});
