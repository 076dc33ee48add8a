/**
 * One target, decided once (issue #10.2, #10.3, #10.9): where the credentials may go, redirects, a login that
 * cannot connect, the state folder, and `--env-file` reaching the tool on every Node version.
 */
import { chmod, mkdir, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type FakeServer, startFakeServer } from '../genesys/fake-server.js';
import { type Sandbox, sandbox } from './harness.js';
import { expectNoWrites, TOKEN_ROUTES } from './helpers.js';

let box: Sandbox | undefined;
const servers: FakeServer[] = [];
afterEach(async () => {
  await box?.close();
  box = undefined;
  for (const s of servers.splice(0)) await s.close();
});

/** A loopback listener that answers like a token endpoint and records whatever reaches it. */
async function listener(): Promise<FakeServer> {
  const s = await startFakeServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"access_token":"stolen","token_type":"bearer","expires_in":86400}');
  });
  servers.push(s);
  return s;
}

async function dotenv(dir: string, name: string, text: string, mode = 0o600): Promise<void> {
  await writeFile(join(dir, name), text);
  await chmod(join(dir, name), mode);
}

async function input(b: Sandbox): Promise<string> {
  const [a] = b.emulator.users().filter((u) => u.state === 'active' && u.email);
  const file = join(b.dir, 'users.csv');
  await writeFile(file, `email,title\n${a!.email},Target Title\n`);
  return file;
}

const tokenCalls = (b: Sandbox) =>
  TOKEN_ROUTES.reduce((n, r) => n + Object.values(b.emulator.stats().byRoute[r] ?? {}).reduce((x, y) => x + y, 0), 0);

describe('a .env in the working folder cannot send the secret elsewhere', () => {
  it.each([
    ['the region from the environment', [], { GENESYS_REGION: 'eu_west_1' }],
    ['the region from a flag', ['--region', 'eu_west_1'], {}],
    ['no region, the secret from the environment', [], {}],
  ])('%s: exit 3, the listener receives 0 requests', async (_name, flags, env) => {
    box = await sandbox();
    const thief = await listener();
    await dotenv(box.dir, '.env', `GENESYS_BASE_URL=${thief.url}\n`);
    const file = await input(box);
    const r = await box.cli(['update', file, '--yes', ...flags], {
      env: { GENESYS_BASE_URL: undefined, ...env },
    });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(thief.url);
    expect(r.stderr).toMatch(/\.\/\.env/);
    expect(r.stderr).not.toContain(box.env.GENESYS_CLIENT_SECRET);
    expect(thief.requests).toHaveLength(0);
    expectNoWrites(box.emulator.stats());
  });

  it('a base URL in the environment wins over the one in ./.env, which receives nothing', async () => {
    box = await sandbox();
    const thief = await listener();
    await dotenv(box.dir, '.env', `GENESYS_BASE_URL=${thief.url}\n`);
    const r = await box.cli(['update', await input(box), '--dry-run']);
    expect(r.code).toBe(0);
    expect(tokenCalls(box)).toBe(1);
    expect(thief.requests).toHaveLength(0);
  });

  it('a file the user names with --env-file is trusted for the base URL', async () => {
    box = await sandbox();
    await dotenv(box.dir, 'emulator.env', `GENESYS_BASE_URL=${box.emulator.url}\n`);
    const r = await box.cli(['update', await input(box), '--dry-run', '--env-file', 'emulator.env'], {
      env: { GENESYS_BASE_URL: undefined },
    });
    expect(r.code).toBe(0);
    expect(tokenCalls(box)).toBe(1);
  });

  it('a .env writable by others is refused before any request', async () => {
    box = await sandbox();
    await dotenv(box.dir, '.env', 'GENESYS_TITLE=x\n', 0o666);
    const r = await box.cli(['update', await input(box), '--dry-run']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/Refusing the dotenv file .*writable by group and others/);
    expect(tokenCalls(box)).toBe(0);
  });

  it('`--env-file nope.env` reaches the tool (not node), on every Node version', async () => {
    box = await sandbox();
    const r = await box.spawnCli(['update', await input(box), '--env-file', 'nope.env']);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('genesys-bulk: --env-file nope.env: no such file.');
  });
});

describe('redirects are not followed', () => {
  it('a gateway answering 307 to another listener: exit 3, the other listener receives 0 requests', async () => {
    box = await sandbox();
    const other = await listener();
    const gateway = await startFakeServer((req, res) => {
      res.writeHead(307, { location: `${other.url}${req.url}` });
      res.end();
    });
    servers.push(gateway);
    const r = await box.cli(['update', await input(box), '--yes'], { env: { GENESYS_BASE_URL: gateway.url } });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`HTTP 307 redirect to 127.0.0.1:${other.port}`);
    expect(gateway.requests.length).toBeGreaterThan(0);
    expect(other.requests).toHaveLength(0);
  });
});

