/**
 * The admin's round trip through a spreadsheet: export, open and save in Excel, LibreOffice or Google Sheets (the
 * saves test/fixtures/spreadsheet-saves.ts models), update. An untouched save plans nothing; one edit among the
 * spreadsheet's own changes plans that edit alone; a cell the spreadsheet changed that is not the current value is
 * refused, never written.
 */
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SAVES, saveAs } from '../fixtures/spreadsheet-saves.js';
import { type Sandbox, sandbox } from './harness.js';
import { activeUsers, runIdOf } from './helpers.js';

interface Doc {
  exitCode: number;
  summary: { planned: number; unchanged: number; invalid: number; rows: number };
  problems: { severity: string; code: string; column: string | null; message: string }[];
  rows: {
    row: number;
    key: string;
    status: string;
    changes: { field: string; before: string | null; after: string | null }[];
    problems?: { code: string; column: string | null; columns: string[] }[];
  }[];
}

let box: Sandbox;
let exported: string;
let edited: { email: string; mobile: string };
beforeAll(async () => {
  box = await sandbox({ users: 30 });
  const [a, b, c, d] = activeUsers(box);
  // Values a spreadsheet changes besides phones, dates and booleans: leading zeros, 12 digits, a character that
  // Windows-1252 lacks (in a name and in list items), free text that reads as a date or a number.
  const seed = [
    { email: a!.email, 'employerInfo.employeeId': '000456', 'phone.work.extension': '0123' },
    { email: b!.email, 'employerInfo.employeeId': '123456789012' },
    { email: c!.email, name: 'Łukasz Nowak', profileSkills: 'Łódź CX;Billing', certifications: 'Żaneta Level 2' },
    {
      email: d!.email,
      title: '3/4',
      department: '1-2',
      preferredName: 'Mar 4',
      'employerInfo.officialName': '2-1-1',
      'employerInfo.employeeType': '1E5',
      'employerInfo.employeeId': '00123',
    },
  ];
  const set = await box.cli(['update', '-', '--yes'], { stdin: seed.map((o) => JSON.stringify(o)).join('\n') });
  expect(set.code, set.stderr).toBe(0);
  const r = await box.cli(['export', 'users.csv']);
  expect(r.code, r.stderr).toBe(0);
  exported = await readFile(join(box.dir, 'users.csv'), 'utf8');
  const target = activeUsers(box).find((u) => u.addresses?.some((x) => x.type === 'MOBILE' && x.address))!;
  edited = { email: target.email!, mobile: target.addresses!.find((x) => x.type === 'MOBILE')!.address! };
}, 60_000);
afterAll(async () => {
  await box.close();
});

async function dryRun(name: string, bytes: Buffer, args: string[]): Promise<Doc> {
  await writeFile(join(box.dir, name), bytes);
  const r = await box.cli(['update', name, '--dry-run', '--json', ...args]);
  return JSON.parse(r.stdout) as Doc;
}

describe.each(Object.keys(SAVES))('an export saved by %s', (profile) => {
  it('plans no change, and says once per column which cells it read as the current value', async () => {
    const saved = saveAs(profile, exported);
    expect(saved.bytes.equals(Buffer.from(exported))).toBe(false);
    const doc = await dryRun(`${profile}.csv`, saved.bytes, saved.args);
    expect(doc.rows.filter((r) => r.status !== 'unchanged')).toEqual([]);
    expect(doc.exitCode).toBe(0);
    expect(doc.summary).toMatchObject({ rows: 30, unchanged: 30, planned: 0 });
    const columns = doc.problems.map((p) => p.column);
    expect(new Set(columns).size).toBe(columns.length);
    expect(doc.problems.every((p) => p.severity === 'warning' && p.code === 'spreadsheet_format')).toBe(true);
    expect(columns).toContain(profile === 'pandas' ? 'employerInfo.dateHire' : 'phone.mobile');
  });

  it('plans exactly the one cell an admin edited among the damage', async () => {
    const saved = saveAs(profile, exported, (row) => {
      if (row.email === edited.email) row.title = 'Edited In A Spreadsheet';
    });
    const doc = await dryRun(`${profile}-edit.csv`, saved.bytes, saved.args);
    expect(doc.exitCode).toBe(0);
    expect(doc.summary).toMatchObject({ planned: 1, unchanged: 29 });
    expect(doc.rows.find((r) => r.status === 'planned')?.changes).toEqual([
      { field: 'title', before: expect.any(String), after: 'Edited In A Spreadsheet' },
    ]);
  });
});

