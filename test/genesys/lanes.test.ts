/** Several tokens behind one SDK client (issue #12): each lane's calls carry that lane's token, over real HTTP. */
import { describe, expect, it } from 'vitest';
import { clientFor, defined, emulator } from '../emulator/helpers.js';

describe('token lanes in the SDK adapter', () => {
  it('sends each call with the token of the lane it runs on; a lane logs in without touching the others', async () => {
    const emu = await emulator({ users: 3 });
    const client = clientFor(emu);
    const id = defined(emu.users()[0]).id;
    for (const lane of [0, 1, 2]) expect((await client.authenticate({ lane })).ok).toBe(true);
    await client.getUser(id); // lane 0 outside any lane
    await client.onLane(1, async () => {
      await client.getUser(id);
      await client.getUser(id);
    });
    await client.onLane(2, () => client.getUser(id));
    expect(emu.stats().byToken).toEqual({
      '1': { requests: 1, rateLimited: 0, orgRateLimited: 0 },
      '2': { requests: 2, rateLimited: 0, orgRateLimited: 0 },
      '3': { requests: 1, rateLimited: 0, orgRateLimited: 0 },
    });
    // Lane 1 renews: its calls move to token 4, lane 0 and 2 keep theirs.
    const before = client.tokenExpiresAt(0);
    expect((await client.authenticate({ lane: 1 })).ok).toBe(true);
    await Promise.all([client.onLane(1, () => client.getUser(id)), client.onLane(0, () => client.getUser(id))]);
    expect(emu.stats().byToken['4']).toMatchObject({ requests: 1 });
    expect(emu.stats().byToken['1']).toMatchObject({ requests: 2 });
    expect(client.tokenExpiresAt(0)).toBe(before);
    expect(client.tokenExpiresAt(1)).toBeGreaterThanOrEqual(defined(before));
    expect(client.tokenExpiresAt(5)).toBeUndefined();
  });

  it('keeps the lane across awaits and concurrent calls on other lanes', async () => {
    const emu = await emulator({ users: 3, latencyMs: [5, 20] });
    const client = clientFor(emu);
    const id = defined(emu.users()[0]).id;
    for (const lane of [0, 1]) expect((await client.authenticate({ lane })).ok).toBe(true);
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        client.onLane(i % 2, async () => {
          await new Promise((r) => setTimeout(r, i));
          return client.getUser(id);
        }),
      ),
    );
    expect(emu.stats().byToken).toMatchObject({ '1': { requests: 10 }, '2': { requests: 10 } });
  });

  it('a lane whose token expired gets 401 while the others go on', async () => {
    let now = 0;
    const emu = await emulator({ users: 2, tokenLifetimeSeconds: 100, clock: () => now });
    const client = clientFor(emu);
    const id = defined(emu.users()[0]).id;
    expect((await client.authenticate({ lane: 0 })).ok).toBe(true);
    now = 50_000;
    expect((await client.authenticate({ lane: 1 })).ok).toBe(true);
    now = 120_000;
    expect(await client.onLane(0, () => client.getUser(id))).toMatchObject({ ok: false, kind: 'auth', status: 401 });
    expect(await client.onLane(1, () => client.getUser(id))).toMatchObject({ ok: true });
  });
});
