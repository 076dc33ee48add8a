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
    const parsed = parse(csv, { columns: true }) as Record<string, string>[];
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
    expect(csv.split('\n')[0]).toBe('row,line,key,userId,status,changes,errorCode,message,attempts,conflict');
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
});