describe('applying a spreadsheet save with one edit', () => {
  it('writes that edit alone, and its run keeps no cell the spreadsheet changed (a resume plans from it)', async () => {
    const saved = saveAs('excel-de-de', exported, (row) => {
      if (row.email === edited.email) row.title = 'Applied From Excel';
    });
    await writeFile(join(box.dir, 'apply.csv'), saved.bytes);
    const target = activeUsers(box).find((u) => u.email === edited.email)!;
    const before = box.emulator.stats().patchesApplied;
    const r = await box.cli(['update', 'apply.csv', '--yes', ...saved.args]);
    expect(r.code, r.stderr).toBe(0);
    expect(box.emulator.stats().patchesApplied).toBe(before + 1);
    const after = box.emulator.user(target.id)!;
    expect(after.title).toBe('Applied From Excel');
    expect({ ...after, title: target.title, version: target.version }).toEqual(target);
    const runId = runIdOf(r.stderr)!;
    const plan = await readFile(join(box.dir, '.genesys-bulk', 'runs', runId, 'plan.json'), 'utf8');
    expect(plan).toContain('Applied From Excel');
    expect(plan).not.toMatch(/asSaved|WAHR|FALSCH|#NAME\?/);
  });
});

describe('the byte-order mark the export starts with', () => {
  it('is what lets Excel read its accents: without it, a name is misread (no change) and a location is unknown', async () => {
    expect(exported.startsWith('\ufeff')).toBe(true);
    const saved = saveAs('excel-en-us', exported.slice(1));
    const doc = await dryRun('no-bom.csv', saved.bytes, saved.args);
    expect(doc.exitCode).toBe(2);
    expect(JSON.stringify(doc.rows)).toContain('no location named \\"SÃ£o Paulo\\"');
  });
});

describe('a cell a spreadsheet changed that is not the current value', () => {
  it('a phone typed without its + (Excel drops it) is refused, naming row and column; nothing is written', async () => {
    const other = `+${String(BigInt(edited.mobile.replace('+', '')) + 1n)}`;
    const saved = saveAs('excel-en-us', exported, (row) => {
      if (row.email === edited.email) row['phone.mobile'] = other;
    });
    await writeFile(join(box.dir, 'phone-edit.csv'), saved.bytes);
    const before = box.emulator.stats().patchesApplied;
    const r = await box.cli(['update', 'phone-edit.csv', '--yes']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(
      new RegExp(`row \\d+ \\(line \\d+\\): phone.mobile: "${other.slice(1)}" is a phone number without its \\+`),
    );
    expect(r.stderr).toContain('type the number with its +');
    expect(box.emulator.stats().patchesApplied).toBe(before);
  });

  it('a hire date in a local format that is not the current one is refused, naming row and column and the ISO date it could mean', async () => {
    const saved = saveAs('excel-en-gb', exported, (row) => {
      if (row.email === edited.email) row['employerInfo.dateHire'] = '2020-01-02';
    });
    const doc = await dryRun('date-edit.csv', saved.bytes, saved.args);
    expect(doc.exitCode).toBe(2);
    const bad = doc.rows.find((r) => r.status === 'invalid');
    expect(JSON.stringify(bad)).toContain('employerInfo.dateHire: \\"02/01/2020\\" is a date in a spreadsheet');
    expect(JSON.stringify(bad)).toContain('yyyy-MM-dd (2020-01-02)');
    expect(doc.rows.flatMap((r) => r.problems ?? []).map((p) => [p.code, p.column])).toEqual([
      ['invalid_change', 'employerInfo.dateHire'],
    ]);
  });

  it('a new hire (--create) with a phone without its +, a local date, an error value or a text turned into a date is refused, naming every column', async () => {
    const file = 'email,name,phone.mobile,employerInfo.dateHire,acdAutoAnswer,title,department,queues\r\n';
    const rows = [
      'new.phone@example.com,New Phone,14155550123,,,,,',
      'new.date@example.com,New Date,,3/14/2021,,,,',
      // WAHR is true, as TRUE is.
      'new.bool@example.com,New Bool,,,WAHR,,,',
      'new.lost@example.com,New Lost,,,,#NAME?,,',
      'new.na@example.com,New NA,,,,,#N/A,',
      'new.calc@example.com,New Calc,,,,,Err:502,',
      'new.sheets@example.com,New Sheets,,,,,,#ERROR!',
      'new.text@example.com,New Text,,,,4-Mar,,',
      'new.many@example.com,New Many,14155550124,,,#REF!,03/04/2026,',
    ];
    await writeFile(join(box.dir, 'hires.csv'), `\ufeff${file}${rows.join('\r\n')}\r\n`);
    const r = await box.cli(['update', 'hires.csv', '--create', '--dry-run', '--json']);
    expect(r.code, r.stderr).toBe(2);
    const doc = JSON.parse(r.stdout) as Doc;
    expect(
      doc.rows.map((row) => [row.row, row.status, row.problems?.map((p) => [p.code, p.column, p.columns])]),
    ).toEqual([
      [1, 'invalid', [['invalid_change', 'phone.mobile', ['phone.mobile']]]],
      [2, 'invalid', [['invalid_change', 'employerInfo.dateHire', ['employerInfo.dateHire']]]],
      [4, 'invalid', [['invalid_change', 'title', ['title']]]],
      [5, 'invalid', [['invalid_change', 'department', ['department']]]],
      [6, 'invalid', [['invalid_change', 'department', ['department']]]],
      [7, 'invalid', [['invalid_change', 'queues', ['queues']]]],
      [8, 'invalid', [['invalid_change', 'title', ['title']]]],
      [9, 'invalid', [['invalid_change', 'title', ['title', 'department', 'phone.mobile']]]],
    ]);
    expect(r.stderr).toMatch(/row 5 \(line 6\): department: "#N\/A" is a spreadsheet's error value/);
    expect(r.stderr).toMatch(/row 8 \(line 9\): title: "4-Mar" is a date as a spreadsheet writes one/);
    expect(r.stderr).toMatch(
      /row 9 \(line 10\): title: "#REF!" .*; department: "03\/04\/2026" .*; phone\.mobile: "14155550124"/,
    );
    const skip = await box.cli(['update', 'hires.csv', '--create', '--yes', '--json', '--skip-invalid']);
    expect(skip.code, skip.stderr).toBe(1);
    const created = (JSON.parse(skip.stdout) as Doc).rows.filter((row) => row.status === 'created');
    expect(created.map((row) => row.key)).toEqual(['new.bool@example.com']);
    const users = box.emulator.users();
    expect(users.find((u) => u.email === 'new.bool@example.com')?.acdAutoAnswer).toBe(true);
    for (const refused of ['new.lost', 'new.na', 'new.calc', 'new.sheets', 'new.text', 'new.many'])
      expect(users.some((u) => u.email === `${refused}@example.com`)).toBe(false);
  });

  it('a title typed as 3/5 in Excel (saved 5-Mar) is refused, naming row and column and how to keep the text; nothing is written', async () => {
    const saved = saveAs('excel-en-us', exported, (row) => {
      if (row.email === edited.email) row.title = '3/5';
    });
    await writeFile(join(box.dir, 'title-date.csv'), saved.bytes);
    const before = box.emulator.stats().patchesApplied;
    const r = await box.cli(['update', 'title-date.csv', '--yes']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/row \d+ \(line \d+\): title: "5-Mar" is a date as a spreadsheet writes one/);
    expect(r.stderr).toContain('format the column as Text in the spreadsheet before typing the value');
    expect(box.emulator.stats().patchesApplied).toBe(before);
  });

  it('a boolean in any spreadsheet spelling is written whichever way it changes the value', async () => {
    const [x, y] = activeUsers(box).filter((u) => u.email !== edited.email && u.state === 'active');
    const set = await box.cli(['update', '-', '--yes'], {
      stdin: `${JSON.stringify({ email: x!.email, acdAutoAnswer: 'false' })}\n${JSON.stringify({ email: y!.email, acdAutoAnswer: 'true' })}`,
    });
    expect(set.code, set.stderr).toBe(0);
    for (const [on, off] of [
      ['1', '0'],
      ['WAHR', 'FALSCH'],
      ['VRAI', 'FAUX'],
      ['TRUE', 'FALSE'],
    ]) {
      await writeFile(join(box.dir, 'bool.csv'), `email,acdAutoAnswer\r\n${x!.email},${on}\r\n${y!.email},${off}\r\n`);
      const r = await box.cli(['update', 'bool.csv', '--yes']);
      expect(r.code, `${on}/${off}: ${r.stderr}`).toBe(0);
      expect([box.emulator.user(x!.id)!.acdAutoAnswer, box.emulator.user(y!.id)!.acdAutoAnswer]).toEqual([true, false]);
      const back = await box.cli(['update', '-', '--yes'], {
        stdin: `${JSON.stringify({ email: x!.email, acdAutoAnswer: 'false' })}\n${JSON.stringify({ email: y!.email, acdAutoAnswer: 'true' })}`,
      });
      expect(back.code, back.stderr).toBe(0);
    }
  });

  it("a refused row's cells are not kept in the run folder's plan.json, which only its owner can read", async () => {
    const saved = saveAs('excel-en-us', exported, (row) => {
      if (row.email === edited.email) row.title = '3/5';
    });
    await writeFile(join(box.dir, 'skip.csv'), saved.bytes);
    const r = await box.cli(['update', 'skip.csv', '--yes', '--skip-invalid', '--json']);
    expect(r.code, r.stderr).toBe(1);
    const doc = JSON.parse(r.stdout) as Doc;
    const bad = doc.rows.find((row) => row.status === 'invalid')!;
    expect(bad.problems?.map((p) => [p.code, p.column])).toEqual([['invalid_change', 'title']]);
    const runId = runIdOf(r.stderr)!;
    const path = join(box.dir, '.genesys-bulk', 'runs', runId, 'plan.json');
    const plan = JSON.parse(await readFile(path, 'utf8')) as { plan: { rows: Record<string, unknown>[] } };
    const row = plan.plan.rows.find((x) => x.status === 'invalid')!;
    expect(Object.keys(row).sort()).toEqual(['diffs', 'key', 'line', 'note', 'rowNumber', 'status', 'userId']);
    expect(JSON.stringify(plan)).not.toMatch(/asSaved|5-Mar"|TRUE|FALSE/);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  it('JSON is taken as written: a phone without its + is refused as it always was', async () => {
    const stats = box.emulator.stats();
    const r = await box.cli(['update', '-', '--dry-run'], {
      stdin: JSON.stringify({ email: edited.email, 'phone.mobile': edited.mobile.slice(1) }),
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('must be in international format');
    expect(box.emulator.stats().patchesApplied).toBe(stats.patchesApplied);
  });
});
