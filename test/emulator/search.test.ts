import { describe, expect, it } from 'vitest';
import { compileSearch, decodeQ64, matchesSearch, runSearch } from '../../src/emulator/search.js';
import type { GenesysUser } from '../../src/genesys/types.js';

const user = (id: string, name: string, email: string, extra: Partial<GenesysUser> = {}): GenesysUser => ({
  id,
  name,
  email,
  username: email,
  state: 'active',
  version: 1,
  ...extra,
});

const users = [
  user('a1', 'Ann Lee', 'ann.lee@example.com', { title: 'Agent', department: 'Sales' }),
  user('b2', 'Bob Stone', 'bob.stone@example.com', { title: 'Senior Agent', department: 'Sales' }),
  user('c3', 'Cara Lee-Smith', 'cara@example.com', { title: 'Supervisor', department: 'Billing', state: 'inactive' }),
  user('d4', 'Dan Ray', 'dan.ray@example.com', { state: 'deleted' }),
];

const search = (body: unknown) => {
  const compiled = compileSearch(body);
  if (!compiled.ok) throw new Error(compiled.message);
  return runSearch(users, compiled.search);
};
const ids = (body: unknown) => (search(body).results ?? []).map((u) => u.id);

describe('user search', () => {
  it('EXACT matches email and username without regard to case, name with it', () => {
    expect(ids({ query: [{ type: 'EXACT', fields: ['email'], value: 'ANN.LEE@example.com' }] })).toEqual(['a1']);
    expect(ids({ query: [{ type: 'EXACT', fields: ['username'], values: ['bob.stone@EXAMPLE.com', 'x'] }] })).toEqual([
      'b2',
    ]);
    expect(ids({ query: [{ type: 'EXACT', fields: ['name'], value: 'ann lee' }] })).toEqual([]);
    expect(ids({ query: [{ type: 'EXACT', fields: ['name'], value: 'Ann Lee' }] })).toEqual(['a1']);
    expect(ids({ query: [{ type: 'EXACT', fields: ['id'], values: ['a1', 'c3'] }] })).toEqual(['a1', 'c3']);
  });

  it('with emailCaseSensitive, EXACT on email and username matches the stored spelling only', () => {
    const stored = [user('e5', 'Eve Park', 'Eve.Park@Example.com')];
    const run = (value: string, field = 'email') => {
      const compiled = compileSearch(
        { query: [{ type: 'EXACT', fields: [field], value }] },
        { max: 100, aboveMax: 'reject', emailCaseSensitive: true },
      );
      if (!compiled.ok) throw new Error(compiled.message);
      return (runSearch(stored, compiled.search).results ?? []).map((u) => u.id);
    };
    expect(run('eve.park@example.com')).toEqual([]);
    expect(run('Eve.Park@Example.com')).toEqual(['e5']);
    expect(run('EVE.PARK@EXAMPLE.COM', 'username')).toEqual([]);
    expect(run('E5', 'id')).toEqual(['e5']);
  });

  it('TERM matches a whole word of the field, or the whole field', () => {
    expect(ids({ query: [{ type: 'TERM', fields: ['name'], value: 'lee' }] })).toEqual(['a1', 'c3']);
    expect(ids({ query: [{ type: 'TERM', fields: ['name'], value: 'le' }] })).toEqual([]);
    expect(ids({ query: [{ type: 'TERM', fields: ['email', 'name'], value: 'cara@example.com' }] })).toEqual(['c3']);
    expect(ids({ query: [{ type: 'TERMS', fields: ['title'], values: ['supervisor', 'senior'] }] })).toEqual([
      'b2',
      'c3',
    ]);
  });

  it('STARTS_WITH and CONTAINS', () => {
    expect(ids({ query: [{ type: 'STARTS_WITH', fields: ['email'], value: 'bo' }] })).toEqual(['b2']);
    expect(ids({ query: [{ type: 'CONTAINS', fields: ['name'], value: 'ee-sm' }] })).toEqual(['c3']);
  });

  it('combines criteria: all AND, at least one OR, no NOT', () => {
    const sales = { type: 'EXACT', fields: ['department'], value: 'Sales' };
    expect(ids({ query: [sales, { type: 'TERM', fields: ['title'], value: 'senior' }] })).toEqual(['b2']);
    expect(
      ids({
        query: [
          { ...sales, operator: 'OR' },
          { type: 'EXACT', fields: ['state'], value: 'inactive', operator: 'OR' },
        ],
      }),
    ).toEqual(['a1', 'b2', 'c3']);
    expect(ids({ query: [sales, { type: 'TERM', fields: ['name'], value: 'ann', operator: 'NOT' }] })).toEqual(['b2']);
    expect(
      ids({
        query: [
          { type: 'TERM', fields: ['name'], value: 'lee' },
          { ...sales, operator: 'OR' },
          { type: 'EXACT', fields: ['title'], value: 'Nobody', operator: 'OR' },
        ],
      }),
    ).toEqual(['a1']);
  });

  it('never returns deleted users, and returns inactive ones', () => {
    expect(ids({ query: [{ type: 'CONTAINS', fields: ['email'], value: 'example' }] })).toEqual(['a1', 'b2', 'c3']);
    // Dan matches the criterion; only his state keeps him out.
    const compiled = compileSearch({ query: [{ type: 'TERM', fields: ['name'], value: 'dan' }] });
    expect(compiled.ok && matchesSearch(users[3]!, compiled.search)).toBe(true);
    expect(ids({ query: [{ type: 'TERM', fields: ['name'], value: 'dan' }] })).toEqual([]);
  });

  it('pages, sorts and links pages with q64', () => {
    const q = [{ type: 'CONTAINS', fields: ['email'], value: 'example' }];
    const page = search({ query: q, pageSize: 2, pageNumber: 2 });
    expect(page).toMatchObject({ total: 3, pageCount: 2, pageSize: 2, pageNumber: 2 });
    expect(page.results?.map((u) => u.id)).toEqual(['c3']);
    expect(page.nextPage).toBeUndefined();
    const previous = decodeQ64(decodeURIComponent(page.previousPage!.split('q64=')[1]!));
    expect(previous).toEqual({ query: q, pageSize: 2, pageNumber: 1 });
    expect(ids({ query: q, sortBy: 'email', sortOrder: 'DESC' })).toEqual(['c3', 'b2', 'a1']);
    const empty = search({ query: [{ type: 'EXACT', fields: ['id'], value: 'zz' }] });
    expect(empty).toMatchObject({ total: 0, pageCount: 0 });
    expect(empty).not.toHaveProperty('results');
  });

  it.each([
    [{}, "'query': expected a non-empty array"],
    [{ query: [] }, "'query': expected a non-empty array"],
    [{ query: [{ type: 'FUZZY', fields: ['name'], value: 'x' }] }, "'query[0].type'"],
    [{ query: [{ type: 'EXACT', fields: ['phone'], value: 'x' }] }, "'query[0].fields[0]'"],
    [{ query: [{ type: 'EXACT', value: 'x' }] }, "'query[0].fields'"],
    [{ query: [{ type: 'EXACT', fields: ['name'] }] }, 'needs a value or values'],
    [{ query: [{ type: 'EXACT', fields: ['name'], values: [1] }] }, "'query[0].values'"],
    [{ query: [{ type: 'EXACT', fields: ['name'], value: 'x', operator: 'XOR' }] }, "'query[0].operator'"],
    [{ query: [{ type: 'EXACT', fields: ['name'], value: 'x' }], pageSize: 101 }, "'pageSize': the maximum is 100"],
    [{ query: [{ type: 'EXACT', fields: ['name'], value: 'x' }], pageNumber: 0 }, "'pageNumber'"],
    [{ query: [{ type: 'EXACT', fields: ['name'], value: 'x' }], q: 1 }, "Unrecognized field 'q'"],
  ])('rejects %j', (body, message) => {
    const compiled = compileSearch(body);
    expect(compiled.ok).toBe(false);
    if (!compiled.ok) expect(compiled.message).toContain(message);
  });
});
