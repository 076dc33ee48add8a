import { describe, expect, it } from 'vitest';
import { cellFromCsv, cellFromJson } from '../../src/input/cell.js';
import { booleanCell, extensionValue, nameListCell } from '../../src/input/lists.js';
import { normaliseRecord } from '../../src/input/record.js';

const list = (column: 'locations' | 'profileSkills' | 'certifications', cell: ReturnType<typeof cellFromJson>) => {
  const issues: string[] = [];
  return { value: nameListCell(column, cell!, issues), issues };
};

describe('name-list cells', () => {
  it('reads a plain list as the whole set and +/- items as changes', () => {
    expect(list('profileSkills', cellFromCsv(' Java ; Spanish ')).value).toEqual({
      mode: 'replace',
      items: ['Java', 'Spanish'],
    });
    expect(list('locations', cellFromCsv('+HQ;-Remote')).value).toEqual({
      mode: 'delta',
      add: ['HQ'],
      remove: ['Remote'],
    });
    expect(list('certifications', cellFromCsv('<clear>')).value).toEqual({ mode: 'replace', items: [] });
  });

  it('refuses mixed prefixes, names twice, and an empty list', () => {
    expect(list('profileSkills', cellFromCsv('Java;+Go')).issues[0]).toContain('mixes items');
    expect(list('locations', cellFromCsv('HQ;hq')).issues[0]).toContain('named twice');
    // Free text is compared exactly: two spellings are two skills.
    expect(list('profileSkills', cellFromCsv('Java;java')).issues).toEqual([]);
    expect(list('profileSkills', cellFromCsv(';;')).issues[0]).toContain('names nothing');
  });

  it('takes JSON arrays and add/remove objects, and refuses other shapes and ";" in an item', () => {
    expect(list('profileSkills', cellFromJson(['Java'])).value).toEqual({ mode: 'replace', items: ['Java'] });
    expect(list('certifications', cellFromJson({ add: ['PMP'] })).value).toEqual({
      mode: 'delta',
      add: ['PMP'],
      remove: [],
    });
    expect(list('locations', cellFromJson({ replace: ['HQ'], add: ['X'] })).issues).toHaveLength(1);
    expect(list('locations', cellFromJson([1])).issues[0]).toContain('list of strings');
    expect(list('profileSkills', cellFromJson(['A;B'])).issues[0]).toContain('";"');
    expect(list('profileSkills', cellFromJson(3)).issues[0]).toContain('got number');
  });
});

describe('acdAutoAnswer and extensions', () => {
  it('reads true/false in any case and JSON booleans; refuses anything else and <clear>', () => {
    const read = (cell: ReturnType<typeof cellFromJson>) => {
      const issues: string[] = [];
      return { value: booleanCell(cell!, issues), issues };
    };
    expect(read(cellFromCsv('TRUE')).value).toBe(true);
    expect(read(cellFromJson(false)).value).toBe(false);
    expect(read(cellFromCsv('yes')).issues[0]).toContain('not true or false');
    expect(read(cellFromCsv('<clear>')).issues[0]).toContain('cannot be cleared');
  });

  it('reads an extension as digits', () => {
    const issues: string[] = [];
    expect(extensionValue('40-21', issues)).toBe('ext 4021');
    expect(extensionValue('x12', issues)).toBeUndefined();
    expect(extensionValue('1234567890123456', issues)).toBeUndefined();
    expect(issues).toHaveLength(2);
  });
});

describe('a record with the new columns', () => {
  const record = (cells: Record<string, string>) =>
    normaliseRecord(new Map(Object.entries(cells).map(([k, v]) => [k, cellFromCsv(v)!])), { rowNumber: 1, line: 2 });

  it('puts an extension in the phones as ext N, and a cleared one in clearExtensions', () => {
    const r = record({ email: 'a@example.com', 'phone.work.extension': '4021', 'phone.work2.extension': '<clear>' });
    expect(r.problems).toEqual([]);
    expect(r.changes).toEqual({ phones: { work: 'ext 4021' }, clearExtensions: ['work2'] });
  });

  it('refuses a number and an extension for one phone in one row', () => {
    const r = record({ email: 'a@example.com', 'phone.work': '+13175550100', 'phone.work.extension': '4021' });
    expect(r.problems.map((p) => p.code)).toEqual(['phone_and_extension']);
  });

  it('reads auto-answer and the lists', () => {
    const r = record({ email: 'a@example.com', acdAutoAnswer: 'false', locations: '+HQ', profileSkills: 'Java' });
    expect(r.changes).toEqual({
      acdAutoAnswer: false,
      locations: { mode: 'delta', add: ['HQ'], remove: [] },
      profileSkills: { mode: 'replace', items: ['Java'] },
    });
  });
});
