/** The routing catalogue and generated assignments: deterministic, consistent, and overridable by options. */
import { describe, expect, it } from 'vitest';
import { EmulatorCore } from '../../src/emulator/core.js';
import { generateDirectory } from '../../src/emulator/directory.js';
import { generateCatalogue, startEmulator, type UserAssignments } from '../../src/emulator/index.js';
import { generateAssignments } from '../../src/emulator/routing.js';
import type { GenesysUser } from '../../src/genesys/types.js';
import { defined, emulator } from './helpers.js';

const state = (users: number, seed: number) => {
  const directory = generateDirectory({ users, seed });
  const catalogue = generateCatalogue({ seed, users: directory });
  return { directory, catalogue, assignments: generateAssignments(directory, catalogue, seed) };
};

describe('generateCatalogue', () => {
  it('is deterministic per seed, with the default sizes, unique names and Home first', () => {
    const a = generateCatalogue({ seed: 5 });
    expect(generateCatalogue({ seed: 5 })).toEqual(a);
    expect(generateCatalogue({ seed: 6 }).skills[0]?.id).not.toBe(a.skills[0]?.id);
    expect([a.skills, a.languages, a.queues, a.roles, a.divisions].map((l) => l.length)).toEqual([40, 10, 20, 12, 5]);
    for (const list of [a.skills, a.languages, a.queues, a.roles, a.divisions]) {
      expect(new Set(list.map((e) => e.name.toLowerCase())).size).toBe(list.length);
      expect(new Set(list.map((e) => e.id)).size).toBe(list.length);
    }
    expect(a.divisions[0]).toMatchObject({ name: 'Home', homeDivision: true });
    expect(a.divisions.filter((d) => d.homeDivision)).toHaveLength(1);
    const divisionIds = new Set(a.divisions.map((d) => d.id));
    const usersIn = new Set(generateDirectory({ users: 200, seed: 5 }).map((u) => defined(u.division).id));
    expect(usersIn).toEqual(divisionIds);
  });

  it('sizes each kind on its own stream and numbers names past the built-in list', () => {
    const base = generateCatalogue({ seed: 5 });
    const bigger = generateCatalogue({ seed: 5, skills: 100, queues: 3 });
    expect(bigger.skills).toHaveLength(100);
    expect(bigger.skills.slice(0, 40)).toEqual(base.skills);
    expect(bigger.queues).toEqual(base.queues.slice(0, 3));
    expect(bigger.languages).toEqual(base.languages);
    expect(bigger.skills.map((s) => s.name)).toContain('Billing 2');
  });

  it('takes explicit entries, adds the divisions given users are in, and rejects bad entries', () => {
    const users: GenesysUser[] = [
      { id: 'u1', state: 'active', version: 1, division: { id: 'div-x', name: 'Division X' } },
    ];
    const catalogue = generateCatalogue({
      seed: 1,
      users,
      skills: [{ id: 's1', name: 'Billing' }],
      queues: [
        { id: 'q1', name: 'Support' },
        { id: 'q2', name: 'Sales', divisionId: 'div-x' },
      ],
      divisions: [{ id: 'div-y', name: 'Division Y' }],
    });
    expect(catalogue.skills).toEqual([{ id: 's1', name: 'Billing' }]);
    expect(catalogue.divisions.map((d) => d.name)).toEqual([
      'Home',
      'North America Contact Center',
      'EMEA Contact Center',
      'Back Office',
      'Partners',
      'Division X',
      'Division Y',
    ]);
    expect(catalogue.queues.map((q) => q.division.name)).toEqual(['Home', 'Division X']);
    expect(() =>
      generateCatalogue({
        seed: 1,
        skills: [
          { id: 'a', name: 'A' },
          { id: 'a', name: 'B' },
        ],
      }),
    ).toThrow(RangeError);
    expect(() =>
      generateCatalogue({
        seed: 1,
        roles: [
          { id: 'a', name: 'A' },
          { id: 'b', name: 'a' },
        ],
      }),
    ).toThrow(/twice/);
    expect(() => generateCatalogue({ seed: 1, queues: [{ id: 'q', name: 'Q', divisionId: 'nope' }] })).toThrow(
      /does not exist/,
    );
    expect(() => generateCatalogue({ seed: 1, skills: -1 })).toThrow(RangeError);
  });
});

