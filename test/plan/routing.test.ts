import { describe, expect, it } from 'vitest';
import type { Grant, NamedEntity, UserRoutingSkill } from '../../src/genesys/routing-types.js';
import type { RoutingChanges } from '../../src/input/index.js';
import { PlanError } from '../../src/plan/errors.js';
import {
  type CurrentRouting,
  catalogueResolvers,
  inverseRoutingChanges,
  isRoutingField,
  planRouting,
  planRoutingCalls,
  type RoutingCall,
  type RoutingPlan,
  type RoutingResolvers,
  UnresolvedRoutingNameError,
  type UserRoutingWrite,
} from '../../src/plan/index.js';
import { summarise } from '../../src/plan/plan.js';
import { renderPlanText } from '../../src/plan/render.js';
import { applyRoutingCalls } from '../models/routing-model.js';

const entities = (prefix: string, names: string[]): NamedEntity[] =>
  names.map((name, i) => ({ id: `${prefix}-${i + 1}`, name }));

const SKILLS = entities('sk', ['Billing', 'Spanish', 'Retention', 'Sales', 'Tier:1']);
const MANY_SKILLS = entities(
  'bulk',
  Array.from({ length: 130 }, (_, i) => `Skill ${String(i + 1).padStart(3, '0')}`),
);
const LANGUAGES = entities('lang', ['English', 'Spanish', 'French', 'German']);
const MANY_LANGUAGES = entities(
  'many-lang',
  Array.from({ length: 60 }, (_, i) => `Language ${String(i + 1).padStart(2, '0')}`),
);
const QUEUES = entities('q', ['Sales', 'Support', 'Billing']);
const ROLES = entities('role', ['Agent', 'Supervisor', 'Employee', 'Ops@EU']);
const DIVISIONS = entities('div', ['Home', 'Support', 'Sales']);

const resolvers = catalogueResolvers({
  skill: [...SKILLS, ...MANY_SKILLS],
  language: [...LANGUAGES, ...MANY_LANGUAGES],
  queue: QUEUES,
  role: ROLES,
  division: DIVISIONS,
});

const id = (list: NamedEntity[], name: string) => list.find((e) => e.name === name)!.id;
const skill = (name: string, proficiency: number): UserRoutingSkill => ({ id: id(SKILLS, name), name, proficiency });
const lang = (name: string, proficiency: number) => ({ id: id(LANGUAGES, name), name, proficiency });
const grant = (role: string, division: string): Grant => ({
  role: { id: id(ROLES, role), name: role },
  division: { id: id(DIVISIONS, division), name: division },
});

function state(overrides: Partial<CurrentRouting> = {}): CurrentRouting {
  return {
    skills: [],
    languages: [],
    memberOf: { queue: new Set() },
    grants: [grant('Employee', 'Home')],
    divisionId: id(DIVISIONS, 'Home'),
    ...overrides,
  };
}

const plan = (current: CurrentRouting, changes: RoutingChanges, r: RoutingResolvers = resolvers) =>
  planRouting(current, changes, r);

/** How many items a call or write sends, and their ids. */
function bodyIds(c: RoutingCall | UserRoutingWrite): string[] {
  if (!('body' in c)) return [];
  return Array.isArray(c.body) ? c.body.map((s) => s.id) : c.body.grants.map((g) => `${g.roleId}@${g.divisionId}`);
}
const sizeOf = (c: RoutingCall | UserRoutingWrite) => bodyIds(c).length;

/** Calls of a single user, as planRoutingCalls emits them. */
const callsOf = (p: RoutingPlan, userId = 'u-1') => planRoutingCalls([{ userId, plan: p }]);

