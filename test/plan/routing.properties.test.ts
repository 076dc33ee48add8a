import { describe, expect, it } from 'vitest';
import type { NamedEntity } from '../../src/genesys/routing-types.js';
import type { ListChange, ProficiencyItem, RoleGrantItem, RoutingChanges } from '../../src/input/index.js';
import { PlanError } from '../../src/plan/errors.js';
import {
  type CurrentRouting,
  catalogueResolvers,
  inverseRoutingChanges,
  planRouting,
  planRoutingCalls,
  type RoutingPlan,
} from '../../src/plan/index.js';
import { applyRoutingCalls } from '../models/routing-model.js';
import { rng } from './fixtures.js';

const RUNS = 400;

type Rand = () => number;
const pick = <T>(r: Rand, items: readonly T[]): T => items[Math.floor(r() * items.length)] as T;
const maybe = (r: Rand, p: number) => r() < p;
const int = (r: Rand, max: number) => Math.floor(r() * (max + 1));
const subset = <T>(r: Rand, items: readonly T[], p: number) => items.filter(() => maybe(r, p));
const shuffle = <T>(r: Rand, items: readonly T[]) => {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = int(r, i);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
};

const named = (prefix: string, n: number, name: (i: number) => string): NamedEntity[] =>
  Array.from({ length: n }, (_, i) => ({ id: `${prefix}-${i}`, name: name(i) }));
// 130 skills so that some users need more than one 50-skill call.
const SKILLS = named('sk', 130, (i) => (i % 10 === 3 ? `Tier:${i}` : `Skill ${i}`));
const LANGUAGES = named('lang', 60, (i) => `Language ${i}`);
const QUEUES = named('q', 7, (i) => `Queue ${i}`);
const ROLES = named('role', 5, (i) => (i === 4 ? 'Ops@EU' : `Role ${i}`));
const DIVISIONS = named('div', 4, (i) => (i === 0 ? 'Home' : `Division ${i}`));
const resolvers = catalogueResolvers({
  skill: SKILLS,
  language: LANGUAGES,
  queue: QUEUES,
  role: ROLES,
  division: DIVISIONS,
});

/** Names as a file might spell them: any case. */
const spell = (r: Rand, name: string) => pick(r, [name, name.toLowerCase(), name.toUpperCase()]);
const proficiency = (r: Rand) => (maybe(r, 0.7) ? int(r, 5) : int(r, 50) / 10);

function randomState(r: Rand): CurrentRouting {
  const many = maybe(r, 0.15);
  return {
    skills: subset(r, SKILLS, many ? 0.8 : 0.05).map((s) => ({ id: s.id, proficiency: proficiency(r) })),
    languages: subset(r, LANGUAGES, many ? 0.8 : 0.05).map((l) => ({ id: l.id, proficiency: proficiency(r) })),
    memberOf: { queue: new Set(subset(r, QUEUES, 0.4).map((q) => q.id)) },
    grants: ROLES.flatMap((role) =>
      subset(r, DIVISIONS, 0.15).map((d) => ({ role: { id: role.id }, division: { id: d.id } })),
    ),
    divisionId: pick(r, DIVISIONS).id,
  };
}

function proficiencyChange(r: Rand, catalogue: NamedEntity[]): ListChange<ProficiencyItem> {
  const many = maybe(r, 0.15);
  const chosen = shuffle(r, subset(r, catalogue, many ? 0.9 : 0.06));
  const item = (e: NamedEntity): ProficiencyItem =>
    maybe(r, 0.8) ? { name: spell(r, e.name), proficiency: proficiency(r) } : { name: spell(r, e.name) };
  if (maybe(r, 0.4)) return { mode: 'replace', items: maybe(r, 0.1) ? [] : chosen.map(item) };
  const split = int(r, chosen.length);
  return {
    mode: 'delta',
    add: chosen.slice(0, split).map(item),
    remove: chosen.slice(split).map((e) => spell(r, e.name)),
  };
}

