/** The limiter family's options over HTTP, through the SDK adapter, on a clock moved by hand. */
import { describe, expect, it } from 'vitest';
import { defined, emulator, loggedIn } from './helpers.js';

describe('limiter family over HTTP', () => {
  it('a bucket with a 10% burst and scaled headers: the quota in the headers, 429 after the burst', async () => {
    const now = 1_000;
    const emu = await emulator({
      users: 3,
      limit: 100,
      windowSeconds: 5,
      algorithm: 'bucket',
      burst: 0.1,
      headerModel: 'scaled',
      clock: () => now,
    });
    const client = await loggedIn(emu);
    const id = defined(emu.users()[0]).id;
    const outcomes = [];
    for (let i = 0; i < 11; i++) outcomes.push(await client.getUser(id));
    expect(outcomes[0]).toMatchObject({ ok: true, rateLimit: { allowed: 100, count: 10, resetSeconds: 1 } });
    expect(outcomes[9]).toMatchObject({ ok: true, rateLimit: { allowed: 100, count: 100 } });
    expect(outcomes[10]).toMatchObject({ ok: false, status: 429, retryAfterSeconds: 1 });
  });

  it('stale headers lag; a new header model through /__emulator/config starts the limiter afresh', async () => {
    let now = 1_000;
    const emu = await emulator({
      users: 3,
      limit: 50,
      windowSeconds: 10,
      headerModel: 'stale',
      headerLagMs: 500,
      clock: () => now,
    });
    const client = await loggedIn(emu);
    const id = defined(emu.users()[0]).id;
    expect(await client.getUser(id)).toMatchObject({ rateLimit: { count: 0 } });
    now += 500;
    expect(await client.getUser(id)).toMatchObject({ rateLimit: { count: 1 } });
    const res = await fetch(`${emu.url}/__emulator/config`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ headerModel: 'truthful', algorithm: 'gcra', burst: 0.5 }),
    });
    expect(res.status).toBe(200);
    expect(await client.getUser(id)).toMatchObject({ rateLimit: { allowed: 25, count: 1 } });
    const bad = await fetch(`${emu.url}/__emulator/config`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ headerModel: 'lying' }),
    });
    expect(bad.status).toBe(400);
  });
});
