/**
 * Inputs as other tools write them, through the built CLI against the emulator: pretty-printed JSON objects on
 * stdin (`jq '.[]'`), and a Windows-1252, semicolon-separated spreadsheet export with its own header spelling.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Sandbox, sandbox } from './harness.js';
import { activeUsers } from './helpers.js';

let box: Sandbox;
beforeAll(async () => {
  box = await sandbox();
});
afterAll(async () => {
  await box.close();
});
beforeEach(() => {
  box.emulator.reset();
});

describe('input shapes', () => {
  it("pretty-printed objects on stdin (jq '.[]') are applied row by row", async () => {
    const [a, b] = activeUsers(box);
    const stdin = [
      { email: a!.email, title: 'Shape Title A' },
      { email: b!.email, title: 'Shape Title B' },
    ]
      .map((o) => JSON.stringify(o, null, 2))
      .join('\n');
    const r = await box.cli(['update', '-', '--yes'], { stdin });
    expect(r.code, r.stderr).toBe(0);
    expect(box.emulator.user(a!.id)?.title).toBe('Shape Title A');
    expect(box.emulator.user(b!.id)?.title).toBe('Shape Title B');
  });

  it('a bad object in a pretty-printed stream names its row and the line of the error', async () => {
    const [a, b] = activeUsers(box);
    const stdin = `{\n  "email": "${a!.email}",\n  "title": "X"\n}\n{\n  "email": "${b!.email}",\n  "title": "Y",\n}\n`;
    const r = await box.cli(['update', '-', '--yes'], { stdin });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/row 2 \(line 5\).*\(line 8\).*a comma before "}" is not allowed/);
  });

  it('a Windows-1252 export separated by semicolons, with spreadsheet headers, is applied with --encoding', async () => {
    const [a] = activeUsers(box);
    const bytes = Buffer.concat([
      Buffer.from(`E-mail;Title;Department\r\n${a!.email};Jefe de Atenci`),
      Buffer.from([0xf3]),
      Buffer.from('n;Soporte, EMEA\r\n'),
    ]);
    const file = join(box.dir, 'export.csv');
    await writeFile(file, bytes);
    const plain = await box.cli(['update', file, '--yes']);
    expect(plain.code, plain.stderr).toBe(2);
    expect(plain.stderr).toContain('--encoding windows-1252');
    const r = await box.cli(['update', file, '--yes', '--encoding', 'windows-1252']);
    expect(r.code, r.stderr).toBe(0);
    expect(box.emulator.user(a!.id)).toMatchObject({ title: 'Jefe de Atención', department: 'Soporte, EMEA' });
  });
});

describe('characters a spreadsheet could not save', () => {
  it('a value that is the current one with "?" for its non-ASCII characters is no change; an edit with a "?" is one', async () => {
    const [a, b, c] = activeUsers(box);
    const seed = [
      { email: a!.email, name: 'Łukasz Nowak' },
      { email: b!.email, title: '日本語 Lead 👋' },
    ];
    const set = await box.cli(['update', '-', '--yes'], { stdin: seed.map((o) => JSON.stringify(o)).join('\n') });
    expect(set.code, set.stderr).toBe(0);
    // What Excel's "CSV (Comma delimited)" writes for them: a "?" per character (or per UTF-16 half) it lacks.
    const csv = `email,name,title\r\n${a!.email},?ukasz Nowak,\r\n${b!.email},,??? Lead ??\r\n${c!.email},,Why? Lead\r\n`;
    await writeFile(join(box.dir, 'code-page.csv'), csv);
    const r = await box.cli(['update', 'code-page.csv', '--yes']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`~ ${c!.email} (row 3)\n    title: ${JSON.stringify(c!.title)} → "Why? Lead"`);
    expect(r.stdout).toContain('Plan: 1 to change, 2 unchanged');
    expect(r.stdout).toMatch(
      /warning: column "name": 1 row holds the current value as a spreadsheet saved it \(with a "\?" for each character/,
    );
    expect(r.stdout).toMatch(/warning: column "title": 1 row holds .*save the file as "CSV UTF-8"/);
    expect(box.emulator.user(a!.id)?.name).toBe('Łukasz Nowak');
    expect(box.emulator.user(b!.id)?.title).toBe('日本語 Lead 👋');
    expect(box.emulator.user(c!.id)?.title).toBe('Why? Lead');
  });
});

describe('values a spreadsheet read as numbers', () => {
  it('leading zeros dropped or scientific notation, against the current value, are no change; an edit is one', async () => {
    const [a, b, c, d] = activeUsers(box);
    const seed = [
      { email: a!.email, 'employerInfo.employeeId': '000456', 'phone.work.extension': '0123' },
      { email: b!.email, 'employerInfo.employeeId': '123456789012' },
      { email: c!.email, 'employerInfo.employeeId': '0042' },
      { email: d!.email, 'employerInfo.employeeId': '124000000000' },
    ];
    const set = await box.cli(['update', '-', '--yes'], { stdin: seed.map((o) => JSON.stringify(o)).join('\n') });
    expect(set.code, set.stderr).toBe(0);
    const csv =
      'email,employerInfo.employeeId,phone.work.extension\r\n' +
      `${a!.email},456,123\r\n${b!.email},1.23457E+11,\r\n${c!.email},E-43,\r\n`;
    await writeFile(join(box.dir, 'numbers.csv'), csv);
    const r = await box.cli(['update', 'numbers.csv', '--yes', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as { rows: { status: string }[]; problems: { column: string; message: string }[] };
    expect(doc.rows.map((row) => row.status)).toEqual(['unchanged', 'unchanged', 'updated']);
    expect(doc.problems.map((p) => [p.column, p.message.match(/\d+ rows? hold/)?.[0]])).toEqual([
      ['employerInfo.employeeId', '2 rows hold'],
      ['phone.work.extension', '1 row hold'],
    ]);
    expect(box.emulator.user(a!.id)?.employerInfo?.employeeId).toBe('000456');
    expect(box.emulator.user(b!.id)?.employerInfo?.employeeId).toBe('123456789012');
    expect(box.emulator.user(c!.id)?.employerInfo?.employeeId).toBe('E-43');
    // Digits without the leading zeros the current value has: most likely 0043 saved by a spreadsheet, so refused.
    await writeFile(join(box.dir, 'zeros.csv'), `email,employerInfo.employeeId\r\n${a!.email},457\r\n`);
    const zeros = await box.cli(['update', 'zeros.csv', '--yes']);
    expect(zeros.code).toBe(2);
    expect(zeros.stderr).toContain('employerInfo.employeeId: "457" is a number without the leading zeros');
    expect(box.emulator.user(a!.id)?.employerInfo?.employeeId).toBe('000456');
    // Scientific notation that is not the current value: its digits are lost, so the row is refused, not written.
    await writeFile(join(box.dir, 'numbers.csv'), `email,employerInfo.employeeId\r\n${d!.email},1.23457E+11\r\n`);
    const lossy = await box.cli(['update', 'numbers.csv', '--yes']);
    expect(lossy.code).toBe(2);
    expect(lossy.stderr).toContain(
      'row 1 (line 2): employerInfo.employeeId: "1.23457E+11" is a number a spreadsheet wrote in scientific notation, which loses digits, and the current value is "124000000000"',
    );
    expect(box.emulator.user(d!.id)?.employerInfo?.employeeId).toBe('124000000000');
    // JSON comes from a script, not a spreadsheet: its values are taken as written.
    const json = await box.cli(['update', '-', '--yes'], {
      stdin: JSON.stringify({ email: a!.email, 'employerInfo.employeeId': '456' }),
    });
    expect(json.code, json.stderr).toBe(0);
    expect(box.emulator.user(a!.id)?.employerInfo?.employeeId).toBe('456');
  });
});
