import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../../src/emulator/index.js';
import type { GenesysClient } from '../../src/genesys/api.js';
import { createGenesysClient } from '../../src/genesys/client.js';

/** The adapter through the emulator: what the SDK sends must be what the emulator understands. */
describe('adapter against the emulator', () => {
  let emulator: RunningEmulator;
  let client: GenesysClient;

  beforeAll(async () => {
    emulator = await startEmulator({ users: 5, seed: 7 });
    client = createGenesysClient({
      clientId: emulator.clientId,
      clientSecret: emulator.clientSecret,
      baseUrl: emulator.url,
      timeoutMs: 5000,
    });
  });

  afterAll(async () => {
    await emulator.stop();
  });

  it('logs in, reads users by id, patches one, and sees a stale version as a conflict', async () => {
    const login = await client.authenticate();
    expect(login).toMatchObject({ ok: true, body: { expiresInSeconds: 86_400 } });

    const [first, second] = emulator.users();
    const read = await client.getUsersByIds([first!.id, second!.id]);
    if (!read.ok) throw new Error(read.message);
    expect(read.body.entities.map((u) => u.id).sort()).toEqual([first!.id, second!.id].sort());
    expect(read.rateLimit.allowed).toBe(300);
    expect(read.rateLimit.count).toBeGreaterThan(0);

    const current = read.body.entities.find((u) => u.id === first!.id)!;
    const patched = await client.patchUser(first!.id, { version: current.version, title: 'Adapter smoke test' });
    if (!patched.ok) throw new Error(patched.message);
    expect(patched.body).toMatchObject({ id: first!.id, title: 'Adapter smoke test', version: current.version + 1 });
    expect(emulator.user(first!.id)?.title).toBe('Adapter smoke test');

    const stale = await client.patchUser(first!.id, { version: current.version, title: 'Stale' });
    expect(stale).toMatchObject({ ok: false, kind: 'conflict', status: 409 });

    const single = await client.getUser(second!.id);
    expect(single).toMatchObject({ ok: true, body: { id: second!.id } });
    expect(emulator.stats()).toMatchObject({ tokensIssued: 1, patchesApplied: 1 });
  });

  it('reports a 429 with Retry-After once the limit is used up', async () => {
    emulator.setLimit(1, 60);
    const [user] = emulator.users();
    await client.getUser(user!.id);
    const limited = await client.getUser(user!.id);
    expect(limited).toMatchObject({ ok: false, kind: 'rate_limited', status: 429 });
    expect(limited.retryAfterSeconds).toBeGreaterThan(0);
  });

  it('reports wrong credentials as an auth failure', async () => {
    const wrong = createGenesysClient({
      clientId: emulator.clientId,
      clientSecret: 'not-the-secret',
      baseUrl: emulator.url,
    });
    const login = await wrong.authenticate();
    expect(login).toMatchObject({ ok: false, kind: 'auth' });
    expect(JSON.stringify(login)).not.toContain('not-the-secret');
  });
});
