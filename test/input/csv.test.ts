import { describe, expect, it } from 'vitest';
import { readInput } from '../../src/input/index.js';
import { ANA_ID, errors, fatal, parseText, streamOf } from './helpers.js';

describe('CSV', () => {
  it('parses rows keyed by email and by id into normalised changes', async () => {
    const parsed = await parseText(
      [
        'id,email,name,title,phone.work,employerInfo.dateHire,state',
        `,Ana@Example.com,Ana López,Team Lead,+1 (317) 555-0100,2021-03-15,Inactive`,
        `${ANA_ID.toUpperCase()},ana.lopez@example.com,,,,,`,
      ].join('\n'),
      'csv',
    );
    expect(parsed.format).toBe('csv');
    expect(parsed.problems).toEqual([]);
    expect(parsed.totalRecords).toBe(2);
    expect(parsed.rows).toEqual([
      {
        rowNumber: 1,
        line: 2,
        key: { kind: 'email', email: 'ana@example.com', spelled: 'Ana@Example.com' },
        changes: {
          name: 'Ana López',
          title: 'Team Lead',
          phones: { work: '+13175550100' },
          employerInfo: { dateHire: '2021-03-15' },
          state: 'inactive',
        },
      },
      { rowNumber: 2, line: 3, key: { kind: 'id', id: ANA_ID }, changes: { email: 'ana.lopez@example.com' } },
    ]);
  });

  it('treats empty and whitespace-only cells as "leave unchanged" and trims values', async () => {
    const parsed = await parseText('email,title,department,preferredName\nana@example.com,  Team Lead  ,   ,\n', 'csv');
    expect(parsed.rows[0]!.changes).toEqual({ title: 'Team Lead' });
  });

  it('clears clearable fields with <clear>, in any letter case', async () => {
    const parsed = await parseText(
      'email,title,manager,employerInfo.employeeId,phone.mobile\nana@example.com,<clear>,<CLEAR>, <Clear> ,<clear>\n',
      'csv',
    );
    expect(parsed.rows[0]!.changes).toEqual({
      title: null,
      manager: null,
      employerInfo: { employeeId: null },
      phones: { mobile: null },
    });
  });

  it('reads quoted values with commas and doubled quotes', async () => {
    const parsed = await parseText('email,title\nana@example.com,"Director, ""Sales"""\n', 'csv');
    expect(parsed.rows[0]!.changes).toEqual({ title: 'Director, "Sales"' });
  });

  it('trims spaces inside a quoted value, and treats a quoted blank as empty', async () => {
    const parsed = await parseText('email,title,department\nana@example.com,"  Team Lead  ","   "\n', 'csv');
    expect(parsed.rows[0]!.changes).toEqual({ title: 'Team Lead' });
  });

  it('accepts spaces around a quoted value', async () => {
    const parsed = await parseText('email,title\nana@example.com,  "Team Lead"  \n', 'csv');
    expect(parsed.rows[0]!.changes).toEqual({ title: 'Team Lead' });
  });

  it('strips a UTF-8 byte-order mark so the first header is recognised', async () => {
    const parsed = await parseText('\uFEFFemail,title\r\nana@example.com,Team Lead\r\n', 'csv');
    expect(parsed.problems).toEqual([]);
    expect(parsed.rows[0]!.key).toEqual({ kind: 'email', email: 'ana@example.com' });
  });

  it('strips a byte-order mark split across chunks', async () => {
    const bytes = Buffer.from('\uFEFFemail,title\nana@example.com,Team Lead\n');
    const parsed = await readInput({ stream: streamOf(bytes.subarray(0, 1), bytes.subarray(1)), format: 'csv' });
    expect(parsed.problems).toEqual([]);
    expect(parsed.rows).toHaveLength(1);
  });

  it('decodes a multi-byte character split across chunks', async () => {
    const bytes = Buffer.from('email,name\nana@example.com,Ana López\n');
    const cut = bytes.indexOf(0xc3) + 1;
    const parsed = await readInput({ stream: streamOf(bytes.subarray(0, cut), bytes.subarray(cut)), format: 'csv' });
    expect(parsed.rows[0]!.changes).toEqual({ name: 'Ana López' });
  });

  it('handles CRLF, and counts a CRLF inside a quoted value as one line', async () => {
    const parsed = await parseText(
      'email,title\r\nana@example.com,"Team\r\nLead"\r\nbob@example.com,Agent\r\ncy@example.com,Agent\r\n',
      'csv',
    );
    expect(parsed.rows.map((r) => [r.rowNumber, r.line])).toEqual([
      [2, 4],
      [3, 5],
    ]);
    expect(errors(parsed).map((p) => p.message)).toEqual([
      'row 1 (line 2), column "title": "Team\\r\\nLead" contains a line break or control character; remove it',
    ]);
    expect(parsed.rows[0]!.changes).toEqual({ title: 'Agent' });
  });

  it('handles mixed line endings without leaving carriage returns in values', async () => {
    const parsed = await parseText(
      'email,title\nana@example.com,Lead\r\nbob@example.com,Agent\rcy@example.com,Boss',
      'csv',
    );
    expect(parsed.problems).toEqual([]);
    expect(parsed.rows.map((r) => [r.line, r.changes.title])).toEqual([
      [2, 'Lead'],
      [3, 'Agent'],
      [4, 'Boss'],
    ]);
  });

  it('skips blank lines and all-empty rows without counting them, keeping physical line numbers', async () => {
    const parsed = await parseText(
      '\n\nemail,title\n\nana@example.com,Lead\n,\n  ,  \nbob@example.com,Agent\n\n',
      'csv',
    );
    expect(parsed.totalRecords).toBe(2);
    expect(parsed.rows.map((r) => [r.rowNumber, r.line])).toEqual([
      [1, 5],
      [2, 8],
    ]);
  });

  it('reports an unknown column once, for the header, with a did-you-mean', async () => {
    const parsed = await parseText('email,Titel,department\na@example.com,x,S\nb@example.com,y,S\n', 'csv');
    expect(errors(parsed)).toEqual([
      {
        severity: 'error',
        line: 1,
        column: 'Titel',
        code: 'unknown_column',
        suggestion: 'title',
        message:
          'line 1, column "Titel": unknown column "Titel": did you mean "title"? (a column of your own, such as notes, is not read: delete it from the file, or keep it in another sheet)',
      },
    ]);
    // The known columns of each row are still validated and returned.
    expect(parsed.rows.map((r) => r.changes)).toEqual([{ department: 'S' }, { department: 'S' }]);
  });

  it('lists the known columns when nothing is close to an unknown one', async () => {
    const parsed = await parseText('email,building\na@example.com,HQ\n', 'csv');
    expect(errors(parsed)[0]!.message).toContain('unknown column "building": known columns are id, email, newEmail');
  });

  it('reports a column given twice in the header', async () => {
    const parsed = await parseText('email,title,title\na@example.com,x,y\n', 'csv');
    expect(errors(parsed)).toEqual([
      {
        severity: 'error',
        line: 1,
        column: 'title',
        code: 'duplicate_column',
        message: 'line 1, column "title": the column appears twice in the header (positions 2 and 3); keep only one',
      },
    ]);
  });

  it('ignores an unnamed column that is empty, and reports a value in one', async () => {
    const parsed = await parseText('email,title,\na@example.com,x,\nb@example.com,y,oops\n', 'csv');
    expect(parsed.rows).toHaveLength(1);
    expect(errors(parsed).map((p) => p.message)).toEqual([
      'row 2 (line 3): column 3 has no name in the header but holds "oops"; name the column or remove the value',
    ]);
  });

  it('reports a row with more values than the header has columns, and tolerates fewer or trailing empty ones', async () => {
    const parsed = await parseText(
      'email,title,department\na@example.com,Director, Sales,Sales\nb@example.com,Agent\nc@example.com,Agent,Sales,,\n',
      'csv',
    );
    expect(errors(parsed)).toEqual([
      {
        severity: 'error',
        rowNumber: 1,
        line: 2,
        code: 'csv_field_count',
        message:
          'row 1 (line 2): has 4 values but the header has 3 columns; a value that contains a comma must be in double quotes',
      },
    ]);
    expect(parsed.rows.map((r) => r.changes)).toEqual([{ title: 'Agent' }, { title: 'Agent', department: 'Sales' }]);
  });

  describe('fatal errors', () => {
    it('an unclosed quote names the line and column where the quoted value starts', async () => {
      const err = await fatal(
        parseText('email,title\r\nbob@example.com,"Agent"\r\nana@example.com,"Lead\r\nx@example.com,Agent\r\n', 'csv'),
      );
      expect(err.message).toBe(
        'users.csv, line 3 (row 2), column "title": CSV quoting error: a quoted value starts here and its closing quote is missing. Put double quotes around any value that contains a comma, a double quote or a line break, and double each quote inside it ("").',
      );
    });

    it('text after a closing quote names the right line even after a multi-line CRLF value', async () => {
      const err = await fatal(
        parseText(
          'email,title,department\r\na@example.com,"Team\r\nLead",Support\r\nb@example.com,Agent,"Sales" Team\r\n',
          'csv',
        ),
      );
      expect(err.message).toContain('users.csv, line 4 (row 2), column "department": CSV quoting error');
    });

    it('an unquoted value over the record size is refused as too long, not as a quoting error', async () => {
      const err = await fatal(parseText(`email,title\na@example.com,${'x'.repeat(1_100_000)}\n`, 'csv'));
      expect(err.message).toBe(
        'users.csv, line 2 (row 1), column "title": the record is over 1000000 characters long, far more than any user profile needs; split the value or fix the record.',
      );
    });

    it('an unclosed quote in a large file stops after a bounded record size, pointing at the quote', async () => {
      const rest = 'b@example.com,Agent\n'.repeat(60_000);
      const err = await fatal(parseText(`email,title\na@example.com,Agent\nc@example.com,"Lead\n${rest}`, 'csv'));
      expect(err.message).toContain(
        'users.csv, line 3 (row 2), column "title": CSV quoting error: a quoted value starts here',
      );
      expect(err.message).toContain('its closing quote is probably missing');
    });

    it('a quote inside an unquoted value is a quoting error', async () => {
      const err = await fatal(parseText('email,title\na@example.com,Team "A" Lead\n', 'csv'));
      expect(err.message).toContain('line 2 (row 1), column "title": CSV quoting error: a double quote appears inside');
    });

    it('a quoting error in the header says so', async () => {
      const err = await fatal(parseText('email,"title\na@example.com,x\n', 'csv'));
      expect(err.message).toContain('users.csv, line 1, in the header, column 2: CSV quoting error');
    });

    it.each([
      ['an empty file', ''],
      ['a file of blank lines', '\n  \r\n\n'],
      ['a file holding only a byte-order mark', '\uFEFF'],
    ])('%s is empty', async (_, text) => {
      const err = await fatal(parseText(text, 'csv'));
      expect(err.message).toBe('users.csv is empty: expected a header line and data rows.');
    });

    it('a header with no rows', async () => {
      const err = await fatal(parseText('email,title\r\n\r\n,\r\n', 'csv'));
      expect(err.message).toBe('users.csv has a header but no data rows: add one row per user to change.');
    });

    it('a header with neither id nor email, with did-you-mean for the key columns', async () => {
      const err = await fatal(parseText('Mail,title\na@example.com,x\n', 'csv'));
      expect(err.message).toBe(
        'users.csv: the header has neither an "id" nor an "email" column, so no row says which user it changes. "Mail" → did you mean "email"? The header read was: "Mail,title".',
      );
    });

    it('a file separated by a character other than comma, semicolon or tab gets a hint about the separator', async () => {
      const err = await fatal(parseText('email|title\na@example.com|x\n', 'csv'));
      expect(err.message).toContain(
        'The header looks separated by "|": separate columns with commas, semicolons or tabs.',
      );
    });

    it('stops reading at a quoting error instead of reading the whole input first', async () => {
      async function* endless() {
        yield Buffer.from('email,title\na@example.com,"Lead"x\n');
        for (;;) yield Buffer.from('b@example.com,Agent\n');
      }
      const err = await fatal(readInput({ stream: endless() as unknown as NodeJS.ReadableStream, format: 'csv' }));
      expect(err.message).toContain('stdin, line 2 (row 1), column "title": CSV quoting error');
    });
  });
});
