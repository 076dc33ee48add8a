/** The groups run layer over real HTTP: the SDK adapter against the emulator, through a governor. */
import { describe, expect, it } from 'vitest';
import { createGovernor } from '../../src/governor/index.js';
import {
  GroupMemberships,
  GroupVersions,
  loadGroups,
  readGroupMembers,
  writeGroupMembers,
} from '../../src/run/groups.js';
import { emulator, loggedIn } from '../emulator/helpers.js';

const G1 = '22222222-0000-4000-8000-000000000001';
const G2 = '22222222-0000-4000-8000-000000000002';

async function setup() {
  const base = await emulator({ users: 8, seed: 4 });
  const ids = base.users().map((u) => u.id);
  await base.stop();
  const emu = await emulator({
    users: 8,
    seed: 4,
    groups: [
      { id: G1, name: 'Sales Team', members: [ids[0]!, ids[1]!], version: 4 },
      { id: G2, name: 'Billing Team', members: [] },
    ],
  });
  const port = await loggedIn(emu);
  const executor = createGovernor({ maxConcurrency: 4, initialRatePerSecond: 1000 });
  const cost = { catalogue: 0, groupMembers: 0 };
  return { emu, ids, port, executor, cost, deps: { port, executor, concurrency: 4, cost } };
}

describe('groups run layer', () => {
  it("reads the catalogue with versions and each named group's members once", async () => {
    const { deps, ids, cost } = await setup();
    const versions = new GroupVersions();
    const { entities } = await loadGroups(deps, versions);
    expect(entities.map((e) => e.name).sort()).toEqual(['Billing Team', 'Sales Team']);
    expect(versions.get(G1)).toBe(4);
    const members = await readGroupMembers(deps, [G1, G2, G1]);
    expect([...(members.get(G1) ?? [])].sort()).toEqual([ids[0]!, ids[1]!].map((i) => i.toLowerCase()).sort());
    expect(members.get(G2)?.size).toBe(0);
    expect(cost).toEqual({ catalogue: 1, groupMembers: 2 });
  });

  it('adds with the known version in one call, and removes many ids in one call', async () => {
    const { deps, ids, emu, port, executor } = await setup();
    const versions = new GroupVersions();
    await loadGroups(deps, versions);
    const before = emu.stats().requests;
    const add = await writeGroupMembers(
      { port, executor, versions },
      { groupId: G2, userIds: [ids[2]!, ids[3]!, ids[4]!], remove: false },
    );
    expect(add.outcome.ok).toBe(true);
    expect(add.conflicts).toEqual([]);
    const remove = await writeGroupMembers(
      { port, executor, versions },
      { groupId: G1, userIds: [ids[0]!, ids[1]!], remove: true },
    );
    expect(remove.outcome.ok).toBe(true);
    expect(emu.stats().requests - before).toBe(2);
    expect(
      emu
        .groups()
        .find((g) => g.id === G2)
        ?.members.sort(),
    ).toEqual([ids[2]!, ids[3]!, ids[4]!].sort());
    expect(emu.groups().find((g) => g.id === G1)?.members).toEqual([]);
  });

  it('on a 409 (another admin added a member after the read) re-reads the group and re-applies: nobody is lost', async () => {
    const { deps, ids, emu, port, executor } = await setup();
    const versions = new GroupVersions();
    await loadGroups(deps, versions);
    emu.beforeNextGroupWrite(G1, { addMember: ids[7]! });
    const r = await writeGroupMembers({ port, executor, versions }, { groupId: G1, userIds: [ids[5]!], remove: false });
    expect(r.outcome.ok).toBe(true);
    expect(r.conflicts).toEqual([{ groupId: G1, sent: 4, found: 5 }]);
    expect(
      emu
        .groups()
        .find((g) => g.id === G1)
        ?.members.sort(),
    ).toEqual([ids[0]!, ids[1]!, ids[5]!, ids[7]!].sort());
    // The version after the write is known, so the next write needs no read.
    const before = emu.stats().requests;
    expect(
      (await writeGroupMembers({ port, executor, versions }, { groupId: G1, userIds: [ids[6]!], remove: false }))
        .outcome.ok,
    ).toBe(true);
    expect(emu.stats().requests - before).toBe(1);
  });

  it('a 400 for an unknown id is no batch limit: the write fails, and later writes are still sent whole', async () => {
    const { deps, ids, emu, port, executor } = await setup();
    const versions = new GroupVersions();
    await loadGroups(deps, versions);
    const bad = await writeGroupMembers(
      { port, executor, versions },
      { groupId: G2, userIds: [ids[2]!, ids[3]!, 'no-such-user'], remove: false },
    );
    expect(bad.outcome).toMatchObject({ ok: false, kind: 'invalid', status: 400 });
    // Sent in halves to tell a batch limit from a bad id: the half without it was written, and only the bad id failed.
    expect(bad.failedIds).toEqual(['no-such-user']);
    expect(emu.userGroups(ids[2]!)).toEqual([G2]);
    expect(emu.userGroups(ids[3]!)).toEqual([G2]);
    expect(versions.membersPerCall).toBe(Number.POSITIVE_INFINITY);
    const before = emu.stats().requests;
    const good = await writeGroupMembers(
      { port, executor, versions },
      { groupId: G2, userIds: [ids[4]!, ids[5]!, ids[6]!], remove: false },
    );
    expect(good.outcome.ok).toBe(true);
    expect(emu.stats().requests - before).toBe(1);
  });

  it('a write that fails in its first part writes nothing, and says so by failing every id', async () => {
    const { deps, ids, emu, port, executor } = await setup();
    const versions = new GroupVersions();
    await loadGroups(deps, versions);
    const bad = await writeGroupMembers(
      { port, executor, versions },
      { groupId: G2, userIds: ['no-such-user', ids[2]!, ids[3]!], remove: false },
    );
    expect(bad.outcome.ok).toBe(false);
    expect(bad.failedIds).toBeUndefined();
    expect(emu.userGroups(ids[2]!)).toEqual([]);
    expect(emu.userGroups(ids[3]!)).toEqual([]);
  });

  it('reads the version first when it knows none (a resumed run), and gives up on a group that is gone', async () => {
    const { ids, emu, port, executor } = await setup();
    const versions = new GroupVersions();
    const r = await writeGroupMembers({ port, executor, versions }, { groupId: G1, userIds: [ids[3]!], remove: false });
    expect(r.outcome.ok).toBe(true);
    expect(emu.userGroups(ids[3]!)).toEqual([G1]);
    const gone = await writeGroupMembers(
      { port, executor, versions },
      { groupId: '22222222-0000-4000-8000-00000000dead', userIds: [ids[3]!], remove: false },
    );
    expect(gone.outcome.ok).toBe(false);
  });
});

describe('GroupMemberships', () => {
  it("reads each group once, whether named or needed for a user's exact list", async () => {
    const { deps, ids, cost } = await setup();
    const memberships = new GroupMemberships(deps, [G1, G2]);
    expect([...((await memberships.of([G1])).get(G1) ?? [])].length).toBe(2);
    expect(await memberships.groupsOf(ids[0]!.toUpperCase())).toEqual(new Set([G1]));
    expect(await memberships.groupsOf(ids[5]!)).toEqual(new Set());
    expect(cost.groupMembers).toBe(2);
  });
});
