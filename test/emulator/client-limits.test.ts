/** Limits above the token (issue #12): the token endpoint's own limit and the limit on all of a client's tokens. */
import { describe, expect, it } from 'vitest';
import { parseEmulatorCliOptions } from '../../src/emulator/command.js';
import type { ApiRequestEvent } from '../../src/emulator/index.js';
import { clientFor, defined, emulator, loggedIn } from './helpers.js';

describe('the token endpoint limit', () => {
  it('issues at most tokenIssueLimit tokens per window, then 429 with an exact Retry-After; refusals are not counted', async () => {
    let now = 0;
    const emu = await emulator({ users: 2, tokenIssueLimit: 3, tokenIssueWindowSeconds: 60, clock: () => now });
    const client = clientFor(emu);
    for (let i = 0; i < 3; i++) {
      expect((await client.authenticate()).ok).toBe(true);
      now += 10_000;
    }
    const refused = await client.authenticate();
    // The first token leaves the sliding log 60 s after it was issued: 30 s from now.
    expect(refused).toMatchObject({ ok: false, kind: 'rate_limited', status: 429, retryAfterSeconds: 30, login: true });
    now += 29_999;
    expect((await client.authenticate()).status).toBe(429);
    now += 1;
    expect((await client.authenticate()).ok).toBe(true);
    expect(emu.stats()).toMatchObject({ tokensIssued: 4, tokenIssueRefused: 2 });
  });

  it('checks the credentials first: a wrong secret is 401 even over the limit', async () => {
    const emu = await emulator({ users: 2, tokenIssueLimit: 1, clock: () => 0 });
    expect((await clientFor(emu).authenticate()).ok).toBe(true);
    expect(await clientFor(emu, { clientSecret: 'not-the-secret' }).authenticate()).toMatchObject({ status: 401 });
  });
});

describe('the limit above the tokens (orgLimit)', () => {
  it('refuses the requests of every token together past orgLimit, with another code than the per-token 429', async () => {
    let now = 0;
    const emu = await emulator({
      users: 2,
      limit: 10,
      windowSeconds: 10,
      orgLimit: 4,
      orgWindowSeconds: 10,
      clock: () => now,
    });
    const a = await loggedIn(emu);
    const b = await loggedIn(emu);
    const id = defined(emu.users()[0]).id;
    expect((await a.getUser(id)).ok).toBe(true);
    expect((await b.getUser(id)).ok).toBe(true);
    expect((await a.getUser(id)).ok).toBe(true);
    expect((await b.getUser(id)).ok).toBe(true);
    const refused = await a.getUser(id);
    expect(refused).toMatchObject({
      ok: false,
      kind: 'rate_limited',
      status: 429,
      code: 'too.many.requests',
      retryAfterSeconds: 10,
    });
    // The token's own headers, which say nothing of the limit above it.
    expect(refused.rateLimit).toMatchObject({ allowed: 10, count: 3 });
    expect((await b.getUser(id)).status).toBe(429);
    now += 10_000;
    expect((await b.getUser(id)).ok).toBe(true);
    const stats = emu.stats();
    expect(stats.orgRateLimited).toBe(2);
    expect(stats.rateLimited).toBe(2);
    expect(stats.byToken).toEqual({
      '1': { requests: 3, rateLimited: 0, orgRateLimited: 1 },
      '2': { requests: 4, rateLimited: 0, orgRateLimited: 1 },
    });
  });

  it('a token over its own limit gets the per-token 429, which the limit above does not count', async () => {
    const emu = await emulator({ users: 2, limit: 1, windowSeconds: 10, orgLimit: 2, clock: () => 0 });
    const a = await loggedIn(emu);
    const b = await loggedIn(emu);
    const id = defined(emu.users()[0]).id;
    expect((await a.getUser(id)).ok).toBe(true);
    expect(await a.getUser(id)).toMatchObject({ status: 429, code: 'too.many.requests.retry.after' });
    expect((await b.getUser(id)).ok).toBe(true);
    expect(emu.stats()).toMatchObject({ orgRateLimited: 0, rateLimited: 1 });
  });

  it('reports each request as its limiter decided it, when it did, to onApiRequest', async () => {
    let now = 5;
    const seen: ApiRequestEvent[] = [];
    const emu = await emulator({
      users: 2,
      limit: 1,
      windowSeconds: 10,
      orgLimit: 2,
      clock: () => now,
      onApiRequest: (e) => seen.push(e),
    });
    const a = await loggedIn(emu);
    const b = await loggedIn(emu);
    const id = defined(emu.users()[0]).id;
    await a.getUser(id);
    now = 7;
    await a.getUser(id);
    await b.getUser(id);
    const c = await loggedIn(emu);
    await c.getUser(id);
    expect(seen).toEqual([
      { at: 5, token: 1, outcome: 'allowed' },
      { at: 7, token: 1, outcome: 'token' },
      { at: 7, token: 2, outcome: 'allowed' },
      { at: 7, token: 3, outcome: 'org' },
    ]);
  });

  it('can be turned on, changed and off while running', async () => {
    const emu = await emulator({ users: 2, limit: 100, windowSeconds: 10, clock: () => 0 });
    const a = await loggedIn(emu);
    const id = defined(emu.users()[0]).id;
    for (let i = 0; i < 3; i++) expect((await a.getUser(id)).ok).toBe(true);
    emu.setFaults({});
    const res = await fetch(`${emu.url}/__emulator/config`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ orgLimit: 1, orgWindowSeconds: 10 }),
    });
    expect(res.status).toBe(200);
    expect((await a.getUser(id)).ok).toBe(true);
    expect((await a.getUser(id)).status).toBe(429);
    await fetch(`${emu.url}/__emulator/config`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ orgLimit: 0 }),
    });
    expect((await a.getUser(id)).ok).toBe(true);
  });
});

describe('emulator command line', () => {
  it('maps --token-issue-limit, --org-limit and --org-window (which defaults to --window)', () => {
    const base = {
      port: '0',
      users: '10',
      seed: '1',
      limit: '100',
      window: '5',
      algorithm: 'fixed',
      ratelimitHeaders: true,
      latency: '0',
      fault502: '0',
      fault503: '0',
      fault503RetryAfter: '0.5',
      dropAfterWrite: '0',
      concurrentEdits: '0',
      tokenLifetime: '86400',
      tokenFaults: false,
    };
    expect(parseEmulatorCliOptions({ ...base, tokenIssueLimit: '10', orgLimit: '300' })).toMatchObject({
      tokenIssueLimit: 10,
      orgLimit: 300,
      orgWindowSeconds: 5,
    });
    expect(parseEmulatorCliOptions({ ...base, orgLimit: '300', orgWindow: '60' }).orgWindowSeconds).toBe(60);
    expect(() => parseEmulatorCliOptions({ ...base, orgLimit: '-1' })).toThrow(
      '--org-limit must be a non-negative integer, got "-1"',
    );
  });
});
