import { describe, expect, it } from 'vitest';
import type { GenesysUser } from '../../src/genesys/types.js';
import type { ProfileChanges } from '../../src/input/index.js';
import { planUserChange } from '../../src/plan/index.js';
import { projectionFor, UserIndex, writeProjectionFor } from '../../src/run/resolve.js';

const full: GenesysUser = {
  id: 'b6f1c1de-6a57-4bb5-9a43-3f1f3f1f3f1f',
  name: 'Ana López',
  email: 'Ana.Lopez@example.com',
  username: 'ana.lopez@example.com',
  title: 'Agent',
  department: 'Support',
  state: 'active',
  version: 7,
  division: { id: 'd1', name: 'Home' },
  chat: { jabberId: 'x@chat' },
  primaryContactInfo: [{ address: 'ana.lopez@example.com', mediaType: 'EMAIL', type: 'PRIMARY' }],
  addresses: [
    { address: '+13175550100', mediaType: 'PHONE', type: 'MOBILE' },
    { extension: '2201', mediaType: 'PHONE', type: 'WORK' },
  ],
  employerInfo: { employeeId: 'E1', employeeType: 'Full-time' },
  manager: { id: 'c0ffee00-0000-4000-8000-000000000001' },
  selfUri: '/api/v2/users/b6f1c1de-6a57-4bb5-9a43-3f1f3f1f3f1f',
};

describe('projectionFor', () => {
  it('keeps identity, version, state, division and the fields the rows touch; drops the rest', () => {
    const p = projectionFor(['title', 'phones'])(full);
    expect(Object.keys(p).sort()).toEqual(
      ['addresses', 'division', 'email', 'id', 'name', 'state', 'title', 'version'].sort(),
    );
    expect(p.addresses).toEqual(full.addresses);
  });

  it('shares one division object between users whose divisions are equal, and only those', () => {
    const project = projectionFor(['title']);
    const a = project({ ...full, division: { id: 'd1', name: 'Home', selfUri: '/d1' } });
    const b = project({ ...full, id: 'u2', division: { id: 'd1', name: 'Home', selfUri: '/d1' } });
    const renamed = project({ ...full, id: 'u3', division: { id: 'd1', name: 'House', selfUri: '/d1' } });
    const other = project({ ...full, id: 'u4', division: { id: 'd2', name: 'Home', selfUri: '/d2' } });
    expect(b.division).toBe(a.division);
    expect(renamed.division).toEqual({ id: 'd1', name: 'House', selfUri: '/d1' });
    expect(renamed.division).not.toBe(a.division);
    expect(other.division).toEqual({ id: 'd2', name: 'Home', selfUri: '/d2' });
  });

  it('keeps the whole user for a change key it does not know', () => {
    expect(projectionFor(['title', 'somethingNew'])(full)).toBe(full);
  });

  it('plans the same diffs and patch against the projection as against the full user', () => {
    const rows: ProfileChanges[] = [
      { title: 'Lead', phones: { mobile: '+13175550199', home: '+13175550111' } },
      { employerInfo: { employeeId: null, dateHire: '2020-01-02' }, department: null },
      { manager: null, preferredName: 'Ana' },
      { state: 'inactive', name: 'Ana María López' },
    ];
    for (const changes of rows) {
      const ctx = { managerId: () => undefined };
      const projected = projectionFor(Object.keys(changes))(full);
      expect(planUserChange(projected, changes, ctx)).toEqual(planUserChange(full, changes, ctx));
      // What a user is held as until its PATCH plans the same write too.
      const forWrite = writeProjectionFor(Object.keys(changes))(full);
      expect(planUserChange(forWrite, changes, ctx)).toEqual(planUserChange(full, changes, ctx));
    }
  });

  it('is applied as users enter the index, which still finds them by id and by email', () => {
    const index = new UserIndex(projectionFor(['title']));
    index.add(full);
    index.add({ ...full, id: 'gone', email: 'gone@example.com', state: 'deleted' });
    expect(index.size).toBe(1);
    expect(index.byEmail.get('ana.lopez@example.com')?.chat).toBeUndefined();
    expect(index.byId.get(full.id)?.title).toBe('Agent');
  });

  it('keeps only the users it was told to, when told (a listing read for a few of many users)', () => {
    const index = new UserIndex(projectionFor(['title']), new Set([full.id]));
    index.add({ ...full, id: 'someone-else', email: 'other@example.com' });
    index.add(full);
    expect(index.size).toBe(1);
    expect(index.hasId('someone-else')).toBe(false);
    expect(index.hasEmail('other@example.com')).toBe(false);
    expect(index.byId.get(full.id)?.chat).toBeUndefined();
  });
});
