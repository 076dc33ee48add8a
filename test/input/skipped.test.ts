import { describe, expect, it } from 'vitest';
import { sameChanges } from '../../src/input/index.js';
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

describe('sameChanges', () => {
  it('compares as the duplicate check does: routing items in any order, but any differing value counts', async () => {
    const parsed = await parseText(
      'email,title,skills\na@example.com,Agent,+Billing:4;+Spanish:3\nb@example.com,Agent,+Spanish:3;+Billing:4.0\nc@example.com,Agent,+Spanish:3;+Billing:5\n',
      'csv',
    );
    const [a, b, c] = parsed.rows.map((r) => r.changes);
    expect(sameChanges(a!, b!)).toBe(true);
    expect(JSON.stringify(a)).not.toBe(JSON.stringify(b));
    expect(sameChanges(a!, c!)).toBe(false);
  });
});