function randomChanges(r: Rand): RoutingChanges {
  const c: RoutingChanges = {};
  if (maybe(r, 0.6)) c.skills = proficiencyChange(r, SKILLS);
  if (maybe(r, 0.5)) c.languages = proficiencyChange(r, LANGUAGES);
  if (maybe(r, 0.5)) {
    const chosen = shuffle(r, subset(r, QUEUES, 0.5));
    const split = int(r, chosen.length);
    // The input refuses an exact list of queues; the planner takes one for any membership kind (a kind that can
    // read a user's whole list).
    c.queues = maybe(r, 0.3)
      ? { mode: 'replace', items: chosen.map((q) => spell(r, q.name)) }
      : {
          mode: 'delta',
          add: chosen.slice(0, split).map((q) => spell(r, q.name)),
          remove: chosen.slice(split).map((q) => spell(r, q.name)),
        };
  }
  if (maybe(r, 0.5)) {
    const grants = shuffle(
      r,
      ROLES.flatMap((role) =>
        subset(r, DIVISIONS, 0.2).map(
          (d): RoleGrantItem => ({ role: spell(r, role.name), division: spell(r, d.name) }),
        ),
      ),
    );
    if (maybe(r, 0.4) && grants.length > 0) c.roles = { mode: 'replace', items: grants };
    else {
      const split = int(r, grants.length);
      c.roles = { mode: 'delta', add: grants.slice(0, split), remove: grants.slice(split) };
    }
  }
  if (maybe(r, 0.4)) c.division = spell(r, pick(r, DIVISIONS).name);
  return c;
}

/** An independent statement of what a row asks for: the state the user should end in. */
function expectedState(s: CurrentRouting, c: RoutingChanges): ReturnType<typeof canonical> {
  const id = (list: NamedEntity[], name: string) => list.find((e) => e.name.toLowerCase() === name.toLowerCase())!.id;
  const proficiencies = (
    current: readonly { id: string; proficiency: number }[],
    change: ListChange<ProficiencyItem> | undefined,
    list: NamedEntity[],
  ) => {
    const was = new Map(current.map((x) => [x.id, x.proficiency]));
    if (change === undefined) return was;
    const now = change.mode === 'replace' ? new Map<string, number>() : new Map(was);
    const items = change.mode === 'replace' ? change.items : change.add;
    for (const item of items) now.set(id(list, item.name), item.proficiency ?? was.get(id(list, item.name)) ?? 0);
    if (change.mode === 'delta') for (const name of change.remove) now.delete(id(list, name));
    return now;
  };
  let queueIds = new Set(s.memberOf.queue);
  if (c.queues?.mode === 'replace') queueIds = new Set(c.queues.items.map((name) => id(QUEUES, name)));
  else {
    for (const name of c.queues?.add ?? []) queueIds.add(id(QUEUES, name));
    for (const name of c.queues?.remove ?? []) queueIds.delete(id(QUEUES, name));
  }
  const key = (g: RoleGrantItem) => `${id(ROLES, g.role)}|${id(DIVISIONS, g.division)}`;
  let grants = new Set(s.grants.map((g) => `${g.role.id}|${g.division.id}`));
  if (c.roles?.mode === 'replace') grants = new Set(c.roles.items.map(key));
  else if (c.roles?.mode === 'delta') {
    for (const g of c.roles.add) grants.add(key(g));
    for (const g of c.roles.remove) grants.delete(key(g));
  }
  const divisionId = c.division !== undefined ? id(DIVISIONS, c.division) : s.divisionId;
  return canonical({
    skills: [...proficiencies(s.skills, c.skills, SKILLS)].map(([i, p]) => ({ id: i, proficiency: p })),
    languages: [...proficiencies(s.languages, c.languages, LANGUAGES)].map(([i, p]) => ({ id: i, proficiency: p })),
    memberOf: { queue: queueIds },
    grants: [...grants].map((g) => ({ role: { id: g.split('|')[0]! }, division: { id: g.split('|')[1]! } })),
    ...(divisionId !== undefined ? { divisionId } : {}),
  });
}