describe('skills', () => {
  it('adds and updates with one PATCH when nothing is removed', () => {
    const current = state({ skills: [skill('Billing', 2), skill('Sales', 1)] });
    const p = plan(current, {
      skills: {
        mode: 'delta',
        add: [
          { name: 'billing', proficiency: 4 },
          { name: 'Spanish', proficiency: 3.5 },
        ],
        remove: [],
      },
    });
    expect(p.diffs).toEqual([
      { field: 'skill:Billing', before: '2', after: '4' },
      { field: 'skill:Spanish', before: null, after: '3.5' },
    ]);
    expect(callsOf(p)).toEqual([
      {
        kind: 'skills-patch',
        userId: 'u-1',
        body: [
          { id: 'sk-1', proficiency: 4 },
          { id: 'sk-2', proficiency: 3.5 },
        ],
        realises: [{ userId: 'u-1', diffs: p.diffs }],
      },
    ]);
  });

  it('keeps the current proficiency of +Name without one, and gives a new skill 0', () => {
    const p = plan(state({ skills: [skill('Billing', 2)] }), {
      skills: { mode: 'delta', add: [{ name: 'Billing' }, { name: 'Sales' }], remove: [] },
    });
    expect(p.diffs).toEqual([{ field: 'skill:Sales', before: null, after: '0' }]);
  });

  it('removes with a DELETE per skill after the PATCH of the others, never a PUT of the whole set', () => {
    const current = state({ skills: [skill('Billing', 2), skill('Retention', 3), skill('Sales', 1)] });
    const p = plan(current, {
      skills: { mode: 'delta', add: [{ name: 'Billing', proficiency: 5 }], remove: ['retention', 'Spanish'] },
    });
    expect(p.diffs).toEqual([
      { field: 'skill:Billing', before: '2', after: '5' },
      { field: 'skill:Retention', before: '3', after: null },
    ]);
    // Sales is not sent at all: a PUT would have sent it at the proficiency read, undoing a change made since.
    expect(p.writes).toEqual([
      { kind: 'skills-patch', body: [{ id: 'sk-1', proficiency: 5 }], diffs: [p.diffs[0]] },
      { kind: 'skill-delete', skillId: 'sk-3', diffs: [p.diffs[1]] },
    ]);
  });

  it('replaces the whole set by its additions and removals, and <clear> is a DELETE of each', () => {
    const current = state({ skills: [skill('Billing', 2), skill('Retention', 3)] });
    const p = plan(current, {
      skills: {
        mode: 'replace',
        items: [
          { name: 'Billing', proficiency: 2 },
          { name: 'Tier:1', proficiency: 1 },
        ],
      },
    });
    expect(p.diffs).toEqual([
      { field: 'skill:Retention', before: '3', after: null },
      { field: 'skill:Tier:1', before: null, after: '1' },
    ]);
    expect(p.writes.map((w) => [w.kind, bodyIds(w)])).toEqual([
      ['skills-patch', ['sk-5']],
      ['skill-delete', []],
    ]);
    const cleared = plan(current, { skills: { mode: 'replace', items: [] } });
    expect(cleared.writes.map((w) => [w.kind, 'skillId' in w ? w.skillId : null])).toEqual([
      ['skill-delete', 'sk-1'],
      ['skill-delete', 'sk-3'],
    ]);
    expect(cleared.diffs.map((d) => d.after)).toEqual([null, null]);
  });

  it('changes nothing when the user already has the set: names in any case or order, 4 and 4.0 alike', () => {
    const current = state({ skills: [skill('Billing', 4), { id: 'sk-2', proficiency: 3.0000001 }] });
    const p = plan(current, {
      skills: {
        mode: 'replace',
        items: [
          { name: 'SPANISH', proficiency: 3 },
          { name: 'billing', proficiency: 4.0 },
        ],
      },
    });
    expect(p).toEqual({ diffs: [], writes: [], memberships: [] });
    expect(plan(current, { skills: { mode: 'delta', add: [], remove: ['Retention'] } }).writes).toEqual([]);
  });

  it('replaces 120 skills with PATCHes of 50, 50 and 20 and a DELETE of the one removed', () => {
    const current = state({ skills: [skill('Billing', 2)] });
    const items = MANY_SKILLS.slice(0, 120).map((s, i) => ({ name: s.name, proficiency: i % 6 }));
    const p = plan(current, { skills: { mode: 'replace', items } });
    const calls = callsOf(p);
    expect(calls.map((c) => [c.kind, sizeOf(c)])).toEqual([
      ['skills-patch', 50],
      ['skills-patch', 50],
      ['skills-patch', 20],
      ['skill-delete', 0],
    ]);
    const sent = calls.flatMap(bodyIds);
    expect(new Set(sent)).toEqual(new Set(MANY_SKILLS.slice(0, 120).map((s) => s.id)));
    expect(sent).toHaveLength(120);
    // The DELETE realises the removal of Billing; every diff is realised by exactly one call.
    expect(calls[3]!.realises[0]!.diffs).toEqual([{ field: 'skill:Billing', before: '2', after: null }]);
    expect(calls.flatMap((c) => c.realises.flatMap((r) => r.diffs))).toHaveLength(p.diffs.length);
    const after = applyRoutingCalls(new Map([['u-1', current]]), calls).get('u-1')!;
    expect(after.skills).toHaveLength(120);
  });

  it('adds 120 skills without removing any in three PATCHes', () => {
    const items = MANY_SKILLS.slice(0, 120).map((s) => ({ name: s.name, proficiency: 1 }));
    const calls = callsOf(plan(state(), { skills: { mode: 'delta', add: items, remove: [] } }));
    expect(calls.map((c) => [c.kind, sizeOf(c)])).toEqual([
      ['skills-patch', 50],
      ['skills-patch', 50],
      ['skills-patch', 20],
    ]);
  });

  it('keeps 60 unchanged skills through a removal without sending any of them: one DELETE', () => {
    const current = state({ skills: [...MANY_SKILLS.slice(0, 60).map((s) => ({ id: s.id, proficiency: 2 }))] });
    const p = plan(current, { skills: { mode: 'delta', add: [], remove: [MANY_SKILLS[0]!.name] } });
    const calls = callsOf(p);
    expect(calls.map((c) => [c.kind, c.realises[0]!.diffs.length])).toEqual([['skill-delete', 1]]);
    expect(applyRoutingCalls(new Map([['u-1', current]]), calls).get('u-1')!.skills).toHaveLength(59);
  });
});

