import { describe, expect, it } from 'vitest';
import { ANA_ID, BOB_ID, errors, onlyProblem, parseText, warnings } from './helpers.js';

describe('keys', () => {
  it('keys by id when the id is present, making email a change', async () => {
    const parsed = await parseText(`id,email\n${ANA_ID},New@Example.com\n`, 'csv');
    expect(parsed.rows[0]).toMatchObject({ key: { kind: 'id', id: ANA_ID }, changes: { email: 'New@Example.com' } });
  });

  it('keys by lower-cased email when the id is empty, and takes the new address from newEmail as spelled', async () => {
    const parsed = await parseText('id,email,newEmail\n,Ana@Example.COM,Ana.Lopez@Example.com\n', 'csv');
    expect(parsed.rows[0]).toMatchObject({
      key: { kind: 'email', email: 'ana@example.com', spelled: 'Ana@Example.COM' },
      changes: { email: 'Ana.Lopez@Example.com' },
    });
  });

  it('rejects newEmail in a row keyed by id', async () => {
    const p = await onlyProblem(`id,newEmail\n${ANA_ID},a@example.com\n`);
    expect(p).toMatchObject({ severity: 'error', rowNumber: 1, line: 2, column: 'newEmail' });
  });

  it('reports a row with neither id nor email as a missing key', async () => {
    const p = await onlyProblem('id,email,title\n,,Lead\n');
    expect(p).toEqual({
      severity: 'error',
      rowNumber: 1,
      line: 2,
      code: 'missing_key',
      message: 'row 1 (line 2): missing key: give an id or email column value to say which user this row changes',
    });
  });

  it('reports a bad key email once, on the email column, not also as a missing key', async () => {
    const p = await onlyProblem('email,title\nbob@,Lead\n');
    expect(p.message).toBe('row 1 (line 2), column "email": "bob@" is not a valid email address');
  });

  it('requires the id to be a UUID', async () => {
    const p = await onlyProblem('id,title\n42,Lead\n');
    expect(p).toMatchObject({ rowNumber: 1, column: 'id' });
    expect(p.message).toContain('"42" is not a valid user id');
  });
});

describe('<clear>', () => {
  it.each([
    ['id', `id,email\n<clear>,a@example.com\n`],
    ['email', `id,email\n${ANA_ID},<clear>\n`],
    ['email', `email,title\n<clear>,Lead\n`],
    ['newEmail', `email,newEmail\na@example.com,<clear>\n`],
    ['name', `email,name\na@example.com,<clear>\n`],
    ['state', `email,state\na@example.com,<clear>\n`],
  ])('is an error on %s', async (column, csv) => {
    const p = await onlyProblem(csv);
    expect(p.column).toBe(column);
    expect(p.message).toContain(`${column} cannot be cleared, so "<clear>" is not allowed here`);
  });
});

describe('other columns', () => {
  it('accepts a manager by id or by email, normalised', async () => {
    const parsed = await parseText(
      `email,manager\na@example.com,${BOB_ID.toUpperCase()}\nb@example.com,Boss@Example.com\n`,
      'csv',
    );
    expect(parsed.rows.map((r) => r.changes.manager)).toEqual([
      { kind: 'id', id: BOB_ID },
      { kind: 'email', email: 'boss@example.com' },
    ]);
  });

  it('rejects a manager that is neither a UUID nor an email, and a user managing themselves', async () => {
    const parsed = await parseText(
      `id,email,manager\n,a@example.com,Bob Smith\n${ANA_ID},,${ANA_ID}\n,b@example.com,B@example.com\n`,
      'csv',
    );
    expect(errors(parsed).map((p) => [p.rowNumber, p.column, p.message.split(': ').pop()])).toEqual([
      [1, 'manager', '"Bob Smith" is neither a user id (UUID) nor an email address'],
      [2, 'manager', 'a user cannot be their own manager'],
      [3, 'manager', 'a user cannot be their own manager'],
    ]);
  });

  it('limits name to 255 characters', async () => {
    const p = await onlyProblem(`email,name\na@example.com,${'x'.repeat(256)}\n`);
    expect(p.message).toBe('row 1 (line 2), column "name": is 256 characters long; the maximum is 255');
  });

  it('reports every problem in a row and in the file, not just the first', async () => {
    const parsed = await parseText(
      'email,phone.work,employerInfo.dateHire,state\nbob@,555,2023-02-30,gone\nok@example.com,+13175550100,,\nc@example.com,,,zombie\n',
      'csv',
    );
    expect(errors(parsed).map((p) => `${p.rowNumber}:${p.column}`)).toEqual([
      '1:email',
      '1:phone.work',
      '1:employerInfo.dateHire',
      '1:state',
      '3:state',
    ]);
    expect(parsed.invalidRows.map((r) => [r.rowNumber, r.key, r.problems.length])).toEqual([
      [1, 'bob@', 4],
      [3, 'c@example.com', 1],
    ]);
    expect(parsed.rows.map((r) => r.rowNumber)).toEqual([2]);
  });

  it('warns about and skips a row that changes nothing', async () => {
    const parsed = await parseText('email,title\na@example.com,\nb@example.com,Lead\n', 'csv');
    expect(parsed.rows.map((r) => r.rowNumber)).toEqual([2]);
    expect(parsed.invalidRows).toEqual([]);
    expect(warnings(parsed).map((p) => p.message)).toEqual([
      'row 1 (line 2): nothing to change (every column other than the key is empty); this row is skipped',
    ]);
  });
});

