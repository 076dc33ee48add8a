import { describe, expect, it } from 'vitest';
import { readInput } from '../../src/input/index.js';
import { errors, fatal, parseText, streamOf, warnings } from './helpers.js';

const utf16 = (text: string, endian: 'le' | 'be') => {
  const le = Buffer.from(`\uFEFF${text}`, 'utf16le');
  return endian === 'le' ? le : Buffer.from(le).swap16();
};

describe('headers as a spreadsheet writes them', () => {
  it.each([
    ['Email,Title,Phone Work,Employer Info.Employee Id,PREFERRED_NAME', 'email'],
    ['E-mail, title ,phone_work,employerinfo_employeeid,Preferred Name', 'email'],
    ['ID,Title,phone.work,EmployerInfo.EmployeeID,preferred.name', 'id'],
  ])('%s is read as the documented columns', async (header, key) => {
    const keyValue = key === 'id' ? '6a1f0c52-3c0e-4d6c-9f3e-2b8f1f0e9a11' : 'a@example.com';
    const parsed = await parseText(`${header}\n${keyValue},Lead,+1 317 555 0100,E-1,Ana\n`, 'csv');
    expect(parsed.problems).toEqual([]);
    expect(parsed.rows[0]!.changes).toEqual({
      title: 'Lead',
      preferredName: 'Ana',
      employerInfo: { employeeId: 'E-1' },
      phones: { work: '+13175550100' },
    });
  });

  it('names the documented column in row problems, not the header as written', async () => {
    const parsed = await parseText('EMAIL,Phone Mobile\na@example.com,abc\n', 'csv');
    expect(
      errors(parsed).map((p) => [p.column, p.message.startsWith('row 1 (line 2), column "phone.mobile"')]),
    ).toEqual([['phone.mobile', true]]);
  });

  it('refuses two headers that mean the same column, naming both', async () => {
    const parsed = await parseText('email,Title,TITLE\na@example.com,a,b\n', 'csv');
    expect(errors(parsed).map((p) => p.message)).toEqual([
      'line 1, column "title": the header has "Title" (position 2) and "TITLE" (position 3), which both mean "title"; keep only one',
    ]);
  });
});

describe('separators', () => {
  it.each([
    ['semicolons', ';'],
    ['tabs', '\t'],
  ])('a header separated by %s is read so, values with commas included', async (_, sep) => {
    const parsed = await parseText(
      ['email', 'title', 'department'].join(sep) +
        '\n' +
        ['a@example.com', 'Lead, Support', '"Sales; EMEA"'].join(sep) +
        '\n' +
        ['b@example.com', 'Agent', ''].join(sep) +
        '\n',
      'csv',
    );
    expect(parsed.problems).toEqual([]);
    expect(parsed.rows.map((r) => [r.rowNumber, r.line, r.changes])).toEqual([
      [1, 2, { title: 'Lead, Support', department: 'Sales; EMEA' }],
      [2, 3, { title: 'Agent' }],
    ]);
  });

  it('a comma in the header keeps commas, even with semicolons inside values', async () => {
    const parsed = await parseText('email,skills\na@example.com,Billing:4;Spanish:3\n', 'csv');
    expect(parsed.problems).toEqual([]);
    expect(parsed.rows).toHaveLength(1);
  });

  it('decides from the header line only, read in small chunks', async () => {
    const chunks = 'email;title\na@example.com;Lead\n'.match(/[\s\S]{1,3}/g)!;
    const parsed = await readInput({ path: 'u.csv', stream: streamOf(...chunks), format: 'csv' });
    expect(parsed.rows[0]!.changes).toEqual({ title: 'Lead' });
  });
});

