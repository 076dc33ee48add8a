/** `genesys-bulk emulator`, spawned from the build (npm test builds first), and its option parsing. */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseEmulatorCliOptions } from '../../src/emulator/command.js';
import { startEmulator } from '../../src/emulator/index.js';
import { ValidationError } from '../../src/errors.js';
import { createGenesysClient } from '../../src/genesys/client.js';
import type { GenesysUser } from '../../src/genesys/types.js';
import { requireFreshBuild } from '../e2e/harness.js';
import { loggedIn } from './helpers.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const BIN = `${root}bin/genesys-bulk.js`;

interface Spawned {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function run(args: string[]): Spawned {
  requireFreshBuild();
  const child = spawn(process.execPath, ['--', BIN, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal }));
  });
  return { child, stdout: () => out, stderr: () => err, exit };
}

async function waitFor(predicate: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('genesys-bulk emulator', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)(
    'prints the three connection lines, serves them, and exits 0 on %s',
    async (signal) => {
      const proc = run(['emulator', '--port', '0', '--users', '1000', '--client-secret', 's3cret-value']);
      try {
        await waitFor(() => proc.stdout().split('\n').length > 3, 10_000);
        const lines = proc.stdout().trimEnd().split('\n');
        expect(lines).toHaveLength(3);
        expect(lines[0]).toMatch(/^GENESYS_BASE_URL=http:\/\/127\.0\.0\.1:\d+$/);
        expect(lines[1]).toBe('GENESYS_CLIENT_ID=emulator-client');
        expect(lines[2]).toBe('GENESYS_CLIENT_SECRET=s3cret-value');

        const url = (lines[0] as string).slice('GENESYS_BASE_URL='.length);
        const res = await fetch(`${url}/oauth/token`, {
          method: 'POST',
          headers: { authorization: `Basic ${Buffer.from('emulator-client:s3cret-value').toString('base64')}` },
          body: new URLSearchParams({ grant_type: 'client_credentials' }),
        });
        expect(res.status).toBe(200);
        const users = (await (await fetch(`${url}/__emulator/users`)).json()) as unknown[];
        expect(users).toHaveLength(1000);
      } finally {
        proc.child.kill(signal);
      }
      expect(await proc.exit).toEqual({ code: 0, signal: null });
      expect(proc.stdout().trimEnd().split('\n')).toHaveLength(3);
    },
  );

  it('exits 0 when stopped the moment its first line appears', async () => {
    const proc = run(['emulator', '--users', '10']);
    proc.child.stdout?.once('data', () => proc.child.kill('SIGTERM'));
    expect(await proc.exit).toEqual({ code: 0, signal: null });
  });

  it('exits 3 when the port is taken', async () => {
    const taken = await startEmulator({ users: 1 });
    try {
      const proc = run(['emulator', '--port', String(taken.port), '--users', '1']);
      expect(await proc.exit).toEqual({ code: 3, signal: null });
      expect(proc.stderr()).toContain(`cannot listen on 127.0.0.1:${taken.port}: the port is in use`);
      expect(proc.stdout()).toBe('');
    } finally {
      await taken.stop();
    }
  });

  it('starts again from the users an earlier emulator served (--users-file), and the tool updates them', async () => {
    const earlier = await startEmulator({ users: 30, seed: 4 });
    const dir = await mkdtemp(join(tmpdir(), 'emulator-users-file-'));
    const file = join(dir, 'users.json');
    let proc: Spawned | undefined;
    try {
      const [changed] = earlier.users().filter((u) => u.state === 'active');
      const client = await loggedIn(earlier);
      expect((await client.patchUser(changed!.id, { version: 1, title: 'Kept Across Restarts' })).ok).toBe(true);
      await writeFile(file, await (await fetch(`${earlier.url}/__emulator/users`)).text());

      proc = run(['emulator', '--users-file', file, '--client-secret', 'file-secret']);
      await waitFor(() => proc!.stdout().split('\n').length > 3, 10_000);
      const url = proc.stdout().split('\n')[0]!.slice('GENESYS_BASE_URL='.length);
      const served = (await (await fetch(`${url}/__emulator/users`)).json()) as GenesysUser[];
      expect(served).toEqual(earlier.users());
      expect(served.find((u) => u.id === changed!.id)).toMatchObject({ title: 'Kept Across Restarts', version: 2 });
      expect(proc.stderr()).toContain('emulator: 30 users');
      const again = createGenesysClient({ baseUrl: url, clientId: 'emulator-client', clientSecret: 'file-secret' });
      expect((await again.authenticate()).ok).toBe(true);
      expect((await again.patchUser(changed!.id, { version: 2, title: 'Once More' })).ok).toBe(true);
    } finally {
      proc?.child.kill('SIGTERM');
      await earlier.stop();
    }
    expect(await proc!.exit).toEqual({ code: 0, signal: null });

    await writeFile(file, JSON.stringify([{ id: 'a', name: 'A', state: 'active', version: 1 }, { id: 'a' }]));
    for (const [args, message] of [
      [['--users-file', file], `--users-file ${file}: user 2 of the array: has no name`],
      [['--users-file', join(dir, 'none.json')], 'none.json: cannot read it (ENOENT)'],
      [['--users', '5', '--users-file', file], '--users and --users-file cannot be used together'],
    ] as const) {
      const bad = run(['emulator', ...args]);
      expect(await bad.exit).toEqual({ code: 2, signal: null });
      expect(bad.stderr()).toContain(message);
      expect(bad.stdout()).toBe('');
    }
    await rm(dir, { recursive: true, force: true });
  });

  it('exits 2 with a message naming a bad option', async () => {
    const proc = run(['emulator', '--limit', 'abc']);
    expect(await proc.exit).toEqual({ code: 2, signal: null });
    expect(proc.stderr()).toContain('--limit must be a positive integer, got "abc"');
    expect(proc.stdout()).toBe('');
  });
});