describe('languages', () => {
  it('PATCHes additions and updates, and DELETEs each removal', () => {
    const current = state({ languages: [lang('English', 5), lang('French', 2), lang('German', 1)] });
    const p = plan(current, {
      languages: { mode: 'delta', add: [{ name: 'Spanish', proficiency: 3 }], remove: ['French', 'German'] },
    });
    expect(p.diffs).toEqual([
      { field: 'language:French', before: '2', after: null },
      { field: 'language:German', before: '1', after: null },
      { field: 'language:Spanish', before: null, after: '3' },
    ]);
    expect(callsOf(p)).toEqual([
      {
        kind: 'languages-patch',
        userId: 'u-1',
        body: [{ id: 'lang-2', proficiency: 3 }],
        realises: [{ userId: 'u-1', diffs: [p.diffs[2]] }],
      },
      {
        kind: 'language-delete',
        userId: 'u-1',
        languageId: 'lang-3',
        realises: [{ userId: 'u-1', diffs: [p.diffs[0]] }],
      },
      {
        kind: 'language-delete',
        userId: 'u-1',
        languageId: 'lang-4',
        realises: [{ userId: 'u-1', diffs: [p.diffs[1]] }],
      },
    ]);
  });

  it('replaces: what is not listed is deleted; 60 languages take two PATCHes', () => {
    const current = state({ languages: [lang('English', 5)] });
    const items = MANY_LANGUAGES.map((l) => ({ name: l.name, proficiency: 4 }));
    const kinds = callsOf(plan(current, { languages: { mode: 'replace', items } })).map((c) =>
      'body' in c ? `${c.kind}:${sizeOf(c)}` : c.kind,
    );
    expect(kinds).toEqual(['languages-patch:50', 'languages-patch:10', 'language-delete']);
  });
});