describe('generated assignments', () => {
  it('are deterministic, and a shorter directory gets a prefix of a longer one', () => {
    const small = state(50, 3);
    const large = state(200, 3);
    expect(state(50, 3).assignments).toEqual(small.assignments);
    for (const user of small.directory) {
      expect(large.assignments.users.get(user.id)).toEqual(small.assignments.users.get(user.id));
      for (const [queueId, members] of small.assignments.queues) {
        expect(large.assignments.queues.get(queueId)?.has(user.id)).toBe(members.has(user.id));
      }
    }
  });

  it('give users skills, languages, a grant or two and 0-3 queues from the catalogue', () => {
    const { directory, catalogue, assignments } = state(500, 9);
    const skillIds = new Set(catalogue.skills.map((s) => s.id));
    const roleIds = new Set(catalogue.roles.map((r) => r.id));
    const divisionIds = new Set(catalogue.divisions.map((d) => d.id));
    const employee = defined(catalogue.roles.find((r) => r.name === 'Employee'));
    let skilled = 0;
    let bilingual = 0;
    const queueCounts = new Set<number>();
    for (const user of directory) {
      const routing = defined(assignments.users.get(user.id));
      if (routing.skills.size > 0) skilled++;
      if (routing.languages.size > 1) bilingual++;
      for (const [id, proficiency] of routing.skills) {
        expect(skillIds.has(id)).toBe(true);
        expect(proficiency).toBeGreaterThanOrEqual(0);
        expect(proficiency).toBeLessThanOrEqual(5);
      }
      expect(routing.grants.length).toBeGreaterThanOrEqual(1);
      expect(routing.grants.length).toBeLessThanOrEqual(3);
      expect(routing.grants[0]).toEqual({ roleId: employee.id, divisionId: defined(catalogue.divisions[0]).id });
      for (const g of routing.grants) {
        expect(roleIds.has(g.roleId)).toBe(true);
        expect(divisionIds.has(g.divisionId)).toBe(true);
      }
      const memberships = [...assignments.queues.values()].filter((m) => m.has(user.id)).length;
      expect(memberships).toBeLessThanOrEqual(3);
      queueCounts.add(memberships);
    }
    expect(skilled / directory.length).toBeGreaterThan(0.7);
    expect(bilingual).toBeGreaterThan(0);
    expect([...queueCounts].sort()).toEqual([0, 1, 2, 3]);
  });
});

describe('emulator options', () => {
  it('serve given users with no assignments but the given ones, checked against the catalogue', async () => {
    const users: GenesysUser[] = [
      { id: 'u1', name: 'Ada', state: 'active', version: 1 },
      { id: 'u2', name: 'Bo', state: 'active', version: 1 },
    ];
    const options = {
      users,
      skills: [
        { id: 's1', name: 'Billing' },
        { id: 's2', name: 'Sales' },
      ],
      languages: [{ id: 'l1', name: 'English' }],
      queues: [{ id: 'q1', name: 'Support' }],
      roles: [{ id: 'r1', name: 'Agent' }],
    };
    const emu = await emulator({
      ...options,
      assignments: {
        u2: {
          skills: [{ id: 's2', proficiency: 4 }],
          languages: [{ id: 'l1', proficiency: 5 }],
          queues: ['q1'],
          grants: [{ roleId: 'r1', divisionId: defined(generateCatalogue({ seed: 1 }).divisions[0]).id }],
        },
      },
    });
    expect(emu.userSkills('u1')).toEqual([]);
    expect(emu.grants('u1')).toEqual([]);
    expect(emu.userSkills('u2')).toEqual([{ id: 's2', name: 'Sales', proficiency: 4 }]);
    expect(emu.userLanguages('u2')).toEqual([{ id: 'l1', name: 'English', proficiency: 5 }]);
    expect(emu.queueMembers('q1')).toEqual(['u2']);
    expect(emu.userQueues('u2')).toEqual(['q1']);
    expect(emu.userSkills('nobody')).toBeUndefined();
    expect(emu.queueMembers('nowhere')).toBeUndefined();

    const bad: Record<string, UserAssignments>[] = [
      { nobody: { skills: [] } },
      { u1: { skills: [{ id: 'nope', proficiency: 1 }] } },
      { u1: { skills: [{ id: 's1', proficiency: 7 }] } },
      { u1: { queues: ['nope'] } },
      { u1: { grants: [{ roleId: 'r1', divisionId: 'nope' }] } },
    ];
    for (const assignments of bad) {
      expect(() => new EmulatorCore({ ...options, assignments })).toThrow(RangeError);
    }
    await expect(
      startEmulator({ ...options, assignments: { u1: { languages: [{ id: 'x', proficiency: 1 }] } } }),
    ).rejects.toThrow(RangeError);
  });

  it('override generated assignments field by field', async () => {
    const plain = new EmulatorCore({ users: 10, seed: 2 });
    const user = defined(plain.store.inDirectoryOrder()[4]);
    const before = plain.routing.get(user.id);
    const core = new EmulatorCore({ users: 10, seed: 2, assignments: { [user.id]: { skills: [] } } });
    expect(core.routing.get(user.id).skills.size).toBe(0);
    expect(core.routing.get(user.id).grants).toEqual(before.grants);
    expect(core.routing.get(user.id).languages).toEqual(before.languages);
  });
});