/** A state in a form two equal states share: sorted, proficiencies rounded, names dropped. */
function canonical(s: CurrentRouting) {
  const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : 1);
  return {
    skills: [...s.skills].sort(byId).map((x) => [x.id, Math.round(x.proficiency * 10) / 10]),
    languages: [...s.languages].sort(byId).map((x) => [x.id, Math.round(x.proficiency * 10) / 10]),
    queues: [...(s.memberOf.queue ?? [])].sort(),
    grants: s.grants.map((g) => `${g.role.id}|${g.division.id}`).sort(),
    divisionId: s.divisionId ?? null,
  };
}

describe('routing plans (seeded properties)', () => {
  it(`plan → apply reaches the asked-for state minimally; the inverse restores the original (${RUNS} runs)`, () => {
    let lockouts = 0;
    let skillRemovals = 0;
    for (let run = 0; run < RUNS; run++) {
      const seed = 0x5eed + run;
      const r = rng(seed);
      const users = Array.from({ length: 1 + int(r, 6) }, (_, i) => ({ userId: `u-${i}`, state: randomState(r) }));
      const original = new Map(users.map((u) => [u.userId, u.state]));
      const perUser: { userId: string; plan: RoutingPlan }[] = [];
      const asked = new Map<string, RoutingChanges>();
      for (const u of users) {
        const changes = randomChanges(r);
        try {
          perUser.push({ userId: u.userId, plan: planRouting(u.state, changes, resolvers) });
          asked.set(u.userId, changes);
        } catch (err) {
          // The only refusal: a change that would leave a user who has roles with none.
          expect(err, `seed ${seed}`).toBeInstanceOf(PlanError);
          expect(expectedState(u.state, changes).grants, `seed ${seed}`).toEqual([]);
          lockouts++;
        }
      }

      const calls = planRoutingCalls(perUser);
      if (calls.some((c) => c.kind === 'skill-delete')) skillRemovals++;
      // Every diff is realised by exactly one call, and a call realises diffs of the users it names.
      const realised = calls.flatMap((c) => c.realises.flatMap((x) => x.diffs.map((d) => `${x.userId} ${d.field}`)));
      const planned = perUser.flatMap((u) => u.plan.diffs.map((d) => `${u.userId} ${d.field}`));
      expect(realised.sort(), `seed ${seed}`).toEqual(planned.sort());

      const applied = applyRoutingCalls(original, calls);
      for (const u of users) {
        const changes = asked.get(u.userId);
        const want = changes === undefined ? canonical(u.state) : expectedState(u.state, changes);
        expect(canonical(applied.get(u.userId)!), `seed ${seed} ${u.userId}`).toEqual(want);
        // Idempotent: planning the same row again against the result changes nothing.
        if (changes !== undefined) {
          const again = planRouting(applied.get(u.userId)!, changes, resolvers);
          expect(again.diffs, `seed ${seed} ${u.userId}`).toEqual([]);
        }
      }

      const rollback = perUser.map(({ userId, plan }) => ({
        userId,
        plan: planRouting(applied.get(userId)!, inverseRoutingChanges(plan.diffs), resolvers, { allowNoRoles: true }),
      }));
      const restored = applyRoutingCalls(applied, planRoutingCalls(rollback));
      for (const u of users) {
        expect(canonical(restored.get(u.userId)!), `seed ${seed} ${u.userId}`).toEqual(canonical(u.state));
      }
    }
    // The generator must reach the interesting cases, or the property proves little.
    expect(lockouts).toBeGreaterThan(0);
    expect(skillRemovals).toBeGreaterThan(RUNS / 10);
  });
});
