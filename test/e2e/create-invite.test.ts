/**
 * Whether creating a user sends its invitation by itself is unconfirmed. `--invite` sends it without `force`, which
 * the SDK documents as not resending one already outstanding: each new user gets one invitation email either way.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { csv, writeInput } from './helpers.js';
import { type RoutingOrg, routingOrg } from './routing-helpers.js';

let org: RoutingOrg | undefined;
afterEach(async () => {
  await org?.box.close();
  org = undefined;
});

const hires = [0, 1, 2].map((i) => [`invited${i}@newco.example`, `Invited ${i}`]);

describe('--create --invite whether or not creating a user invites it', () => {
  it.each([false, true])('creation invites: %s; one invitation email per new user', async (inviteOnCreate) => {
    org = await routingOrg({ users: 20, inviteOnCreate });
    const { box, emu } = org;
    const file = await writeInput(box, 'hires.csv', csv([['email', 'name'], ...hires]));
    const r = await box.cli(['update', file, '--create', '--invite', '--yes', '--no-progress']);
    expect(r.code, r.stderr).toBe(0);
    const created = hires.map(([email]) => emu.users().find((u) => u.email === email)!.id);
    expect(emu.invitationEmails()).toEqual(Object.fromEntries(created.map((id) => [id, 1])));
    expect(emu.invites()).toEqual(Object.fromEntries(created.map((id) => [id, 1])));
  });
});
