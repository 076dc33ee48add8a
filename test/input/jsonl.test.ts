import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readInput } from '../../src/input/index.js';
import { errors, fatal, parseText } from './helpers.js';

describe('JSON Lines', () => {
  it('reads one object per line, skipping blank lines, with CRLF and a byte-order mark', async () => {
    const parsed = await parseText(
      '\uFEFF{"email": "a@example.com", "title": "A"}\r\n\r\n   \r\n{"email": "b@example.com", "phone": {"work": "+1 317 555 0100"}}\r\n{"email": "c@example.com", "title": null}',
      'jsonl',
    );
    expect(parsed.format).toBe('jsonl');
    expect(parsed.problems).toEqual([]);
    expect(parsed.totalRecords).toBe(3);
    expect(parsed.rows).toEqual([
      { rowNumber: 1, line: 1, key: { kind: 'email', email: 'a@example.com' }, changes: { title: 'A' } },
      {
        rowNumber: 2,
        line: 4,
        key: { kind: 'email', email: 'b@example.com' },
        changes: { phones: { work: '+13175550100' } },
      },
      { rowNumber: 3, line: 5, key: { kind: 'email', email: 'c@example.com' }, changes: { title: null } },
    ]);
  });

  it('reads a stream of strings (e.g. stdin with an encoding set), dropping a leading byte-order mark', async () => {
    const stream = Readable.from(['\uFEFF{"email": "a@exa', 'mple.com", "title": "A"}\n']);
    const parsed = await readInput({ stream, format: 'jsonl' });
    expect(parsed.problems).toEqual([]);
    expect(parsed.rows[0]!.changes).toEqual({ title: 'A' });
  });

  it('reports a line that is not JSON and keeps reading the others', async () => {
    const parsed = await parseText(
      '{"email": "a@example.com", "title": "A"}\n{"email": "b@example.com", "title": "B"\n{"email": "c@example.com", "title": "C"}\n',
      'jsonl',
    );
    expect(parsed.rows.map((r) => r.rowNumber)).toEqual([1, 3]);
    expect(parsed.invalidRows).toEqual([
      {
        rowNumber: 2,
        line: 2,
        problems: [
          {
            severity: 'error',
            rowNumber: 2,
            line: 2,
            message:
              'row 2 (line 2): not valid JSON at column 40: the JSON ends unexpectedly; each record must be one complete JSON object',
          },
        ],
      },
    ]);
  });

  it.each([
    [
      '[{"email": "a@example.com"}]',
      'expected a JSON object, got an array; a .jsonl file holds one object per line (for a JSON array use .json)',
    ],
    ['"a@example.com"', 'expected a JSON object, got a string'],
    ['null', 'expected a JSON object, got a null'],
  ])('reports a line holding %s', async (line, message) => {
    const parsed = await parseText(`{"email": "a@example.com", "title": "A"}\n${line}\n`, 'jsonl');
    expect(errors(parsed).map((p) => [p.rowNumber, p.message])).toEqual([[2, `row 2 (line 2): ${message}`]]);
  });

  it('applies the same column rules as JSON arrays', async () => {
    const parsed = await parseText(
      '{"email": "a@example.com", "state": true, "Title": "x", "title": "y", "title": "z"}\n{"email": "b@example.com", "Title": "x"}\n',
      'jsonl',
    );
    expect(errors(parsed).map((p) => [p.rowNumber, p.column])).toEqual([
      [1, 'Title'],
      [1, 'title'],
      [1, 'state'],
    ]);
  });

  it.each(['', '\n\n', '\uFEFF  \r\n'])('fails on an empty file %j', async (text) => {
    const err = await fatal(parseText(text, 'jsonl'));
    expect(err.message).toBe('users.jsonl is empty: expected one JSON object per line.');
  });

  it('streams: stops at invalid UTF-8 instead of reading the whole input first', async () => {
    async function* endless() {
      yield Buffer.from('{"email": "a@example.com", "title": "A"}\n');
      yield Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x7d, 0x0a]);
      for (;;) yield Buffer.from('{"email": "b@example.com", "title": "B"}\n');
    }
    const err = await fatal(readInput({ stream: endless() as unknown as NodeJS.ReadableStream, format: 'jsonl' }));
    expect(err.message).toBe(
      'stdin, line 2: the file is not valid UTF-8 text; save it as UTF-8 (in Excel: "CSV UTF-8 (Comma delimited)"), or pass --encoding with the encoding it was saved in (a Windows export is usually --encoding windows-1252).',
    );
  });
});
