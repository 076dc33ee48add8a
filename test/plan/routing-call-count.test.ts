/** The routing calls counted a plan at a time (issue #12) are the calls planRoutingCalls makes, kind by kind. */
import { describe, expect, it } from 'vitest';
import type { NamedEntity } from '../../src/genesys/routing-types.js';
import type { RoutingChanges } from '../../src/input/index.js';
import {
  type CurrentRouting,
  callCountOf,
  catalogueResolvers,
  countRoutingCalls,
  planRouting,
  planRoutingCalls,
} from '../../src/plan/index.js';
import { routingCallCount } from '../../src/run/routing-slices.js';

const entities = (prefix: string, names: string[]): NamedEntity[] =>
  names.map((name, i) => ({ id: `${prefix}-${i + 1}`, name }));
const resolvers = catalogueResolvers({
  skill: entities('sk', ['Billing', 'Spanish']),
  queue: entities('q', ['Sales', 'Support']),
  role: entities('role', ['Agent', 'Employee']),
  division: entities('div', ['Home', 'Support']),
});
const current = (i: number): CurrentRouting => ({
  skills: i % 2 ? [{ id: 'sk-2', name: 'Spanish', proficiency: 1 }] : [],
  languages: [],
  memberOf: { queue: new Set(i % 3 ? ['q-2'] : []) },
  grants: [{ role: { id: 'role-2', name: 'Employee' }, division: { id: 'div-1', name: 'Home' } }],
  divisionId: 'div-1',
});
const changes = (i: number): RoutingChanges => ({
  skills: { mode: 'delta', add: [{ name: 'Billing', proficiency: i % 5 }], remove: i % 2 ? ['Spanish'] : [] },
  queues: { mode: 'delta', add: i % 4 ? ['Sales'] : [], remove: i % 3 ? ['Support'] : [] },
  ...(i % 5 === 0 ? { roles: { mode: 'delta' as const, add: [{ role: 'Agent', division: 'Home' }], remove: [] } } : {}),
  ...(i % 7 === 0 ? { division: 'Support' } : {}),
});
const perUser = Array.from({ length: 260 }, (_, i) => ({
  userId: `u-${i}`,
  plan: planRouting(current(i), changes(i), resolvers),
}));

describe('counting routing calls', () => {
  it('counts what planRoutingCalls plans, each kind in the order its list first names it', () => {
    const planned = callCountOf(planRoutingCalls(perUser));
    const counted = countRoutingCalls(perUser);
    expect(counted).toEqual(planned);
    expect([...counted.byKind]).toEqual([...planned.byKind]);
    expect([...planned.byKind.keys()]).toEqual([
      'skills-patch',
      'grants-add',
      'skill-delete',
      'members',
      'division-move',
    ]);
    // 195 users join Sales and 173 leave Support: 2 calls each, 100 users a call.
    expect(planned.byKind.get('members')).toBe(4);
  });

  it('counts slice by slice as the engine applies them: memberships and moves grouped within a slice', () => {
    const slice = 100;
    let members = 0;
    for (let i = 0; i < perUser.length; i += slice)
      members += callCountOf(planRoutingCalls(perUser.slice(i, i + slice))).byKind.get('members') ?? 0;
    const count = routingCallCount(perUser, slice);
    expect(count.byKind.get('members')).toBe(members);
    expect(members).toBeGreaterThan(4);
    // Each user's own calls are the same whatever the slice.
    expect(count.byKind.get('skills-patch')).toBe(countRoutingCalls(perUser).byKind.get('skills-patch'));
    expect(routingCallCount(perUser)).toEqual(countRoutingCalls(perUser));
  });
});
