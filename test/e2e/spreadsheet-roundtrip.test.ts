/**
 * The admin's round trip through a spreadsheet: export, open and save in Excel, LibreOffice or Google Sheets (the
 * saves test/fixtures/spreadsheet-saves.ts models), update. An untouched save plans nothing; one edit among the
 * spreadsheet's own changes plans that edit alone; a cell the spreadsheet changed that is not the current value is
 * refused, never written.
 */
import { readFile, writeFile } from 'node:fs/promises';
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
    status: string;
    changes: { field: string; before: string | null; after: string | null }[];
    problems?: { code: string; column: string | null }[];
  }[];
}

let box: Sandbox;
let exported: string;
let edited: { email: string; mobile: string };
beforeAll(async () => {
  box = await sandbox({ users: 30 });
  const [a, b, c] = activeUsers(box);
  // Values a spreadsheet changes besides phones, dates and booleans: leading zeros, 12 digits, a character that
  // Windows-1252 lacks.
  const seed = [
    { email: a!.email, 'employerInfo.employeeId': '000456', 'phone.work.extension': '0123' },
    { email: b!.email, 'employerInfo.employeeId': '123456789012' },
    { email: c!.email, name: 'Łukasz Nowak' },
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

  it('a new hire (--create) with a phone without its +, a local date or WAHR is refused, not created without them', async () => {
    const file = 'email,name,phone.mobile,employerInfo.dateHire,acdAutoAnswer,title\r\n';
    const rows = [
      'new.phone@example.com,New Phone,14155550123,,,',
      'new.date@example.com,New Date,,3/14/2021,,',
      'new.bool@example.com,New Bool,,,WAHR,',
      // An error value is a lost cell, read as empty: the user is created without a title.
      'new.lost@example.com,New Lost,,,,#NAME?',
    ];
    await writeFile(join(box.dir, 'hires.csv'), `\ufeff${file}${rows.join('\r\n')}\r\n`);
    const r = await box.cli(['update', 'hires.csv', '--create', '--dry-run', '--json']);
    expect(r.code, r.stderr).toBe(2);
    const doc = JSON.parse(r.stdout) as Doc;
    expect(doc.rows.map((row) => [row.row, row.status, row.problems?.map((p) => [p.code, p.column])])).toEqual([
      [1, 'invalid', [['invalid_change', 'phone.mobile']]],
      [2, 'invalid', [['invalid_change', 'employerInfo.dateHire']]],
      [3, 'invalid', [['invalid_change', 'acdAutoAnswer']]],
    ]);
    const skip = await box.cli(['update', 'hires.csv', '--create', '--dry-run', '--json', '--skip-invalid']);
    const created = (JSON.parse(skip.stdout) as Doc).rows.find((row) => row.status === 'to_create');
    expect(created?.changes.map((c) => c.field)).toEqual(['email', 'name', 'division']);
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
