/**
 * A whole export edited in a spreadsheet (issue #12): every column of the export given on every row, a title changed
 * on each, a department or a mobile phone on some, while another admin edits titles, departments and preferred names
 * between the tool's read and its write. The result is the full merge: every user as it was, with the file's changed
 * cells and the other admin's edits of cells the file does not change; nothing else of any user is lost.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GenesysUser } from '../../src/genesys/types.js';
import { type Sandbox, sandbox } from './harness.js';
import { csv } from './helpers.js';

const COLUMNS =
  'id,email,name,title,department,preferredName,manager,employerInfo.officialName,employerInfo.employeeId,' +
  'employerInfo.employeeType,employerInfo.dateHire,phone.work,phone.mobile,phone.work.extension,acdAutoAnswer,' +
  'locations,profileSkills,certifications,state';

type Row = Record<string, string>;

async function exported(box: Sandbox, name: string): Promise<Row[]> {
  const r = await box.cli(['export', name, '--columns', COLUMNS, '--force']);
  expect(r.code, r.stderr).toBe(0);
  return parse(await readFile(join(box.dir, name), 'utf8'), { columns: true, bom: true }) as Row[];
}

describe('a whole export edited in a spreadsheet, applied while another admin edits', () => {
  let box: Sandbox;
  beforeAll(async () => {
    box = await sandbox({
      users: 150,
      limit: 1_000_000,
      concurrentEditRate: 0.3,
      concurrentEditFields: ['title', 'department', 'preferredName'],
    });
  });
  afterAll(() => box?.close());

  it('every user is the full merge of what it had, the file and the other admin', async () => {
    const emu = box.emulator;
    const before = new Map(emu.users().map((u) => [u.id, structuredClone(u)]));
    const rows = await exported(box, 'export.csv');
    const header = COLUMNS.split(',');
    const edited = rows.map(
      (r, i): Row => ({
        ...r,
        title: `${r.title} VI`.trim(),
        ...(i % 10 === 3 ? { department: `Wide ${i}` } : {}),
        ...(i % 7 === 2 ? { 'phone.mobile': `+1317555${String(1000 + i).padStart(4, '0')}` } : {}),
      }),
    );
    await writeFile(join(box.dir, 'edited.csv'), csv([header, ...edited.map((r) => header.map((c) => r[c] ?? ''))]));
    const up = await box.cli(['update', 'edited.csv', '--yes', '--json', '--no-progress']);
    expect(up.code, up.stderr).toBe(0);
    const edits = emu.stats().concurrentEdits;
    // The case is the one it means to be: edits both of a column the file changes and of ones it gives unchanged.
    expect(edits.some((e) => e.field === 'title')).toBe(true);
    expect(edits.some((e) => e.field !== 'title')).toBe(true);

    // The export after it: the edited file, but for the other admin's last edit of a cell the file did not change.
    const after = new Map((await exported(box, 'after.csv')).map((r) => [r.id!, r]));
    const expected = new Map(edited.map((r): [string, Row] => [r.id!, { ...r }]));
    for (const e of edits) {
      const i = rows.findIndex((r) => r.id === e.userId);
      if (edited[i]![e.field] === rows[i]![e.field]) expected.get(e.userId)![e.field] = String(e.value);
    }
    const differing = [...expected].filter(([id, r]) => JSON.stringify(after.get(id)) !== JSON.stringify(r));
    expect(differing.map(([id, r]) => ({ id, expected: r, now: after.get(id) }))).toEqual([]);

    // Nothing outside those columns changed: every other field (and every other phone entry) as it was.
    const outside = (u: GenesysUser | undefined) => {
      const {
        version: _v,
        title: _t,
        department: _d,
        preferredName: _p,
        addresses,
        ...rest
      } = u ?? ({} as GenesysUser);
      return { ...rest, addresses: (addresses ?? []).filter((c) => !(c.mediaType === 'PHONE' && c.type === 'MOBILE')) };
    };
    const changedOutside = [...before].filter(([id, u]) => !isDeepStrictEqual(outside(emu.user(id)), outside(u)));
    expect(changedOutside.map(([id, u]) => ({ id, now: outside(emu.user(id)), was: outside(u) }))).toEqual([]);
  });
});
