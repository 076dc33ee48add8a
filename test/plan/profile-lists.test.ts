import { describe, expect, it } from 'vitest';
import type { GenesysUser } from '../../src/genesys/types.js';
import { applyPatch, inverseChanges, planUserChange } from '../../src/plan/index.js';
import { applyList } from '../../src/plan/profile-lists.js';
import { afterWrite } from '../../src/run/profile-fields.js';

const user: GenesysUser = {
  id: 'u1',
  version: 3,
  state: 'active',
  name: 'Ana',
  email: 'ana@example.com',
  acdAutoAnswer: false,
  locations: [{ id: 'L1', notes: 'desk 4' }, { id: 'L2' }],
  profileSkills: ['Java', 'SQL'],
  addresses: [
    { mediaType: 'PHONE', type: 'WORK', address: '+13175550100' },
    { mediaType: 'PHONE', type: 'WORK2', extension: '2001' },
  ],
};
const names: Record<string, string> = { L1: 'HQ', L2: 'Annex', L3: 'Remote' };
const ctx = {
  managerId: () => undefined,
  locationName: (id: string) => names[id],
  locationId: (name: string) => Object.keys(names).find((id) => names[id]!.toLowerCase() === name.toLowerCase()),
};

describe('applyList', () => {
  it('keeps the items kept where they were and appends new ones', () => {
    expect(applyList(['a', 'b', 'c'], { mode: 'replace', items: ['c', 'd', 'a'] }, (s) => s)).toEqual(['a', 'c', 'd']);
    expect(applyList(['a', 'b'], { mode: 'delta', add: ['B', 'x'], remove: ['a'] }, (s) => s.toLowerCase())).toEqual([
      'b',
      'x',
    ]);
  });
});

describe('planning the other user fields', () => {
  it('diffs auto-answer, lists (locations by name, notes kept) and sends each list whole', () => {
    const plan = planUserChange(
      user,
      {
        acdAutoAnswer: true,
        locations: { mode: 'delta', add: ['remote'], remove: ['Annex'] },
        profileSkills: { mode: 'delta', add: ['Go'], remove: [] },
        certifications: { mode: 'replace', items: [] },
      },
      ctx,
    );
    expect(plan.diffs).toEqual([
      { field: 'acdAutoAnswer', before: 'false', after: 'true' },
      { field: 'locations', before: 'Annex;HQ', after: 'HQ;Remote' },
      { field: 'profileSkills', before: 'Java;SQL', after: 'Go;Java;SQL' },
    ]);
    expect(plan.patch).toEqual({
      acdAutoAnswer: true,
      locations: [{ id: 'L1', notes: 'desk 4' }, { id: 'L3' }],
      profileSkills: ['Java', 'SQL', 'Go'],
    });
    // Planning again against the result finds nothing to do.
    const after = applyPatch(user, { ...plan.patch, version: user.version });
    expect(planUserChange(after, { locations: { mode: 'replace', items: ['HQ', 'REMOTE'] } }, ctx).diffs).toEqual([]);
  });

  it('sets an extension in place of a number, and clears an extension but never a number', () => {
    const set = planUserChange(user, { phones: { work: 'ext 4021' } }, ctx);
    expect(set.diffs).toEqual([{ field: 'phone.work', before: '+13175550100', after: 'ext 4021' }]);
    expect(set.patch?.addresses).toEqual([
      { mediaType: 'PHONE', type: 'WORK', extension: '4021' },
      { mediaType: 'PHONE', type: 'WORK2', extension: '2001' },
    ]);
    expect(planUserChange(user, { clearExtensions: ['work'] }, ctx).diffs).toEqual([]);
    const cleared = planUserChange(user, { clearExtensions: ['work2'] }, ctx);
    expect(cleared.diffs).toEqual([{ field: 'phone.work2', before: 'ext 2001', after: null }]);
    expect(inverseChanges(cleared.diffs)).toEqual({ phones: { work2: 'ext 2001' } });
  });

  it('treats an unresolved location as an invalid row, not a crash', () => {
    expect(() => planUserChange(user, { locations: { mode: 'replace', items: ['Nowhere'] } }, ctx)).toThrowError(
      /not resolved/,
    );
  });
});

describe('afterWrite', () => {
  it('keeps the expand-only fields a PATCH answer lacks: what was sent, else what was read', () => {
    const { locations: _l, profileSkills: _p, ...answer } = { ...user, version: 4, title: 'New' };
    const next = afterWrite(user, answer, { version: 3, profileSkills: ['Go'] });
    expect(next.profileSkills).toEqual(['Go']);
    expect(next.locations).toEqual(user.locations);
    expect(next.certifications).toBeUndefined();
    expect(next.version).toBe(4);
  });
});