describe('duplicates', () => {
  it('warns about a repeated row with identical changes and keeps the first', async () => {
    const parsed = await parseText(
      'email,title,phone.work\na@example.com,Lead,+1 317 555 0100\nb@example.com,Agent,\nA@EXAMPLE.COM,Lead,+1-317-555-0100\n',
      'csv',
    );
    expect(errors(parsed)).toEqual([]);
    expect(parsed.rows.map((r) => r.rowNumber)).toEqual([1, 2]);
    expect(warnings(parsed)).toEqual([
      {
        severity: 'warning',
        rowNumber: 3,
        line: 4,
        code: 'duplicate_row',
        message:
          'row 3 (line 4): repeats row 1 (line 2) for the same user ("A@EXAMPLE.COM") with the same changes; this row is skipped',
      },
    ]);
  });

  it('rejects both rows when the same user has conflicting changes, naming what differs', async () => {
    const parsed = await parseText(
      `id,title,department\n${ANA_ID},Lead,Support\n${BOB_ID},Agent,\n${ANA_ID.toUpperCase()},Lead,<clear>\n`,
      'csv',
    );
    expect(parsed.rows.map((r) => r.rowNumber)).toEqual([2]);
    expect(parsed.invalidRows.map((r) => r.rowNumber)).toEqual([1, 3]);
    expect(errors(parsed).map((p) => p.message)).toEqual([
      `row 1 (line 2): the same user ("${ANA_ID}") is also in row 3 (line 4) with different changes (department: "Support" here, <clear> there); give each user one row`,
      `row 3 (line 4): the same user ("${ANA_ID.toUpperCase()}") is also in row 1 (line 2) with different changes (department: <clear> here, "Support" there); give each user one row`,
    ]);
  });

  it('treats rows that change different fields of the same user as conflicting', async () => {
    const parsed = await parseText('email,title,department\na@example.com,Lead,\na@example.com,,Support\n', 'csv');
    expect(errors(parsed)).toHaveLength(2);
    expect(errors(parsed)[0]!.message).toContain(
      '(title: "Lead" here, unchanged there; department: unchanged here, "Support" there)',
    );
  });

  it('cannot match a row keyed by id with one keyed by email', async () => {
    const parsed = await parseText(`id,email,title\n${ANA_ID},,Lead\n,ana@example.com,Agent\n`, 'csv');
    expect(parsed.problems).toEqual([]);
    expect(parsed.rows).toHaveLength(2);
  });

  it('rejects two users given the same new email address', async () => {
    const parsed = await parseText(
      `id,email,newEmail\n${ANA_ID},team@example.com,\n,bob@example.com,Team@Example.com\n`,
      'csv',
    );
    expect(errors(parsed).map((p) => [p.rowNumber, p.column])).toEqual([
      [1, 'email'],
      [2, 'newEmail'],
    ]);
    expect(errors(parsed)[1]!.message).toContain('two users cannot share an email address');
  });

  it('rejects a new email that another row uses as its key', async () => {
    const parsed = await parseText('email,newEmail,title\na@example.com,b@example.com,\nb@example.com,,Lead\n', 'csv');
    expect(parsed.rows).toEqual([]);
    expect(errors(parsed).map((p) => [p.rowNumber, p.column])).toEqual([
      [1, 'newEmail'],
      [2, 'email'],
    ]);
    expect(errors(parsed)[0]!.message).toContain('make this change in a separate run');
  });

  it('keeps problems in input order when whole-file checks add some', async () => {
    const parsed = await parseText(
      'email,title,state\na@example.com,Lead,\nbad@,x,\na@example.com,Agent,\nc@example.com,,gone\n',
      'csv',
    );
    expect(parsed.problems.map((p) => p.line)).toEqual([2, 3, 4, 5]);
  });
});