describe('parseEmulatorCliOptions', () => {
  const defaults = {
    port: '0',
    users: '1000',
    seed: '1',
    limit: '300',
    window: '60',
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

  it('maps every option', () => {
    expect(
      parseEmulatorCliOptions({
        ...defaults,
        port: '4010',
        algorithm: 'sliding',
        ratelimitHeaders: false,
        latency: '20-80',
        fault502: '0.02',
        fault503: '0.05',
        dropAfterWrite: '0.015',
        concurrentEdits: '0.05',
        tokenLifetime: '300',
        clientId: 'id',
        clientSecret: 'secret',
      }),
    ).toEqual({
      port: 4010,
      users: 1000,
      seed: 1,
      limit: 300,
      windowSeconds: 60,
      algorithm: 'sliding',
      rateLimitHeaders: false,
      latencyMs: [20, 80],
      error502Rate: 0.02,
      error503Rate: 0.05,
      error503RetryAfterRate: 0.5,
      dropAfterWriteRate: 0.015,
      concurrentEditRate: 0.05,
      tokenLifetimeSeconds: 300,
      tokenFaults: false,
      clientId: 'id',
      clientSecret: 'secret',
    });
    expect(parseEmulatorCliOptions({ ...defaults, latency: '50' }).latencyMs).toEqual([50, 50]);
    expect(parseEmulatorCliOptions({ ...defaults, expandOmit: '0.25' }).expandOmitRate).toBe(0.25);
    expect(parseEmulatorCliOptions(defaults)).not.toHaveProperty('expandOmitRate');
  });

  it('sizes the routing catalogue only when asked', () => {
    expect(parseEmulatorCliOptions(defaults)).not.toHaveProperty('skills');
    expect(
      parseEmulatorCliOptions({ ...defaults, skills: '80', languages: '0', queues: '5', roles: '3' }),
    ).toMatchObject({ skills: 80, languages: 0, queues: 5, roles: 3 });
    expect(() => parseEmulatorCliOptions({ ...defaults, queues: 'many' })).toThrow(
      '--queues must be a non-negative integer, got "many"',
    );
  });

  it.each([
    [{ limit: 'abc' }, '--limit must be a positive integer, got "abc"'],
    [{ limit: '0' }, '--limit must be a positive integer, got "0"'],
    [{ limit: '2.5' }, '--limit must be a positive integer, got "2.5"'],
    [{ window: '-1' }, '--window must be a positive integer, got "-1"'],
    [{ users: 'many' }, '--users must be a non-negative integer, got "many"'],
    [
      { users: '99999999999' },
      '--users must be at most 1000000 (a million users take about 2.5 GB of memory), got "99999999999"',
    ],
    [{ seed: 'x' }, '--seed must be a non-negative integer, got "x"'],
    [{ port: '70000' }, '--port must be at most 65535, got "70000"'],
    [
      { algorithm: 'leaky' },
      '--algorithm must be one of fixed, fixed-clock, sliding, sliding-counter, bucket, gcra, got "leaky"',
    ],
    [{ burst: '0' }, '--burst must be a share of the limit in (0, 1] or a percentage (e.g. 0.1 or 10%), got "0"'],
    [{ burst: '150%' }, '--burst must be a share of the limit in (0, 1] or a percentage (e.g. 0.1 or 10%), got "150%"'],
    [{ headerModel: 'lying' }, '--header-model must be one of truthful, absent, scaled, stale, got "lying"'],
    [{ latency: '80-20' }, '--latency must be MIN-MAX in ms (e.g. 20-80) or one number, got "80-20"'],
    [{ latency: 'fast' }, '--latency must be MIN-MAX in ms (e.g. 20-80) or one number, got "fast"'],
    [{ fault502: '1.5' }, '--fault-502 must be a number from 0 to 1, got "1.5"'],
    [{ fault503: '' }, '--fault-503 must be a number from 0 to 1, got ""'],
    [{ dropAfterWrite: 'x' }, '--drop-after-write must be a number from 0 to 1, got "x"'],
    [{ concurrentEdits: '-0.1' }, '--concurrent-edits must be a number from 0 to 1, got "-0.1"'],
    [{ tokenLifetime: '0' }, '--token-lifetime must be a positive integer, got "0"'],
    [{ expandOmit: '2' }, '--expand-omit must be a number from 0 to 1, got "2"'],
    [{ fault502: '0.6', fault503: '0.6' }, '--fault-502 and --fault-503 together must not exceed 1, got 0.6 + 0.6'],
    [{ clientId: ' ' }, '--client-id must not be empty'],
    // Settings no client could use: the printed lines would split, or the login could not send the id.
    [{ clientSecret: 'ab\ncd' }, '--client-secret must not contain a line break or control character'],
    [{ clientId: 'a\tb' }, '--client-id must not contain a line break or control character'],
    [{ clientId: 'a:b' }, '--client-id must not contain ":" (Basic authentication could not send it)'],
  ])('rejects %j', (override, message) => {
    const parse = () => parseEmulatorCliOptions({ ...defaults, ...override });
    expect(parse).toThrow(ValidationError);
    expect(parse).toThrow(message);
  });
});