describe('a login that cannot connect', () => {
  it('nothing listening: exit 3 naming the host and what to do', async () => {
    box = await sandbox();
    const closed = await startFakeServer();
    await closed.close();
    const r = await box.cli(['update', await input(box), '--yes'], { env: { GENESYS_BASE_URL: closed.url } });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('ECONNREFUSED');
    expect(r.stderr).toContain(closed.url);
  });

  it('a login answered 503: exit 3 (no row was tried), nothing written', async () => {
    box = await sandbox();
    const down = await startFakeServer((_req, res) => {
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end('{"message":"down","status":503}');
    });
    servers.push(down);
    const r = await box.cli(['update', await input(box), '--yes'], { env: { GENESYS_BASE_URL: down.url } });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('Nothing was written');
  });

  it('a host name that does not resolve: exit 3', async () => {
    box = await sandbox();
    const r = await box.cli(['update', await input(box), '--yes'], {
      env: { GENESYS_BASE_URL: 'https://genesys-bulk-test.invalid' },
    });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('genesys-bulk-test.invalid');
  });
});

describe('the state folder', () => {
  it('an existing folder writable by others is refused, left as it was, and nothing is written', async () => {
    box = await sandbox();
    const state = join(box.dir, 'shared');
    await mkdir(state);
    await chmod(state, 0o1777);
    const r = await box.cli(['update', await input(box), '--yes', '--state-dir', state]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`Refusing the state folder ${state}`);
    expect((await stat(state)).mode & 0o7777).toBe(0o1777);
    expectNoWrites(box.emulator.stats());
  });

  it('a .genesys-bulk symlink is refused', async () => {
    box = await sandbox();
    const elsewhere = join(box.dir, 'elsewhere');
    await mkdir(elsewhere, { mode: 0o700 });
    await symlink(elsewhere, join(box.dir, '.genesys-bulk'));
    const r = await box.cli(['update', await input(box), '--yes']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/Refusing the state folder .*symbolic link/);
    expectNoWrites(box.emulator.stats());
  });

  it('a state folder under a file: exit 3 with the path, not 70', async () => {
    box = await sandbox();
    await writeFile(join(box.dir, 'plain'), '');
    const r = await box.cli(['update', await input(box), '--yes', '--state-dir', 'plain/state']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/plain\/state(\/runs)? \(ENOTDIR/);
  });

  it('a run folder opened up after the run is refused by resume and rollback, and left as it is', async () => {
    box = await sandbox();
    expect((await box.cli(['update', await input(box), '--yes'])).code).toBe(0);
    const runs = JSON.parse((await box.cli(['runs', '--json'])).stdout) as { runId: string }[];
    const runId = runs[0]!.runId;
    const folder = join(box.dir, '.genesys-bulk', 'runs', runId);
    await chmod(folder, 0o777);
    const patches = box.emulator.stats().patchesApplied;
    for (const args of [
      ['update', '--resume', runId, '--yes'],
      ['rollback', runId, '--yes'],
    ]) {
      const r = await box.cli(args);
      expect(r.code).toBe(3);
      // In-process the state folder is resolved against the test's folder, so the message may name it whole.
      expect(r.stderr).toMatch(/Refusing the run folder \S*\.genesys-bulk\/runs\//);
      expect(r.stderr).toContain(`${join('.genesys-bulk', 'runs', runId)}: it is writable by group and others`);
    }
    expect((await stat(folder)).mode & 0o777).toBe(0o777);
    expect(box.emulator.stats().patchesApplied).toBe(patches);
  });

  it('a run refused after login (another target than its run) names its target and source in the --json document', async () => {
    box = await sandbox();
    const file = await input(box);
    expect((await box.cli(['update', file, '--yes'])).code).toBe(0);
    const runId = (JSON.parse((await box.cli(['runs', '--json'])).stdout) as { runId: string }[])[0]!.runId;
    const other = await sandbox();
    try {
      for (const [args, source] of [
        [['rollback', runId, '--yes', '--json'], runId],
        [['update', '--resume', runId, '--yes', '--json'], file],
      ] as const) {
        const r = await box.cli([...args], { env: other.env });
        expect(r.code, r.stderr).toBe(3);
        const doc = JSON.parse(r.stdout) as { outcome: string; target: string | null; source: string | null };
        expect(doc.outcome).toBe('error');
        expect(doc.target).toBe(other.env.GENESYS_BASE_URL);
        expect(doc.source).toBe(source);
      }
      expectNoWrites(other.emulator.stats());
    } finally {
      await other.close();
    }
  });

  it('a new state folder is created 0700', async () => {
    box = await sandbox();
    const r = await box.cli(['update', await input(box), '--yes']);
    expect(r.code).toBe(0);
    expect((await stat(join(box.dir, '.genesys-bulk'))).mode & 0o777).toBe(0o700);
  });
});
