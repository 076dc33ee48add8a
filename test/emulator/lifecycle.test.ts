import { describe, expect, it } from 'vitest';
import type { GenesysUser } from '../../src/genesys/types.js';
import { defined, emulator, loggedIn, token } from './helpers.js';

const HOME = (emu: Awaited<ReturnType<typeof emulator>>) => defined(emu.catalogue().divisions[0]).id;

describe('emulator: create, delete and invite users, through the SDK', () => {
  it('creates a user with the CreateUser fields, version 1, findable by id and by search', async () => {
    const emu = await emulator({ users: 5 });
    const client = await loggedIn(emu);
    const created = await client.createUser({
      name: 'Nia New',
      email: 'nia.new@example.com',
      divisionId: HOME(emu),
      title: 'Agent',
      department: 'Support',
      addresses: [{ address: '+13175550100', mediaType: 'PHONE', type: 'WORK' }],
    });
    expect(created.ok).toBe(true);
    const user = (created as { body: GenesysUser }).body;
    expect(user).toMatchObject({ name: 'Nia New', email: 'nia.new@example.com', version: 1, state: 'active' });
    expect(user.division?.id).toBe(HOME(emu));
    expect(user.addresses).toEqual([
      { address: '+13175550100', display: '+13175550100', mediaType: 'PHONE', type: 'WORK' },
    ]);
    expect(emu.user(user.id)?.title).toBe('Agent');
    expect(emu.users().map((u) => u.id)).toContain(user.id);
    const found = await client.searchUsers({
      query: [{ type: 'EXACT', fields: ['email'], values: ['nia.new@example.com'] }],
    });
    expect(found.ok && found.body.results.map((u) => u.id)).toEqual([user.id]);
  });

  it('refuses a body without name, email or division (400) and a taken email (409, or 400 when so configured)', async () => {
    const emu = await emulator({ users: 5 });
    const client = await loggedIn(emu);
    const taken = defined(emu.users()[0]?.email);
    for (const body of [
      { email: 'a@example.com', divisionId: HOME(emu) },
      { name: 'A', divisionId: HOME(emu) },
      { name: 'A', email: 'a@example.com' },
      { name: 'A', email: 'a@example.com', divisionId: 'no-such-division' },
      { name: 'A', email: 'not an email', divisionId: HOME(emu) },
    ]) {
      const r = await client.createUser(body as never);
      expect(r.ok ? 'ok' : r.status).toBe(400);
    }
    const dup = await client.createUser({ name: 'A', email: taken.toUpperCase(), divisionId: HOME(emu) });
    expect(dup.ok ? 'ok' : [dup.status, dup.kind]).toEqual([409, 'conflict']);
    emu.setFaults({});
    const emu400 = await emulator({ users: 5, duplicateEmailStatus: 400 });
    const c400 = await loggedIn(emu400);
    const dup400 = await c400.createUser({
      name: 'A',
      email: defined(emu400.users()[0]?.email),
      divisionId: HOME(emu400),
    });
    expect(dup400.ok ? 'ok' : dup400.status).toBe(400);
    expect(emu.users()).toHaveLength(5);
  });

  it('deletes a user (deleted state, email free again) and counts invitations', async () => {
    const emu = await emulator({ users: 3 });
    const client = await loggedIn(emu);
    const created = await client.createUser({ name: 'Del Me', email: 'del.me@example.com', divisionId: HOME(emu) });
    const id = created.ok ? created.body.id : '';
    expect((await client.inviteUser(id)).ok).toBe(true);
    expect(emu.invites()).toEqual({ [id]: 1 });
    expect((await client.deleteUser(id)).ok).toBe(true);
    expect(emu.user(id)?.state).toBe('deleted');
    const again = await client.deleteUser(id);
    expect(again.ok ? 'ok' : again.status).toBe(404);
    const invite = await client.inviteUser(id);
    expect(invite.ok ? 'ok' : invite.status).toBe(404);
    const get = await client.getUser(id);
    expect(get.ok ? 'ok' : get.status).toBe(404);
    const recreated = await client.createUser({ name: 'Del Me', email: 'del.me@example.com', divisionId: HOME(emu) });
    expect(recreated.ok).toBe(true);
  });

  it('dropAfterCreateRate: the user exists though the client got no answer', async () => {
    const emu = await emulator({ users: 3, dropAfterCreateRate: 1 });
    const client = await loggedIn(emu);
    const r = await client.createUser({ name: 'Lost Answer', email: 'lost@example.com', divisionId: HOME(emu) });
    expect(r.ok ? 'ok' : r.kind).toBe('network');
    expect(emu.users().filter((u) => u.email === 'lost@example.com')).toHaveLength(1);
    expect(emu.stats().faults.droppedAfterWrite).toBe(1);
  });

  it('refuses an unknown field of the body, as the platform does', async () => {
    const emu = await emulator({ users: 1 });
    const res = await fetch(`${emu.url}/api/v2/users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await token(emu)}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'A', email: 'a@example.com', divisionId: HOME(emu), manager: 'x' }),
    });
    expect(res.status).toBe(400);
  });
});
