import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { type ReportRecord, renderReport, reportLines, writeReport } from '../src/report.js';

const records: ReportRecord[] = [
  {
    row: 2,
    line: 3,
    key: 'b@example.com',
    status: 'failed',
    changes: [{ field: 'title', before: 'Lead, "Ops"', after: 'two\nlines' }],
    errorCode: 'server_error',
    message: 'the platform answered 503; try again',
    attempts: 4,
  },
  {
    row: 1,
    line: 2,
    key: 'a@example.com',
    userId: 'u-1',
    status: 'updated',
    changes: [
      { field: 'department', before: null, after: 'Sales' },
      { field: 'phone.mobile', before: '+13175550100', after: null },
    ],
    attempts: 1,
    conflict: 'title was changed to "X" by someone else',
  },
];

describe('report', () => {
  it('CSV: one line per record in row order, quoted where a value needs it, readable by a CSV parser', () => {
    const csv = renderReport(records, 'csv');
    const parsed = parse(csv, { bom: true, columns: true }) as Record<string, string>[];
    expect(parsed.map((r) => r.row)).toEqual(['1', '2']);
    expect(parsed[0]).toEqual({
      row: '1',
      line: '2',
      key: 'a@example.com',
      userId: 'u-1',
      status: 'updated',
      changes: 'department: (none) → "Sales"; phone.mobile: "+13175550100" → (none)',
      errorCode: '',
      message: '',
      attempts: '1',
      conflict: 'title was changed to "X" by someone else',
    });
    expect(parsed[1]!.changes).toBe('title: "Lead, \\"Ops\\"" → "two\\nlines"');
    expect(csv.split('\n')[0]).toBe('\ufeffrow,line,key,userId,status,changes,errorCode,message,attempts,conflict');
  });

  it('JSON Lines: one record a line, the header-free form of the same records', () => {
    const lines = renderReport(records, 'jsonl').trimEnd().split('\n');
    expect(lines.map((l) => JSON.parse(l))).toEqual([records[1], records[0]]);
  });

  it('is made a record at a time from any iterable, and written owner-only', async () => {
    let pulled = 0;
    function* lazy() {
      for (const r of [records[1]!, records[0]!]) {
        pulled++;
        yield r;
      }
    }
    const pieces = [...reportLines(lazy(), 'csv')];
    expect(pulled).toBe(2);
    expect(pieces).toHaveLength(3);
    expect(pieces.join('')).toBe(renderReport(records, 'csv'));

    const dir = await mkdtemp(join(tmpdir(), 'report-'));
    const path = join(dir, 'r.jsonl');
    await writeReport(path, lazy());
    expect(await readFile(path, 'utf8')).toBe(renderReport(records, 'jsonl'));
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  const hostile: ReportRecord = {
    row: 1,
    line: 2,
    key: '=HYPERLINK("http://x")',
    status: 'failed',
    changes: [{ field: 'title', before: '\u009b2J', after: '\u001b]0;owned\u0007' }],
    errorCode: '+cmd',
    message: '@SUM(1) The platform says: "\u001b[2J\u007f"',
    attempts: 1,
    conflict: '-2+3',
  };

  it('CSV: a cell a spreadsheet would evaluate starts with a quote; no raw control character is written', () => {
    const csv = renderReport([hostile, { ...hostile, row: 2, key: '\tTAB', message: '\rCR' }], 'csv');
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the test looks for them.
    expect(csv.replace(/\r?\n/g, '')).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    const parsed = parse(csv, { bom: true, columns: true }) as Record<string, string>[];
    for (const r of parsed) for (const cell of Object.values(r)) expect(cell).not.toMatch(/^[=+\-@\t\r]/);
    expect(parsed[0]!.key).toBe(`'=HYPERLINK("http://x")`);
    expect(parsed[0]!.errorCode).toBe("'+cmd");
    expect(parsed[0]!.conflict).toBe("'-2+3");
    expect(parsed[0]!.message).toBe(`'@SUM(1) The platform says: "\\u001b[2J\\u007f"`);
    expect(parsed[0]!.changes).toContain('\\u009b2J');
    expect(parsed[1]!.key).toBe('\\u0009TAB');
  });

  it('JSON Lines: the same values once parsed, with no raw control character in the text', () => {
    const text = renderReport([hostile], 'jsonl');
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the test looks for them.
    expect(text.trimEnd()).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    expect(JSON.parse(text)).toEqual(hostile);
  });
});