describe('--encoding', () => {
  const text = 'email,title\na@example.com,Café Señor\n';
  it.each([
    [
      'windows-1252',
      Buffer.from([
        ...Buffer.from('email,title\na@example.com,Caf'),
        0xe9,
        ...Buffer.from(' Se'),
        0xf1,
        ...Buffer.from('or\n'),
      ]),
    ],
    [
      'latin1',
      Buffer.from([
        ...Buffer.from('email,title\na@example.com,Caf'),
        0xe9,
        ...Buffer.from(' Se'),
        0xf1,
        ...Buffer.from('or\n'),
      ]),
    ],
    ['utf-16le', utf16(text, 'le')],
    ['utf-16be', utf16(text, 'be')],
    ['utf-8', Buffer.from(`\uFEFF${text}`)],
  ])('%s', async (encoding, bytes) => {
    const parsed = await readInput({ path: 'u.csv', stream: streamOf(bytes), format: 'csv', encoding });
    expect(parsed.problems).toEqual([]);
    expect(parsed.rows[0]!.changes).toEqual({ title: 'Café Señor' });
  });

  it.each([['le'], ['be']] as const)('UTF-16 %s with a byte-order mark needs no option', async (endian) => {
    const parsed = await readInput({ path: 'u.csv', stream: streamOf(utf16(text, endian)) });
    expect(parsed.rows[0]!.changes).toEqual({ title: 'Café Señor' });
  });

  it('a Windows-1252 file read as UTF-8 says to pass --encoding', async () => {
    const err = await fatal(
      readInput({
        path: 'u.csv',
        stream: streamOf(Buffer.from([...Buffer.from('email,title\na@example.com,Caf'), 0xe9, 10])),
      }),
    );
    expect(err.message).toContain('u.csv, line 2: the file is not valid UTF-8 text');
    expect(err.message).toContain('--encoding windows-1252');
  });

  it('an unknown encoding is a usage error', async () => {
    const err = await fatal(readInput({ path: 'u.csv', stream: streamOf('email\n'), encoding: 'klingon' }));
    expect(err.message).toContain('Unknown encoding "klingon" for --encoding: use one of utf-8');
  });
});

