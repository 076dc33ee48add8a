/** Groups endpoints, driven through the SDK via the adapter: list, members, versions, and what groups carry. */
import { describe, expect, it } from 'vitest';
import type { ApiOutcome } from '../../src/genesys/types.js';
import { emulator, loggedIn, token } from './helpers.js';

function ok<T>(outcome: ApiOutcome<T>): T {
  if (!outcome.ok) throw new Error(`expected success, got ${outcome.status}: ${outcome.message}`);
  return outcome.body;
}

const G1 = '11111111-0000-4000-8000-000000000001';
const G2 = '11111111-0000-4000-8000-000000000002';

async function withGroups() {
  const base = await emulator({ users: 6, seed: 3 });
  const users = base.users();
  const catalogue = base.catalogue();
  await base.stop();
  const [a, b, c] = users;
  const queue = catalogue.queues[0]!;
  const role = catalogue.roles[1]!;
  const home = catalogue.divisions[0]!;
  const emu = await emulator({
    users: 6,
    seed: 3,
    groups: [
      {
        id: G1,
        name: 'Sales Team',
        members: [a!.id, b!.id],
        queues: [queue.id],
        grants: [{ roleId: role.id, divisionId: home.id }],
      },
      { id: G2, name: 'Billing Team', members: [] },
    ],
  });
  return { emu, client: await loggedIn(emu), a: a!, b: b!, c: c!, queue, role, home };
}

describe('groups', () => {
  it('lists groups a page at a time with their version, and reads one group and its members', async () => {
    const { client, a, b } = await withGroups();
    const page = ok(await client.listGroups({ pageNumber: 1, pageSize: 1 }));
    expect(page).toMatchObject({ total: 2, pageCount: 2 });
    expect(page.entities[0]).toMatchObject({ id: G2, name: 'Billing Team', version: 1 });
    const second = ok(await client.listGroups({ pageNumber: 2, pageSize: 1 }));
    expect(second.entities[0]).toMatchObject({ id: G1, memberCount: 2 });
    expect(ok(await client.getGroup(G1))).toMatchObject({ id: G1, version: 1 });
    const members = ok(await client.getGroupMembers(G1, { pageNumber: 1, pageSize: 100 }));
    expect(members.entities.map((m) => m.id).sort()).toEqual([a.id, b.id].sort());
    expect(ok(await client.getUserGroups(a.id)).entities).toEqual([{ id: G1 }]);
    const missing = await client.getGroup('nope');
    expect(missing.ok ? 0 : missing.status).toBe(404);
  });

  it('adds members with the current version (which then goes up), refuses a stale one with 409, removes by ids', async () => {
    const { emu, client, c, a } = await withGroups();
    expect((await client.addGroupMembers(G1, [c.id], 1)).ok).toBe(true);
    expect(emu.userGroups(c.id)).toEqual([G1]);
    expect(ok(await client.getGroup(G1)).version).toBe(2);
    const stale = await client.addGroupMembers(G1, [a.id], 1);
    expect(stale.ok).toBe(false);
    if (!stale.ok) expect([stale.status, stale.kind]).toEqual([409, 'conflict']);
    expect((await client.removeGroupMembers(G1, [a.id, c.id])).ok).toBe(true);
    expect(emu.groups().find((g) => g.id === G1)).toMatchObject({ version: 3, members: [expect.any(String)] });
    const tooMany = await client.addGroupMembers(
      G2,
      Array.from({ length: 51 }, () => a.id),
      1,
    );
    expect(tooMany.ok).toBe(false);
  });

  it('runs "another admin" once before the next write: the write then meets a newer version', async () => {
    const { emu, client, c, a } = await withGroups();
    emu.beforeNextGroupWrite(G2, { addMember: a.id });
    const first = await client.addGroupMembers(G2, [c.id], 1);
    expect(first.ok ? 0 : first.status).toBe(409);
    expect(emu.userGroups(a.id)).toContain(G2);
    expect((await client.addGroupMembers(G2, [c.id], ok(await client.getGroup(G2)).version)).ok).toBe(true);
    expect(
      emu
        .groups()
        .find((g) => g.id === G2)
        ?.members.sort(),
    ).toEqual([a.id, c.id].sort());
  });

  it('gives a group queue and its grants to its members: memberBy group, and grants whose subject is the group', async () => {
    const { emu, client, a, c, queue, role } = await withGroups();
    const members = ok(await client.getQueueMembers(queue.id, { pageNumber: 1, pageSize: 100 }));
    const ofA = members.entities.find((m) => m.id === a.id);
    expect(ofA?.memberBy).toBe('group');
    const subject = ok(await client.getSubject(a.id));
    expect(subject.grants.filter((g) => g.role.id === role.id)).toEqual([expect.objectContaining({ subjectId: G1 })]);
    expect(ok(await client.getSubject(c.id)).grants.every((g) => g.subjectId === c.id)).toBe(true);
    // Removing a group member from the queue in person leaves the group's membership.
    expect((await client.postQueueMembers(queue.id, [a.id], { remove: true })).ok).toBe(true);
    const after = ok(await client.getQueueMembers(queue.id, { pageNumber: 1, pageSize: 100 }));
    expect(after.entities.find((m) => m.id === a.id)?.memberBy).toBe('group');
    // A personal membership on top is listed as the user's.
    expect((await client.postQueueMembers(queue.id, [a.id], { remove: false })).ok).toBe(true);
    const both = ok(await client.getQueueMembers(queue.id, { pageNumber: 1, pageSize: 100 }));
    expect(both.entities.filter((m) => m.id === a.id).map((m) => m.memberBy)).toEqual(['user']);
    expect(emu.userQueues(a.id)).toEqual([queue.id]);
  });

  it('searches groups by name and generates groups for a generated directory, hostile names included', async () => {
    const { emu } = await withGroups();
    const res = await fetch(`${emu.url}/api/v2/groups/search`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await token(emu)}`, 'content-type': 'application/json' },
      body: JSON.stringify({ query: [{ type: 'CONTAINS', fields: ['name'], value: 'sales' }] }),
    });
    expect(((await res.json()) as { results: { id: string }[] }).results.map((g) => g.id)).toEqual([G1]);
    const generated = await emulator({ users: 200, seed: 5 });
    expect(generated.groups()).toHaveLength(8);
    expect(generated.groups().reduce((n, g) => n + g.members.length, 0)).toBeGreaterThan(50);
    const hostile = await emulator({ users: 5, seed: 5, hostileNames: true });
    const hostileChars = ['\u001b', '\u009b', '\u007f', '\u202e'];
    expect(hostile.groups().every((g) => hostileChars.some((ch) => g.name.includes(ch)))).toBe(true);
  });
});
