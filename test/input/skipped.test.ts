import { describe, expect, it } from 'vitest';
import { parseText } from './helpers.js';

describe('rows that need no work', () => {
  it('lists an exact repeat and a key-only row as skipped, with the reason, so the report can account for them', async () => {
    const parsed = await parseText(
      'email,title\nana@example.com,Agent\nbob@example.com,\nANA@example.com,Agent\ncy@example.com,Lead\n',
      'csv',
    );
    expect(parsed.rows.map((r) => r.rowNumber)).toEqual([1, 4]);
    expect(parsed.skippedRows).toEqual([
      {
        rowNumber: 2,
        line: 3,
        key: 'bob@example.com',
        reason: 'nothing to change: every column other than the key is empty',
      },
      {
        rowNumber: 3,
        line: 4,
        key: 'ANA@example.com',
        reason: expect.stringMatching(/^repeats row 1\b.*same changes$/),
      },
    ]);
    expect(parsed.totalRecords).toBe(parsed.rows.length + parsed.skippedRows.length + parsed.invalidRows.length);
  });
});
