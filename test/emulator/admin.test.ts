/** The /__emulator endpoints, the in-process API and option validation. */
import { describe, expect, it } from 'vitest';
import { type EmulatorStats, startEmulator } from '../../src/emulator/index.js';
import { unexpanded } from '../../src/emulator/profile.js';
import type { GenesysUser } from '../../src/genesys/types.js';
import { defined, emulator, loggedIn } from './helpers.js';

const json = async (url: string, init?: RequestInit) => {
  const res = await fetch(url, init);
  // biome-ignore lint/suspicious/noExplicitAny: a test reads fields of whatever came back
  const body: any = res.status === 204 ? undefined : await res.json();
  return { status: res.status, body };
};

describe('/__emulator endpoints', () => {
  it('reports stats by route and status, without counting its own requests', async () => {
    const emu = await emulator({ users: 10, limit: 4 });
    const before = (await json(`${emu.url}/__emulator/stats`)).body as EmulatorStats;
    expect(before).toMatchObject({ requests: 0, firstRequestAt: null, lastRequestAt: null, maxInFlight: 0 });

    const client = await loggedIn(emu);
    const [a] = emu.users();
    await client.getUser(defined(a).id);
    await client.getUser('nobody');
    await client.patchUser(defined(a).id, { version: 1, title: 'T' });
    await client.listUsers({ pageNumber: 1, pageSize: 5 });
    await client.listUsers({ pageNumber: 1, pageSize: 5 });

    const stats = (await json(`${emu.url}/__emulator/stats`)).body as EmulatorStats;
    expect(stats).toMatchObject({
      requests: 6,
      byRoute: {
        'POST /oauth/token': { '200': 1 },
        'GET /api/v2/users/{userId}': { '200': 1, '404': 1 },
        'PATCH /api/v2/users/{userId}': { '200': 1 },
        'GET /api/v2/users': { '200': 1, '429': 1 },
      },
      byStatus: { '200': 4, '404': 1, '429': 1 },
      rateLimited: 1,
      tokensIssued: 1,
      patchesApplied: 1,
      patchesByUser: { [defined(a).id]: 1 },
      concurrentEdits: [],
      inFlight: 0,
      maxInFlight: 1,
    });
    expect(Date.parse(defined(stats.firstRequestAt))).toBeLessThanOrEqual(Date.parse(defined(stats.lastRequestAt)));
    expect(emu.stats()).toEqual(stats);
    const { patchesByUser: _p, concurrentEdits: _c, ...counts } = stats;
    expect(emu.counters()).toEqual(counts);
    expect(emu.counters()).not.toHaveProperty('patchesByUser');
  });

  it('serves the directory, and resets it and the stats while tokens stay valid', async () => {
    const emu = await emulator({ users: 25, seed: 12, limit: 3, windowSeconds: 60 });
    const initial = emu.users();
    expect((await json(`${emu.url}/__emulator/users`)).body).toEqual(initial);

    const client = await loggedIn(emu);
    const id = defined(initial[3]).id;
    await client.patchUser(id, { version: 1, name: 'Zed Changed' });
    await client.getUser(id);
    await client.getUser(id);
    expect((await client.getUser(id)).status).toBe(429);
    expect(emu.user(id)).toMatchObject({ name: 'Zed Changed', version: 2 });

    expect((await json(`${emu.url}/__emulator/reset`, { method: 'POST' })).status).toBe(204);
    expect(emu.users()).toEqual(initial);
    expect(emu.stats()).toMatchObject({ requests: 0, patchesApplied: 0, byRoute: {} });
    // Fresh rate-limit windows, same token.
    expect(await client.getUser(id)).toMatchObject({
      ok: true,
      body: unexpanded(defined(initial[3])),
      rateLimit: { count: 1 },
    });

    emu.reset();
    expect(emu.stats().requests).toBe(0);
  });

  it('validates configuration changes', async () => {
    const emu = await emulator({ users: 1 });
    const post = (body: unknown) =>
      json(`${emu.url}/__emulator/config`, { method: 'POST', body: JSON.stringify(body) });
    expect(await post({ limit: 0 })).toMatchObject({ status: 400, body: { code: 'bad.request' } });
    expect((await post({ limit: 0 })).body.message).toContain('limit');
    expect((await post({ error502Rate: 0.7, error503Rate: 0.6 })).body.message).toBe(
      'error502Rate + error503Rate must not exceed 1',
    );
    expect((await post({ algorithm: 'leaky' })).status).toBe(400);
    expect((await post({ latencyMs: [50, 10] })).status).toBe(400);
    expect((await post({ bogus: 1 })).status).toBe(400);
    const ok = await post({ latencyMs: [1, 2], concurrentEditRate: 0.5, concurrentEditFields: ['department'] });
    expect(ok).toMatchObject({ status: 200, body: { latencyMs: [1, 2], concurrentEditRate: 0.5, limit: 300 } });
    expect((await json(`${emu.url}/__emulator/config`)).body).toEqual(ok.body);

    expect(() => emu.setFaults({ error502Rate: 2 })).toThrow(RangeError);
    expect(() => emu.setFaults({ limit: 5 } as never)).toThrow(/not a fault option: limit/);
    expect(() => emu.setLimit(0)).toThrow(RangeError);
  });
});

describe('startEmulator', () => {
  it('serves an explicit directory, copied so the caller cannot change it', async () => {
    const users: GenesysUser[] = [
      { id: 'a', name: 'Alpha', email: 'a@example.com', state: 'active', version: 3 },
      { id: 'b', name: 'Beta', email: 'b@example.com', state: 'inactive', version: 1 },
    ];
    const emu = await emulator({ users });
    (users[0] as GenesysUser).name = 'Mutated';
    expect(emu.user('a')).toMatchObject({ name: 'Alpha', version: 3 });
    const copy = defined(emu.user('a'));
    copy.name = 'Also mutated';
    expect(emu.user('a')?.name).toBe('Alpha');
    expect(emu.user('zzz')).toBeUndefined();
  });

  it('uses the given credentials and port, or defaults', async () => {
    const emu = await emulator({ users: 1, clientId: 'my-id', clientSecret: 'my-secret' });
    expect(emu).toMatchObject({ clientId: 'my-id', clientSecret: 'my-secret' });
    expect(emu.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const again = await emulator({ users: 1 });
    expect(again.clientId).toBe('emulator-client');
    expect(again.clientSecret.length).toBeGreaterThanOrEqual(24);
    expect(again.port).not.toBe(emu.port);
  });

  it('rejects bad options', async () => {
    await expect(startEmulator({ limit: -1 })).rejects.toThrow(RangeError);
    await expect(startEmulator({ port: 70_000 })).rejects.toThrow(/port/);
    await expect(
      startEmulator({
        users: [
          { id: 'x', state: 'active', version: 1 },
          { id: 'x', state: 'active', version: 1 },
        ],
      }),
    ).rejects.toThrow(/duplicate user id/);
    await expect(startEmulator({ bogus: true } as never)).rejects.toThrow(/Unrecognized key/);
  });

  it('stops promptly with a request in flight', async () => {
    const emu = await startEmulator({ users: 2, latencyMs: [5_000, 5_000] });
    const client = await loggedIn(emu);
    const pending = client.getUser(defined(emu.users()[0]).id);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = performance.now();
    await emu.stop();
    await emu.stop();
    // The request in flight would take 5 s; stopping must not wait for it.
    expect(performance.now() - started).toBeLessThan(4_000);
    expect(await pending).toMatchObject({ ok: false, kind: 'network' });
  });
});