describe('cells as a spreadsheet saves them', () => {
  const one = async (column: string, value: string, format: 'csv' | 'jsonl' = 'csv') =>
    parseText(
      format === 'csv'
        ? `email,${column}\na@example.com,${value}\n`
        : `${JSON.stringify({ email: 'a@example.com', [column]: value })}\n`,
      format,
    );

  // Whether such a cell is the user's current value only planning can tell (test/plan/spreadsheet.test.ts).
  it.each([
    ['phone.work', '13175550100'],
    ['phone.work', '1.31756E+10'],
    ['phone.mobile', '14155550123.0'],
    ['employerInfo.dateHire', '04/12/2024'],
    ['employerInfo.dateHire', '4.12.2024'],
    ['employerInfo.dateHire', '12/4/24 12:00:00 AM'],
    ['employerInfo.dateHire', '2024-12-04 00:00:00'],
    ['employerInfo.employeeId', '1.23457E+11'],
    ['phone.work.extension', '2867.0'],
    ['queues', '#NAME?'],
    ['title', '#ERROR!'],
  ])('CSV %s %s is kept as written for planning, not refused', async (column, value) => {
    const parsed = await one(column, value);
    expect(parsed.problems).toEqual([]);
    expect(parsed.rows[0]!.changes).toEqual({ asSaved: { [column]: value } });
  });

  it.each<[string, boolean]>([
    ['TRUE', true],
    ['FALSE', false],
    ['WAHR', true],
    ['FALSCH', false],
    ['VRAI', true],
    ['FAUX', false],
    ['1', true],
    ['0', false],
    ['true', true],
    ['false', false],
  ])('CSV acdAutoAnswer %s is the boolean %s, whichever the current value is', async (value, bool) => {
    const parsed = await one('acdAutoAnswer', value);
    expect(parsed.problems).toEqual([]);
    expect(parsed.rows[0]!.changes).toEqual({ acdAutoAnswer: bool });
  });

  it.each([
    [
      'phone.work',
      '13175550100',
      'a spreadsheet drops the leading + when it reads the cell as a number',
      'e.g. +13175550100',
    ],
    ['phone.work', '1.31756E+10', 'in scientific notation', 'format the column as text'],
    ['phone.work', '04/12/2024', 'the spreadsheet turned this into a date', 'format the column as text'],
    ['employerInfo.dateHire', '04/12/2024', 'the spreadsheet wrote the date in its local format', 'yyyy-mm-dd'],
    ['acdAutoAnswer', 'WAHR', 'a spreadsheet writes a boolean in its own language', 'true or false'],
    ['phone.work.extension', '2867.0', 'a spreadsheet read the cell as a number', 'format the column as text'],
  ])('JSON %s %s is taken as written: the format error, with a hint', async (column, value, hint, advice) => {
    const [problem, ...rest] = errors(await one(column, value, 'jsonl'));
    expect(rest).toEqual([]);
    expect(problem!.message).toContain(hint);
    expect(problem!.message).toContain(advice);
  });

  it.each([
    ['0044 20 7946 0000', '00 is the international call prefix, which this format writes as +', 'e.g. +442079460000'],
    ['020 7946 0000', 'a national number', 'the country code after a +'],
    ['04/12/2024', 'the spreadsheet turned this into a date', 'format the column as text'],
  ])(
    'CSV phone %s, which no spreadsheet makes of a phone: the format error and a hint',
    async (value, hint, advice) => {
      const [problem, ...rest] = errors(await one('phone.work', value));
      expect(rest).toEqual([]);
      expect(problem!.message).toContain('must be in international format');
      expect(problem!.message).toContain(hint);
      expect(problem!.message).toContain(advice);
    },
  );

  it('a JSON employee id in scientific notation is kept, with a warning', async () => {
    const parsed = await one('employerInfo.employeeId', '1.23457E+11', 'jsonl');
    expect(errors(parsed)).toEqual([]);
    expect(warnings(parsed).map((p) => [p.column, p.message])).toEqual([
      [
        'employerInfo.employeeId',
        expect.stringContaining('kept as written, but the spreadsheet turned this into a number'),
      ],
    ]);
  });

  it('an error value in the key columns is no key', async () => {
    const parsed = await parseText('id,email,title\n#NAME?,a@example.com,Lead\n', 'csv');
    expect(errors(parsed).map((p) => p.column)).toEqual(['id']);
  });

  it('plain values get no hint', async () => {
    expect((await one('phone.work', 'call me'))!.problems[0]!.message).not.toContain('spreadsheet');
    expect(warnings(await one('title', 'Team Lead 2'))).toEqual([]);
  });
});

describe("the ' an export puts before a formula start", () => {
  const titles = async (text: string, format: 'csv' | 'jsonl') =>
    (await parseText(text, format)).rows.map((r) => r.changes.title);

  it('is taken off a CSV cell, once, whatever else the cell holds', async () => {
    const csv = "email,title\na@example.com,'=SUM(A1)\nb@example.com,\"'-5% budget\"\nc@example.com,''@x\n";
    expect(await titles(csv, 'csv')).toEqual(['=SUM(A1)', '-5% budget', "'@x"]);
  });

  it('stays on a cell whose apostrophe stands before anything else, and on a JSON value', async () => {
    expect(await titles("email,title\na@example.com,'quoted\nb@example.com,'00123\n", 'csv')).toEqual([
      "'quoted",
      "'00123",
    ]);
    expect(await titles('{"email":"a@example.com","title":"\'=SUM(A1)"}\n', 'jsonl')).toEqual(["'=SUM(A1)"]);
  });

  it("reads a list cell an export escaped as the list it was (a name that starts with '=')", async () => {
    const parsed = await parseText("email,profileSkills\na@example.com,'=Excel;Java\n", 'csv');
    expect(parsed.rows[0]!.changes.profileSkills).toEqual({ mode: 'replace', items: ['=Excel', 'Java'] });
  });
});
