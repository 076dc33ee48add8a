/** Latency and faults, through the SDK adapter. Rates are checked against a 3-sigma binomial tolerance. */
import { describe, expect, it } from 'vitest';
import type { GenesysClient } from '../../src/genesys/api.js';
import type { ApiOutcome } from '../../src/genesys/types.js';
import { clientFor, defined, emulator, loggedIn, token } from './helpers.js';

/** Asserts `hits` of `n` trials is within 3 standard deviations of `n * p`. */
function expectRate(hits: number, n: number, p: number): void {
  const sigma = Math.sqrt(n * p * (1 - p));
  expect(Math.abs(hits - n * p), `${hits} of ${n} at p=${p}`).toBeLessThanOrEqual(3 * sigma);
}

async function sequential<T>(n: number, call: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < n; i++) out.push(await call(i));
  return out;
}

describe('faults', () => {
  it('answers a share of requests 502 (an HTML gateway page) and 503 (some with Retry-After)', async () => {
    const n = 400;
    const emu = await emulator({
      users: 10,
      limit: 100_000,
      error502Rate: 0.1,
      error503Rate: 0.15,
      error503RetryAfterRate: 0.5,
      error503RetryAfterSeconds: [1, 2],
    });
    const client = await loggedIn(emu);
    const id = defined(emu.users()[0]).id;
    const outcomes = await sequential(n, () => client.getUser(id));
    const with502 = outcomes.filter((o) => o.status === 502);
    const with503 = outcomes.filter((o) => o.status === 503);
    expectRate(with502.length, n, 0.1);
    expectRate(with503.length, n, 0.15);
    for (const o of [...with502, ...with503]) expect(o).toMatchObject({ ok: false, kind: 'server' });
    const retryAfters = with503.filter((o) => o.retryAfterSeconds !== undefined);
    expectRate(retryAfters.length, with503.length, 0.5);
    for (const o of retryAfters) expect([1, 2]).toContain(o.retryAfterSeconds);
    expect(outcomes.filter((o) => o.ok)).toHaveLength(n - with502.length - with503.length);

    const stats = emu.stats();
    expect(stats.faults).toMatchObject({
      error502: with502.length,
      error503: with503.length,
      error503WithRetryAfter: retryAfters.length,
    });
    // Faulted requests still count against the rate limit.
    expect(outcomes.at(-1)?.rateLimit.count).toBe(n);
  });

  it('leaves the token endpoint alone unless tokenFaults is set', async () => {
    const emu = await emulator({ users: 2, error502Rate: 1 });
    const client = clientFor(emu);
    expect((await client.authenticate()).ok).toBe(true);
    const id = defined(emu.users()[0]).id;
    expect(await client.getUser(id)).toMatchObject({ status: 502, kind: 'server' });
    const res = await fetch(`${emu.url}/api/v2/users/${id}`, {
      headers: { authorization: `Bearer ${await token(emu)}` },
    });
    expect(res.status).toBe(502);
    expect(res.headers.get('content-type')).toBe('text/html');
    expect(await res.text()).toContain('<title>502 Bad Gateway</title>');
    emu.setFaults({ tokenFaults: true });
    expect(await client.authenticate()).toMatchObject({ ok: false, status: 502 });
    emu.setFaults({ error502Rate: 0 });
    expect((await client.authenticate()).ok).toBe(true);
  });

  it('drops the connection after applying a share of PATCHes', async () => {
    const n = 300;
    const emu = await emulator({ users: 20, limit: 100_000, dropAfterWriteRate: 0.2 });
    const client = await loggedIn(emu);
    const users = emu.users();
    const outcomes = await sequential(n, (i) => {
      const id = defined(users[i % users.length]).id;
      return client.patchUser(id, { version: defined(emu.user(id)).version, department: `D${i}` });
    });
    const dropped = outcomes.filter((o) => !o.ok && o.kind === 'network');
    expectRate(dropped.length, n, 0.2);
    expect(outcomes.filter((o) => o.ok)).toHaveLength(n - dropped.length);
    // Every PATCH was applied, answered or not.
    for (const [i, u] of users.entries()) {
      expect(emu.user(u.id)?.version).toBe(1 + n / users.length);
      expect(emu.user(u.id)?.department).toBe(`D${n - users.length + i}`);
    }
    expect(emu.stats()).toMatchObject({
      patchesApplied: n,
      faults: { droppedAfterWrite: dropped.length },
    });
    expect(emu.stats().byRoute['PATCH /api/v2/users/{userId}']).toEqual({
      '200': n - dropped.length,
      dropped: dropped.length,
    });
  });

  it('answers a share of applied writes 504 (a gateway timeout): the write stands', async () => {
    const n = 200;
    const emu = await emulator({ users: 20, limit: 100_000, timeoutAfterWriteRate: 0.25 });
    const client = await loggedIn(emu);
    const users = emu.users();
    const outcomes = await sequential(n, (i) => {
      const id = defined(users[i % users.length]).id;
      return client.patchUser(id, { version: defined(emu.user(id)).version, department: `D${i}` });
    });
    const timedOut = outcomes.filter((o) => !o.ok && o.status === 504);
    expectRate(timedOut.length, n, 0.25);
    expect(timedOut.every((o) => !o.ok && o.kind === 'server')).toBe(true);
    for (const u of users) expect(emu.user(u.id)?.version).toBe(1 + n / users.length);
    expect(emu.stats()).toMatchObject({ patchesApplied: n, faults: { timeoutAfterWrite: timedOut.length } });
    expect(emu.stats().byRoute['PATCH /api/v2/users/{userId}']).toEqual({
      '200': n - timedOut.length,
      '504': timedOut.length,
    });
    // A refused write is not one: it is answered as it was.
    emu.setFaults({ timeoutAfterWriteRate: 1 });
    const stale = await client.patchUser(defined(users[0]).id, { version: 1, department: 'x' });
    expect(stale).toMatchObject({ ok: false, status: 409 });
  });

  it('has "another admin" edit a share of users just before their PATCH, and records it', async () => {
    const n = 300;
    const emu = await emulator({
      users: 30,
      limit: 100_000,
      concurrentEditRate: 0.25,
      concurrentEditFields: ['title', 'addresses'],
    });
    const client = await loggedIn(emu);
    const users = emu.users();
    const outcomes: ApiOutcome<unknown>[] = await sequential(n, (i) => {
      const id = defined(users[i % users.length]).id;
      return client.patchUser(id, { version: defined(emu.user(id)).version, department: `D${i}` });
    });
    const conflicts = outcomes.filter((o) => o.status === 409);
    expectRate(conflicts.length, n, 0.25);
    expect(outcomes.filter((o) => o.ok)).toHaveLength(n - conflicts.length);

    const { concurrentEdits, patchesApplied } = emu.stats();
    expect(concurrentEdits).toHaveLength(conflicts.length);
    expect(patchesApplied).toBe(n - conflicts.length);
    expect(new Set(concurrentEdits.map((e) => e.field))).toEqual(new Set(['title', 'addresses']));
    // The last edit of each field survives: the client's PATCHes touch only department.
    const last = new Map(concurrentEdits.map((e) => [`${e.userId}/${e.field}`, e]));
    for (const edit of last.values()) {
      const user = defined(emu.user(edit.userId));
      if (edit.field === 'title') expect(user.title).toBe(edit.value);
      else expect(user.addresses).toContainEqual(edit.value);
    }
    for (const edit of concurrentEdits) {
      if (edit.field === 'title') expect(edit.value).toMatch(/^Concurrent edit #\d+$/);
    }
  });

  it('adds seeded latency to /api requests', async () => {
    const emu = await emulator({ users: 2, latencyMs: [40, 60] });
    const client = await loggedIn(emu);
    const id = defined(emu.users()[0]).id;
    const outcomes = await sequential(10, () => client.getUser(id));
    for (const o of outcomes) {
      expect(o.ok).toBe(true);
      expect(o.latencyMs).toBeGreaterThanOrEqual(39);
    }
    const parallel = await Promise.all(Array.from({ length: 8 }, () => client.getUser(id)));
    expect(parallel.every((o) => o.ok)).toBe(true);
    // Eight requests of 40-60 ms each are handled concurrently, not one after another.
    const stats = emu.stats();
    expect(stats.maxInFlight).toBeGreaterThanOrEqual(4);
    expect(stats.maxInFlight).toBeLessThanOrEqual(8);
    expect(stats.inFlight).toBe(0);
  });

  it('gives the same fault sequence for the same seed', async () => {
    const run = async () => {
      const emu = await emulator({ users: 3, seed: 5, limit: 10_000, error503Rate: 0.3 });
      const client: GenesysClient = await loggedIn(emu);
      const id = defined(emu.users()[0]).id;
      const statuses = (await sequential(40, () => client.getUser(id))).map((o) => o.status);
      await emu.stop();
      return statuses;
    };
    const [a, b] = [await run(), await run()];
    expect(a).toEqual(b);
    expect(a).toContain(503);
  });
});
