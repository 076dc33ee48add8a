import { describe, expect, it } from 'vitest';
import { readInput } from '../../src/input/index.js';
import { MAX_NESTING, MAX_RECORD_CHARS } from '../../src/input/json-stream.js';
import { errors, fatal, parseText, streamOf } from './helpers.js';

const pretty = (objects: object[]) => objects.map((o) => JSON.stringify(o, null, 2)).join('\n');

describe("a stream of pretty-printed JSON objects (jq '.[]')", () => {
  it('reads each object as a row, numbered in order, at the line where it starts', async () => {
    const text = pretty([
      { email: 'a@example.com', title: 'A' },
      { email: 'b@example.com', phone: { work: '+1 317 555 0100' } },
      { email: 'c@example.com', skills: { add: [{ name: 'Billing', proficiency: 4 }] } },
    ]);
    const parsed = await parseText(`${text}\n`, 'jsonl');
    expect(parsed.problems).toEqual([]);
    expect(parsed.rows.map((r) => [r.rowNumber, r.line])).toEqual([
      [1, 1],
      [2, 5],
      [3, 11],
    ]);
    expect(parsed.rows[1]!.changes).toEqual({ phones: { work: '+13175550100' } });
  });

  it('is read from stdin without --format, split across chunks anywhere', async () => {
    const text = pretty([
      { email: 'a@example.com', title: 'A' },
      { email: 'b@example.com', title: 'B' },
    ]);
    const chunks = text.match(/[\s\S]{1,7}/g)!;
    const parsed = await readInput({ stream: streamOf(...chunks) });
    expect(parsed.format).toBe('jsonl');
    expect(parsed.rows.map((r) => [r.rowNumber, r.line, r.changes.title])).toEqual([
      [1, 1, 'A'],
      [2, 5, 'B'],
    ]);
  });

  it('reads objects that share a line, and compact objects mixed with pretty ones', async () => {
    const parsed = await parseText(
      '{"email": "a@example.com", "title": "A"} {"email": "b@example.com", "title": "B"}\n{\n  "email": "c@example.com",\n  "title": "C"\n}\n{"email": "d@example.com", "title": "D"}\n',
      'jsonl',
    );
    expect(parsed.problems).toEqual([]);
    expect(parsed.rows.map((r) => [r.rowNumber, r.line, r.changes.title])).toEqual([
      [1, 1, 'A'],
      [2, 1, 'B'],
      [3, 2, 'C'],
      [4, 6, 'D'],
    ]);
  });

  it('names the line of an error inside a multi-line object, and reads on', async () => {
    const parsed = await parseText(
      '{\n  "email": "a@example.com",\n  "title": "A",\n}\n{\n  "email": "b@example.com",\n  "title": "B"\n}\n',
      'jsonl',
    );
    expect(parsed.rows.map((r) => r.rowNumber)).toEqual([2]);
    expect(errors(parsed)).toHaveLength(1);
    const [problem] = errors(parsed);
    expect(problem).toMatchObject({ rowNumber: 1, line: 1 });
    expect(problem!.message).toContain('(line 4)');
    expect(problem!.message).toContain('a comma before "}" is not allowed');
  });

  it('does not let an unclosed JSON Lines row swallow the rows after it', async () => {
    const parsed = await parseText(
      '{"email": "a@example.com", "skills": [\n{"email": "b@example.com", "title": "B"}\n{"email": "c@example.com", "title": "C\n{"email": "d@example.com", "title": "D"}\n',
      'jsonl',
    );
    expect(parsed.rows.map((r) => [r.rowNumber, r.line])).toEqual([
      [2, 2],
      [4, 4],
    ]);
    expect(errors(parsed).map((p) => [p.rowNumber, p.line])).toEqual([
      [1, 1],
      [3, 3],
    ]);
  });

  it('reports text after an object on its line as part of that row', async () => {
    const parsed = await parseText('{"email": "a@example.com"}}\n{"email": "b@example.com", "title": "B"}\n', 'jsonl');
    expect(parsed.totalRecords).toBe(2);
    expect(errors(parsed).map((p) => [p.rowNumber, p.line])).toEqual([[1, 1]]);
  });
});

describe('limits on one record, the same for JSON Lines and JSON arrays', () => {
  const huge = 'x'.repeat(MAX_RECORD_CHARS + 10);

  it.each([
    ['jsonl', `{"email": "a@example.com"}\n\n{"email": "b@example.com", "title": "${huge}"}\n`, 2, 3],
    ['json', `[\n  {"email": "a@example.com"},\n  {"email": "b@example.com", "title": "${huge}"}\n]`, 2, 3],
    ['jsonl', `{"email": "a@example.com"}\n${huge}\n`, 2, 2],
  ] as const)('%s: a record over the cap is refused, naming its row and line', async (format, text, row, line) => {
    const err = await fatal(parseText(text, format));
    expect(err.message).toContain(`row ${row} (line ${line})`);
    expect(err.message).toContain(`over ${MAX_RECORD_CHARS} characters`);
  });

  it('refuses a long record even when it arrives as one chunk of many megabytes', async () => {
    const title = 'y'.repeat(5_000_000);
    for (const [format, text] of [
      ['json', `[{"email": "a@example.com", "title": "${title}"}]`],
      ['jsonl', `{"email": "a@example.com", "title": "${title}"}`],
    ] as const) {
      const err = await fatal(parseText(text, format));
      expect(err.message).toContain('row 1 (line 1)');
    }
  });

  const deep = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
  it.each([
    ['jsonl', `{"email": "a@example.com"}\n{"email": "b@example.com", "skills": ${deep(MAX_NESTING)}}\n`, 2, 2],
    ['json', `[{"email": "a@example.com"},\n{"email": "b@example.com", "skills": ${deep(MAX_NESTING)}}]`, 2, 2],
    ['json', `[{"email": "a@example.com"},\n{"email": "b@example.com", "skills": ${deep(100_000)}}]`, 2, 2],
  ] as const)('%s: nesting deeper than the limit is refused with row and line', async (format, text, row, line) => {
    const err = await fatal(parseText(text, format));
    expect(err.message).toContain(`row ${row} (line ${line})`);
    expect(err.message).toContain(`nested more than ${MAX_NESTING} levels`);
  });

  it('accepts nesting up to the limit (it is then a value error, not a fatal one)', async () => {
    const parsed = await parseText(`{"email": "b@example.com", "skills": ${deep(MAX_NESTING - 1)}}\n`, 'jsonl');
    expect(errors(parsed)).toHaveLength(1);
    expect(errors(parsed)[0]!.column).toBe('skills');
  });
});
