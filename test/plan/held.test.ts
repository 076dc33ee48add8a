import { describe, expect, it } from 'vitest';
import { grantKeyOf, heldNote, splitGrants, splitQueueMembers } from '../../src/plan/held.js';

describe('held through groups', () => {
  it("splits grants by subject: the user's own, and those a group gives, named by the group", () => {
    const grant = (subjectId: string | undefined, role: string) => ({
      ...(subjectId !== undefined ? { subjectId } : {}),
      role: { id: role },
      division: { id: 'home' },
    });
    const { own, held } = splitGrants(
      [grant('U1', 'employee'), grant(undefined, 'viewer'), grant('g1', 'agent'), grant('g2', 'agent')],
      'u1',
      (id) => (id === 'g1' ? 'Sales Team' : undefined),
    );
    expect(own.map((g) => g.role.id)).toEqual(['employee', 'viewer']);
    expect(held).toEqual(new Map([[grantKeyOf('agent', 'home'), ['Sales Team', 'g2']]]));
  });

  it('splits queue members: a member in person and through a group counts as in person', () => {
    const { own, byGroup } = splitQueueMembers([
      { id: 'A', memberBy: 'user' },
      { id: 'b', memberBy: 'group' },
      { id: 'c', user: { id: 'C' } },
      { id: 'a', memberBy: 'group' },
    ]);
    expect(own).toEqual(new Set(['a', 'c']));
    expect(byGroup).toEqual(new Set(['b']));
  });

  it('says which items stay and through which group', () => {
    expect(
      heldNote([
        { kind: 'queue', label: 'Sales Inbound', groups: ['Sales Team'] },
        { kind: 'role', label: 'Agent@Home', groups: [] },
      ]),
    ).toBe(
      'queue "Sales Inbound" is held through group "Sales Team", which a user-level change does not remove; role "Agent@Home" is held through a group, which a user-level change does not remove',
    );
  });
});