describe('queues', () => {
  const sales = id(QUEUES, 'Sales');
  const billing = id(QUEUES, 'Billing');

  it('adds where the user is not a member and removes where they are, nothing else', () => {
    const current = state({ memberOf: { queue: new Set([billing, id(QUEUES, 'Support')]) } });
    const p = plan(current, { queues: { mode: 'delta', add: ['sales', 'Support'], remove: ['Billing'] } });
    expect(p.diffs).toEqual([
      { field: 'queue:Billing', before: 'member', after: null },
      { field: 'queue:Sales', before: null, after: 'member' },
    ]);
    expect(p.memberships.map((q) => [q.entityId, q.remove])).toEqual([
      [billing, true],
      [sales, false],
    ]);
    expect(p.writes).toEqual([]);
  });

  it('adds 250 users to one queue in 3 calls of 100, 100 and 50, in input order', () => {
    const perUser = Array.from({ length: 250 }, (_, i) => ({
      userId: `u-${String(i).padStart(3, '0')}`,
      plan: plan(state(), { queues: { mode: 'delta', add: ['Sales'], remove: [] } }),
    }));
    const calls = planRoutingCalls(perUser);
    expect(calls.map((c) => (c.kind === 'members' ? [c.entityId, c.remove, c.userIds.length] : c.kind))).toEqual([
      [sales, false, 100],
      [sales, false, 100],
      [sales, false, 50],
    ]);
    expect(calls.flatMap((c) => ('userIds' in c ? c.userIds : []))).toEqual(perUser.map((u) => u.userId));
    expect(calls[2]!.realises[0]).toEqual({
      userId: 'u-200',
      diffs: [{ field: 'queue:Sales', before: null, after: 'member' }],
    });
  });

  it('groups users per queue and direction', () => {
    const support = id(QUEUES, 'Support');
    const member = (...ids: string[]) => state({ memberOf: { queue: new Set(ids) } });
    const calls = planRoutingCalls([
      { userId: 'a', plan: plan(member(billing), { queues: { mode: 'delta', add: ['Sales'], remove: ['Billing'] } }) },
      { userId: 'b', plan: plan(member(), { queues: { mode: 'delta', add: ['Sales', 'Support'], remove: [] } }) },
      {
        userId: 'c',
        plan: plan(member(billing), { queues: { mode: 'delta', add: ['Support'], remove: ['Billing'] } }),
      },
      {
        userId: 'd',
        plan: plan(member(sales, billing), { queues: { mode: 'delta', add: [], remove: ['Sales', 'Billing'] } }),
      },
    ]);
    expect(calls.map((c) => (c.kind === 'members' ? [c.entityId, c.remove, c.userIds] : c.kind))).toEqual([
      [sales, false, ['a', 'b']],
      [sales, true, ['d']],
      [support, false, ['b', 'c']],
      [billing, true, ['a', 'c', 'd']],
    ]);
    expect([sales, support, billing]).toEqual(['q-1', 'q-2', 'q-3']);
  });
});

