import { describe, expect, it } from 'vitest';
import { ANA_ID, errors, fatal, parseText } from './helpers.js';

const json = (value: unknown) => JSON.stringify(value, null, 2);

describe('JSON array', () => {
  it('accepts nested and dotted names alike', async () => {
    const parsed = await parseText(
      json([
        {
          id: ANA_ID,
          employerInfo: { employeeId: 'E-1', dateHire: '2021-03-15' },
          phone: { work: '+1 317 555 0100' },
          'phone.mobile': '+44 7946 095800',
          'employerInfo.employeeType': 'Contractor',
        },
      ]),
      'json',
    );
    expect(parsed.problems).toEqual([]);
    expect(parsed.rows[0]!.changes).toEqual({
      employerInfo: { employeeId: 'E-1', employeeType: 'Contractor', dateHire: '2021-03-15' },
      phones: { work: '+13175550100', mobile: '+447946095800' },
    });
  });

  it('clears with null or <clear>, and leaves empty strings unchanged', async () => {
    const parsed = await parseText(
      json([{ email: 'a@example.com', title: null, department: '<clear>', preferredName: '', phone: { home: null } }]),
      'json',
    );
    expect(parsed.rows[0]!.changes).toEqual({ title: null, department: null, phones: { home: null } });
  });

  it('trims strings, and treats a whitespace-only string as unchanged', async () => {
    const parsed = await parseText(json([{ email: '  A@Example.com ', title: '  Lead ', department: '   ' }]), 'json');
    expect(parsed.rows[0]).toMatchObject({
      key: { kind: 'email', email: 'a@example.com' },
      changes: { title: 'Lead' },
    });
    expect(parsed.rows[0]!.changes).not.toHaveProperty('department');
  });

  it('rejects null on a field that cannot be cleared', async () => {
    const parsed = await parseText(json([{ id: ANA_ID, name: null }]), 'json');
    expect(errors(parsed).map((p) => p.message)).toEqual([
      'row 1 (line 2), column "name": name cannot be cleared, so null is not allowed here; leave it empty to keep the current value',
    ]);
  });

  it.each([
    [42, 'expected a string, got number (put the value in quotes)'],
    [true, 'expected a string, got boolean (put the value in quotes)'],
    [{ text: 'Lead' }, 'expected a string, got object'],
    [['Lead'], 'expected a string, got array'],
  ])('rejects %j where a string is expected', async (value, message) => {
    const parsed = await parseText(json([{ email: 'a@example.com', title: value }]), 'json');
    expect(errors(parsed)).toEqual([
      {
        severity: 'error',
        rowNumber: 1,
        line: 2,
        column: 'title',
        code: 'wrong_type',
        message: `row 1 (line 2), column "title": ${message}`,
      },
    ]);
  });

  it('rejects a wrong type for a key, nested or not', async () => {
    const parsed = await parseText(json([{ id: 7 }, { email: 'a@example.com', phone: { work: 13175550100 } }]), 'json');
    expect(errors(parsed).map((p) => [p.rowNumber, p.column])).toEqual([
      [1, 'id'],
      [2, 'phone.work'],
    ]);
  });

  it('rejects a group that is not an object', async () => {
    const parsed = await parseText(json([{ email: 'a@example.com', phone: null }]), 'json');
    expect(errors(parsed)[0]!.message).toBe(
      'row 1 (line 2), column "phone": expected an object such as {"phone": {"work": "…"}}, got null; to clear one field set it to null inside the object',
    );
  });

  it('rejects a column given both nested and dotted', async () => {
    const parsed = await parseText(
      json([{ email: 'a@example.com', 'phone.work': '+13175550100', phone: { work: '+13175550101' } }]),
      'json',
    );
    expect(errors(parsed).map((p) => p.message)).toEqual([
      'row 1 (line 2), column "phone.work": given twice (as "phone.work" and as "phone: {work}"); give it once',
    ]);
  });

  it('reports a key repeated in one object, which JSON.parse would silently drop', async () => {
    const parsed = await parseText(
      '[\n  {"email": "a@example.com", "title": "A"},\n  {"email": "b@example.com",\n   "phone": {"work": "+13175550100", "work": "+13175550101"}}\n]',
      'json',
    );
    expect(errors(parsed)).toEqual([
      {
        severity: 'error',
        rowNumber: 2,
        line: 3,
        column: 'phone.work',
        message:
          'row 2 (line 3), column "phone.work": the key appears twice in the same object and JSON keeps only the last; give it once',
      },
    ]);
  });

  it('reports each unknown key once, with the first row that has it', async () => {
    const parsed = await parseText(
      json([
        { email: 'a@example.com', Title: 'A' },
        { email: 'b@example.com', Title: 'B', phone: { mobil: '+13175550100' } },
        { email: 'c@example.com', Title: 'C', title: 'C' },
      ]),
      'json',
    );
    expect(errors(parsed).map((p) => [p.rowNumber, p.column, p.message.split(': ').slice(1).join(': ')])).toEqual([
      [1, 'Title', 'unknown column "Title": did you mean "title"? Column names are case-sensitive.'],
      [2, 'phone.mobil', 'unknown column "phone.mobil": did you mean "phone.mobile"?'],
    ]);
  });

  it('gives each element the line it starts on, with CRLF and a byte-order mark', async () => {
    const text = `\uFEFF[\r\n  {\r\n    "email": "a@example.com",\r\n    "title": "A"\r\n  },\r\n\r\n  {"email": "b@example.com", "title": "B"}, {"email": "c@example.com", "title": "C"}\r\n]\r\n`;
    const parsed = await parseText(text, 'json');
    expect(parsed.rows.map((r) => [r.rowNumber, r.line])).toEqual([
      [1, 2],
      [2, 7],
      [3, 7],
    ]);
  });

  describe('fatal errors', () => {
    it('a syntax error names the line and column', async () => {
      const err = await fatal(parseText('[\n  {"email": "a@example.com"}\n  {"email": "b@example.com"}\n]', 'json'));
      expect(err.message).toBe(
        'users.json, line 3, column 3: invalid JSON: expected "," or "]" after an array element, got "{".',
      );
    });

    it('truncated JSON points at the last line', async () => {
      const err = await fatal(parseText('[\n  {"email": "a@example.com"},\n  {"email": "b@example.com"\n\n', 'json'));
      expect(err.message).toBe(
        'users.json, line 3, column 28: invalid JSON: the JSON ends unexpectedly; is the file truncated?',
      );
    });

    it('a string cut off at the end of a line suggests a missing closing quote', async () => {
      const err = await fatal(parseText('[\n  {"email": "a@example.com"},\n  {"email": "b@exa\n\n', 'json'));
      expect(err.message).toBe(
        'users.json, line 3, column 19: invalid JSON: a line break or control character inside a string must be escaped (is a closing quote missing?).',
      );
    });

    it.each([
      ['[{"email": "a@example.com",}]', 'a comma before "}" is not allowed in JSON'],
      ['[{"email": "a@example.com"},]', 'a comma before "]" is not allowed in JSON'],
      ["[{'email': 'a@example.com'}]", 'expected a property name in double quotes'],
      ['[{"email": "a@example.com"}]\n{"email": "b@example.com"}', 'unexpected text after the end of the JSON value'],
      ['[{"title": "Team\tLead"}]', 'a line break or control character inside a string must be escaped'],
      ['[{"title": "\\x"}]', 'is not a valid escape'],
      ['[{"title": 01}]', 'expected "," or "}" after a property value'],
    ])('%j is invalid JSON', async (text, message) => {
      const err = await fatal(parseText(text, 'json'));
      expect(err.message).toMatch(/^users\.json, line \d+, column \d+: invalid JSON: /);
      expect(err.message).toContain(message);
    });

    it.each([
      ['{"users": []}', 'but the file holds an object. For one object per line, use a .jsonl file'],
      ['"a@example.com"', 'but the file holds a string.'],
      ['42', 'but the file holds a number.'],
      ['null', 'but the file holds a null.'],
    ])('%j is not an array', async (text, message) => {
      const err = await fatal(parseText(text, 'json'));
      expect(err.message).toContain('users.json: expected a JSON array of objects');
      expect(err.message).toContain(message);
    });

    it.each([
      ['a string', '[{"email": "a@example.com"},\n "b@example.com"]', 'line 2: element 2 of the array is a string'],
      ['null', '[\n\n null]', 'line 3: element 1 of the array is a null'],
      [
        'an array',
        '[{"email": "a@example.com"}, [{"email": "b@example.com"}]]',
        'line 1: element 2 of the array is an array',
      ],
    ])('an element that is %s', async (_, text, message) => {
      const err = await fatal(parseText(text, 'json'));
      expect(err.message).toContain(`users.json, ${message}, not an object`);
    });

    it('an empty array', async () => {
      const err = await fatal(parseText('[ ]\n', 'json'));
      expect(err.message).toBe('users.json holds an empty array: there are no users to change.');
    });

    it.each(['', '  \r\n', '\uFEFF'])('an empty file %j', async (text) => {
      const err = await fatal(parseText(text, 'json'));
      expect(err.message).toBe('users.json is empty: expected a JSON array of objects.');
    });
  });
});
