/** Rate limiting over HTTP, per algorithm, through the SDK adapter; small windows keep it quick. */
import { describe, expect, it } from 'vitest';
import type { RateLimitAlgorithm } from '../../src/emulator/index.js';
import { clientFor, defined, emulator, loggedIn, sleep, token } from './helpers.js';

describe.each<[RateLimitAlgorithm, number[], number]>([
  // The reset header after each of five requests at once, and the Retry-After of the sixth.
  ['fixed', [10, 10, 10, 10, 10], 10],
  ['sliding', [10, 10, 10, 10, 10], 10],
  ['bucket', [2, 4, 6, 8, 10], 2],
])('%s limiter over HTTP', (algorithm, resets, retryAfter) => {
  it('answers 429 once over the limit, with headers consistent with the count and an exact Retry-After', async () => {
    let now = 1_000;
    const emu = await emulator({ users: 5, limit: 5, windowSeconds: 10, algorithm, clock: () => now });
    const client = await loggedIn(emu);
    const id = defined(emu.users()[0]).id;

    for (let i = 1; i <= 5; i++) {
      const outcome = await client.getUser(id);
      expect(outcome).toMatchObject({ ok: true, rateLimit: { allowed: 5, count: i, resetSeconds: resets[i - 1] } });
    }
    const limited = await client.getUser(id);
    expect(limited).toMatchObject({
      ok: false,
      kind: 'rate_limited',
      status: 429,
      code: 'too.many.requests.retry.after',
      // Ten seconds until the count is back to zero: the window closes, or the bucket is full again.
      rateLimit: { allowed: 5, count: 5, resetSeconds: 10 },
      retryAfterSeconds: retryAfter,
    });
    expect(!limited.ok && limited.message).toContain(`Retry the request in [${retryAfter}] seconds`);
    // Hammering until a millisecond before Retry-After gets nothing, and does not push it back.
    now += retryAfter * 1000 - 1;
    for (let i = 0; i < 10; i++) expect((await client.getUser(id)).status).toBe(429);
    now += 1;
    expect(await client.getUser(id)).toMatchObject({ ok: true, status: 200 });
    expect(emu.stats().rateLimited).toBe(11);
  });

  it('lets a request through once the Retry-After of a real 429 has passed', async () => {
    const emu = await emulator({ users: 2, limit: 2, windowSeconds: 1, algorithm });
    const client = await loggedIn(emu);
    const id = defined(emu.users()[0]).id;
    let limited: Awaited<ReturnType<typeof client.getUser>> | undefined;
    for (let i = 0; i < 50 && !limited; i++) {
      const outcome = await client.getUser(id);
      if (outcome.status === 429) limited = outcome;
    }
    const wait = defined(limited?.retryAfterSeconds, 'Retry-After');
    expect(wait).toBe(1);
    await sleep(wait * 1000);
    expect(await client.getUser(id)).toMatchObject({ ok: true, status: 200 });
  });
});

describe('rate limiting', () => {
  it('sends the normalised 429 body with Retry-After in whole seconds', async () => {
    const emu = await emulator({ users: 2, limit: 2, windowSeconds: 3, clock: () => 0 });
    const t = await token(emu);
    const get = () => fetch(`${emu.url}/api/v2/users`, { headers: { authorization: `Bearer ${t}` } });
    await get();
    await get();
    const res = await get();
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('3');
    expect(res.headers.get('inin-ratelimit-reset')).toBe('3');
    expect(await res.json()).toEqual({
      message: 'Rate limit exceeded the maximum. Retry the request in [3] seconds',
      code: 'too.many.requests.retry.after',
      status: 429,
      contextId: expect.any(String),
      details: [],
      errors: [],
    });
  });

  it('counts per access token, and never limits the token endpoint', async () => {
    const emu = await emulator({ users: 2, limit: 3, windowSeconds: 5 });
    const id = defined(emu.users()[0]).id;
    const first = await loggedIn(emu);
    for (let i = 0; i < 3; i++) expect((await first.getUser(id)).ok).toBe(true);
    expect((await first.getUser(id)).status).toBe(429);

    const second = await loggedIn(emu);
    expect(await second.getUser(id)).toMatchObject({ ok: true, rateLimit: { count: 1 } });
    for (let i = 0; i < 10; i++) expect((await clientFor(emu).authenticate()).ok).toBe(true);
    expect(emu.stats().tokensIssued).toBe(12);
  });

  it('leaves the headers out with rateLimitHeaders: false, but still sends Retry-After', async () => {
    const emu = await emulator({ users: 2, limit: 1, windowSeconds: 2, rateLimitHeaders: false, clock: () => 0 });
    const client = await loggedIn(emu);
    const id = defined(emu.users()[0]).id;
    expect(await client.getUser(id)).toMatchObject({ ok: true, rateLimit: {} });
    expect(await client.getUser(id)).toMatchObject({ status: 429, rateLimit: {}, retryAfterSeconds: 2 });
  });

  it('with rateLimitHeadersOn429: false, leaves the headers off 429s only', async () => {
    const emu = await emulator({ users: 2, limit: 1, windowSeconds: 2, rateLimitHeadersOn429: false, clock: () => 0 });
    const client = await loggedIn(emu);
    const id = defined(emu.users()[0]).id;
    expect(await client.getUser(id)).toMatchObject({ ok: true, rateLimit: { allowed: 1, count: 1 } });
    expect(await client.getUser(id)).toMatchObject({ status: 429, rateLimit: {}, retryAfterSeconds: 2 });
  });

  it('carries the headers on errors too', async () => {
    const emu = await emulator({ users: 2, limit: 10 });
    const client = await loggedIn(emu);
    expect(await client.getUser('nobody')).toMatchObject({ status: 404, rateLimit: { allowed: 10, count: 1 } });
    expect(await client.patchUser('nobody', { version: 1 })).toMatchObject({ status: 404, rateLimit: { count: 2 } });
  });

  it('changes the limit mid-run, in process and over HTTP, keeping what was counted', async () => {
    const emu = await emulator({ users: 2, limit: 100, windowSeconds: 30 });
    const client = await loggedIn(emu);
    const id = defined(emu.users()[0]).id;
    for (let i = 0; i < 3; i++) await client.getUser(id);
    emu.setLimit(3);
    expect(await client.getUser(id)).toMatchObject({ status: 429, rateLimit: { allowed: 3, count: 3 } });

    const res = await fetch(`${emu.url}/__emulator/config`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ limit: 5, windowSeconds: 1 }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ limit: 5, windowSeconds: 1 });
    // The window that started with the first request is now 1 s long, so it may already have closed.
    const next = await client.getUser(id);
    expect(next.ok).toBe(true);
    expect(next.rateLimit.allowed).toBe(5);
    expect([1, 4]).toContain(next.rateLimit.count);
  });

  it('switches algorithm over HTTP, starting every token afresh', async () => {
    const emu = await emulator({ users: 2, limit: 2, windowSeconds: 30 });
    const client = await loggedIn(emu);
    const id = defined(emu.users()[0]).id;
    await client.getUser(id);
    await client.getUser(id);
    expect((await client.getUser(id)).status).toBe(429);
    const res = await fetch(`${emu.url}/__emulator/config`, {
      method: 'POST',
      body: JSON.stringify({ algorithm: 'bucket' }),
    });
    expect(res.status).toBe(200);
    expect(await client.getUser(id)).toMatchObject({ ok: true, rateLimit: { count: 1 } });
  });
});