describe('roles', () => {
  it('grants before it revokes, in delta mode', () => {
    const current = state({ grants: [grant('Employee', 'Home'), grant('Supervisor', 'Home')] });
    const p = plan(current, {
      roles: {
        mode: 'delta',
        add: [{ role: 'Agent', division: 'Support' }],
        remove: [
          { role: 'supervisor', division: 'home' },
          { role: 'Agent', division: 'Sales' },
        ],
      },
    });
    expect(p.diffs).toEqual([
      { field: 'role:Agent@Support', before: null, after: 'granted' },
      { field: 'role:Supervisor@Home', before: 'granted', after: null },
    ]);
    expect(callsOf(p)).toEqual([
      {
        kind: 'grants-add',
        userId: 'u-1',
        body: { grants: [{ roleId: 'role-1', divisionId: 'div-2' }] },
        realises: [{ userId: 'u-1', diffs: [p.diffs[0]] }],
      },
      {
        kind: 'grants-remove',
        userId: 'u-1',
        body: { grants: [{ roleId: 'role-2', divisionId: 'div-1' }] },
        realises: [{ userId: 'u-1', diffs: [p.diffs[1]] }],
      },
    ]);
  });

  it('writes a plain list as its grants and revocations (never a bulkreplace), or nothing when it is the set', () => {
    const current = state({ grants: [grant('Employee', 'Home'), grant('Supervisor', 'Home')] });
    const p = plan(current, {
      roles: {
        mode: 'replace',
        items: [
          { role: 'Employee', division: 'Home' },
          { role: 'Agent', division: 'Support' },
        ],
      },
    });
    expect(p.writes).toEqual([
      {
        kind: 'grants-add',
        body: { grants: [{ roleId: 'role-1', divisionId: 'div-2' }] },
        diffs: [{ field: 'role:Agent@Support', before: null, after: 'granted' }],
      },
      {
        kind: 'grants-remove',
        body: { grants: [{ roleId: 'role-2', divisionId: 'div-1' }] },
        diffs: [{ field: 'role:Supervisor@Home', before: 'granted', after: null }],
      },
    ]);
    const same = plan(current, {
      roles: {
        mode: 'replace',
        items: [
          { role: 'supervisor', division: 'Home' },
          { role: 'EMPLOYEE', division: 'home' },
        ],
      },
    });
    expect(same.writes).toEqual([]);
  });

  it('refuses to leave a user with no role, unless asked (a rollback)', () => {
    const current = state({ grants: [grant('Employee', 'Home')] });
    const changes: RoutingChanges = {
      roles: { mode: 'delta', add: [], remove: [{ role: 'Employee', division: 'Home' }] },
    };
    const err = (() => {
      try {
        plan(current, changes);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(PlanError);
    expect(err).toMatchObject({ code: 'invalid_value', field: 'roles' });
    expect(planRouting(current, changes, resolvers, { allowNoRoles: true }).diffs).toHaveLength(1);
  });

  it('names a role with @ in it by its last @', () => {
    const p = plan(state(), { roles: { mode: 'delta', add: [{ role: 'Ops@EU', division: 'Sales' }], remove: [] } });
    expect(p.diffs).toEqual([{ field: 'role:Ops@EU@Sales', before: null, after: 'granted' }]);
    expect(inverseRoutingChanges(p.diffs).roles).toEqual({
      mode: 'delta',
      add: [],
      remove: [{ role: 'Ops@EU', division: 'Sales' }],
    });
  });
});

describe('division', () => {
  it('moves only users not already there, with names in the diff', () => {
    expect(plan(state(), { division: 'home' })).toEqual({ diffs: [], writes: [], memberships: [] });
    const p = plan(state(), { division: 'support' });
    expect(p.diffs).toEqual([{ field: 'division', before: 'Home', after: 'Support' }]);
    expect(p.division).toEqual({ divisionId: 'div-2', fromId: 'div-1', diff: p.diffs[0] });
  });

  it('groups moves per division, 50 users a call, after every other call', () => {
    const perUser = [
      ...Array.from({ length: 120 }, (_, i) => ({ userId: `s-${i}`, plan: plan(state(), { division: 'Support' }) })),
      {
        userId: 'x',
        plan: plan(state(), { division: 'Sales', skills: { mode: 'delta', add: [{ name: 'Billing' }], remove: [] } }),
      },
    ];
    const calls = planRoutingCalls(perUser);
    expect(calls.map((c) => (c.kind === 'division-move' ? [c.divisionId, c.userIds.length] : c.kind))).toEqual([
      'skills-patch',
      ['div-2', 50],
      ['div-2', 50],
      ['div-2', 20],
      ['div-3', 1],
    ]);
  });
});

describe('planRoutingCalls', () => {
  it("keeps each user's writes in input order, then queues by id, then divisions by id; serialisable", () => {
    const a = plan(state({ languages: [lang('French', 1)] }), {
      languages: { mode: 'delta', add: [], remove: ['French'] },
      queues: { mode: 'delta', add: ['Support'], remove: [] },
      division: 'Sales',
    });
    const b = plan(state(), {
      skills: { mode: 'delta', add: [{ name: 'Sales', proficiency: 1 }], remove: [] },
      queues: { mode: 'delta', add: ['Sales'], remove: [] },
    });
    const calls = planRoutingCalls([
      { userId: 'b', plan: b },
      { userId: 'a', plan: a },
    ]);
    expect(
      calls.map((c) => `${c.kind}:${'userId' in c ? c.userId : 'userIds' in c ? c.userIds.join('+') : ''}`),
    ).toEqual(['skills-patch:b', 'language-delete:a', 'members:b', 'members:a', 'division-move:a']);
    expect(JSON.parse(JSON.stringify(calls))).toEqual(calls);
    expect(
      planRoutingCalls([
        { userId: 'a', plan: a },
        { userId: 'b', plan: b },
      ]).map((c) => c.kind),
    ).toEqual(['language-delete', 'skills-patch', 'members', 'members', 'division-move']);
  });

  it('refuses a user listed twice', () => {
    const p = plan(state(), { division: 'Sales' });
    expect(() =>
      planRoutingCalls([
        { userId: 'a', plan: p },
        { userId: 'a', plan: p },
      ]),
    ).toThrow('appears twice');
  });
});

describe('resolution', () => {
  it('throws UnresolvedRoutingNameError for a name the run layer did not resolve', () => {
    expect(() => plan(state(), { queues: { mode: 'delta', add: ['Nowhere'], remove: [] } })).toThrow(
      UnresolvedRoutingNameError,
    );
  });

  it('rejects a row whose two names resolve to one item', () => {
    const aliasing: RoutingResolvers = {
      ...resolvers,
      id: (kind, name) => (kind === 'skill' ? 'sk-1' : resolvers.id(kind, name)),
    };
    expect(() =>
      plan(state(), { skills: { mode: 'delta', add: [{ name: 'Billing' }], remove: ['Invoices'] } }, aliasing),
    ).toThrow(expect.objectContaining({ code: 'invalid_value', field: 'skills' }));
  });

  it('resolves names case-insensitively, not deleted or ambiguous ones, and names every listed id', () => {
    const r = catalogueResolvers({
      queue: [
        { id: 'q1', name: 'Sales' },
        { id: 'q2', name: 'SALES' },
        { id: 'q3', name: 'Old', state: 'deleted' },
        { id: 'q4', name: 'Support' },
      ],
    });
    expect([r.id('queue', 'sales'), r.id('queue', 'Old'), r.id('queue', ' support ')]).toEqual([
      undefined,
      undefined,
      'q4',
    ]);
    expect(r.nameOf?.('queue', 'q3')).toBe('Old');
    expect(r.id('skill', 'Sales')).toBeUndefined();
  });

  it('names items by id when nothing else names them', () => {
    const bare: RoutingResolvers = { ...resolvers, nameOf: undefined };
    const p = plan(
      state({ skills: [{ id: 'sk-9', proficiency: 1 }] }),
      { skills: { mode: 'replace', items: [] } },
      bare,
    );
    expect(p.diffs).toEqual([{ field: 'skill:sk-9', before: '1', after: null }]);
  });
});

describe('inverseRoutingChanges', () => {
  it('turns every diff back into a delta change', () => {
    expect(
      inverseRoutingChanges([
        { field: 'skill:Billing', before: '2', after: '4' },
        { field: 'skill:Tier:1', before: null, after: '1' },
        { field: 'language:French', before: '2.5', after: null },
        { field: 'queue:Sales', before: null, after: 'member' },
        { field: 'queue:Billing', before: 'member', after: null },
        { field: 'role:Agent@Support', before: null, after: 'granted' },
        { field: 'role:Supervisor@Home', before: 'granted', after: null },
        { field: 'division', before: 'Home', after: 'Support' },
      ]),
    ).toEqual({
      skills: { mode: 'delta', add: [{ name: 'Billing', proficiency: 2 }], remove: ['Tier:1'] },
      languages: { mode: 'delta', add: [{ name: 'French', proficiency: 2.5 }], remove: [] },
      queues: { mode: 'delta', add: ['Billing'], remove: ['Sales'] },
      roles: {
        mode: 'delta',
        add: [{ role: 'Supervisor', division: 'Home' }],
        remove: [{ role: 'Agent', division: 'Support' }],
      },
      division: 'Home',
    });
    expect(inverseRoutingChanges([])).toEqual({});
  });

  it('rejects profile fields and a division the user did not have', () => {
    expect(isRoutingField('title')).toBe(false);
    expect(isRoutingField('queue:Sales')).toBe(true);
    expect(() => inverseRoutingChanges([{ field: 'title', before: 'a', after: 'b' }])).toThrow(RangeError);
    expect(() => inverseRoutingChanges([{ field: 'division', before: null, after: 'Support' }])).toThrow(
      expect.objectContaining({ code: 'not_invertible' }),
    );
  });
});

describe('rendering', () => {
  it('shows routing diffs through the generic plan rendering', () => {
    const p = plan(state({ skills: [skill('Billing', 2)], memberOf: { queue: new Set() } }), {
      skills: { mode: 'delta', add: [{ name: 'Billing', proficiency: 4 }], remove: [] },
      queues: { mode: 'delta', add: ['Sales'], remove: [] },
      roles: { mode: 'delta', add: [{ role: 'Agent', division: 'Support' }], remove: [] },
      division: 'Support',
    });
    const rows = [
      { rowNumber: 1, line: 2, key: 'ana@example.com', userId: 'u-1', status: 'change' as const, diffs: p.diffs },
    ];
    expect(renderPlanText({ schemaVersion: 2, summary: summarise(rows), rows }, { color: false })).toBe(
      [
        '~ ana@example.com (row 1)',
        '    skill:Billing: "2" → "4"',
        '    queue:Sales: (none) → "member"',
        '    role:Agent@Support: (none) → "granted"',
        '    division: "Home" → "Support"',
        '',
        'Fields: division 1, queue:* 1, role:* 1, skill:* 1.',
        'Changes: 3 updates, 1 division move.',
        'Plan: 1 to change, 0 unchanged, 0 not found.',
        '',
      ].join('\n'),
    );
  });
});
