import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { json, startFakeServer, withLogin } from '../genesys/fake-server.js';
import { BIN, requireFreshBuild, runCli, sandbox } from './harness.js';
import { activeUsers, csv, writeInput } from './helpers.js';

/** main(argv, io) takes what it would otherwise take from the process from io: what in-process tests rely on. */
describe('main(argv, io) in-process', () => {
  it('reads the connection from io.env and relative paths from io.cwd, and adds no process signal handler', async () => {
    const box = await sandbox();
    try {
      const [u] = activeUsers(box);
      await writeInput(
        box,
        'in.csv',
        csv([
          ['email', 'title'],
          [u!.email!, 'From io'],
        ]),
      );
      const before = process.listenerCount('SIGINT');
      // A relative file, report and state folder: found in the sandbox's folder, not in the process's.
      const r = await runCli(['update', 'in.csv', '--yes', '--report', 'out.jsonl'], { cwd: box.dir, env: box.env });
      expect(r.code).toBe(0);
      expect(process.listenerCount('SIGINT')).toBe(before);
      expect(box.emulator.user(u!.id)?.title).toBe('From io');
      const listed = await runCli(['runs', '--json'], { cwd: box.dir, env: box.env });
      expect(JSON.parse(listed.stdout)).toHaveLength(1);
      // The same command without io.env's credentials fails for want of them, whatever this process has.
      const bare = await runCli(['update', 'in.csv', '--yes'], { cwd: box.dir });
      expect(bare.code).toBe(3);
      expect(bare.stderr).toContain('GENESYS_CLIENT_ID');
    } finally {
      await box.close();
    }
  });

  it('a SIGINT on io.signals stops the run: exit 130, and a resume finishes it', async () => {
    const box = await sandbox({ latencyMs: [30, 30] });
    try {
      const users = activeUsers(box).slice(0, 60);
      const file = await writeInput(
        box,
        'in.csv',
        csv([['email', 'title'], ...users.map((u) => [u.email!, 'Stopped'])]),
      );
      const { main } = await import('../../src/cli.js');
      const { PassThrough, Readable } = await import('node:stream');
      const signals = new EventEmitter();
      const stderr = new PassThrough();
      let text = '';
      stderr.setEncoding('utf8').on('data', (d: string) => {
        text += d;
      });
      const started = main(['node', 'genesys-bulk', 'update', file, '--yes'], {
        stdout: new PassThrough().resume(),
        stderr,
        stdin: Readable.from([]),
        openTerminal: () => undefined,
        env: box.env,
        cwd: box.dir,
        signals,
        exit: () => {
          throw new Error('no second signal is sent');
        },
      });
      // Wait until the first write has landed, then interrupt: a bound by behaviour, not by time.
      while (box.emulator.stats().patchesApplied === 0) await new Promise((r) => setTimeout(r, 10));
      signals.emit('SIGINT');
      expect(await started).toBe(130);
      expect(box.emulator.stats().patchesApplied).toBeLessThan(users.length);
      const runId = /--resume (\S+)/.exec(text)?.[1];
      expect(runId).toBeDefined();
      const resumed = await runCli(['update', '--resume', runId!, '--yes'], { cwd: box.dir, env: box.env });
      expect(resumed.code).toBe(0);
      for (const u of users) expect(box.emulator.user(u.id)?.title).toBe('Stopped');
    } finally {
      await box.close();
    }
  });

  it('one Ctrl-C delivered twice at once (the process group, and npx forwarding it) stops the run as one: its document, 130', async () => {
    const box = await sandbox({ latencyMs: [30, 30] });
    try {
      const users = activeUsers(box).slice(0, 60);
      const file = await writeInput(box, 'in.csv', csv([['email', 'title'], ...users.map((u) => [u.email!, 'Twice'])]));
      const { main } = await import('../../src/cli.js');
      const signals = new EventEmitter();
      const stdout = new PassThrough();
      let out = '';
      stdout.setEncoding('utf8').on('data', (d: string) => {
        out += d;
      });
      const started = main(['node', 'genesys-bulk', 'update', file, '--yes', '--json'], {
        stdout,
        stderr: new PassThrough().resume(),
        stdin: Readable.from([]),
        openTerminal: () => undefined,
        env: box.env,
        cwd: box.dir,
        signals,
        exit: () => {
          throw new Error('a repeat of the first signal is not a second Ctrl-C');
        },
      });
      while (box.emulator.stats().patchesApplied === 0) await new Promise((r) => setTimeout(r, 10));
      signals.emit('SIGINT');
      signals.emit('SIGINT');
      expect(await started).toBe(130);
      expect(JSON.parse(out)).toMatchObject({ outcome: 'interrupted', exitCode: 130 });
    } finally {
      await box.close();
    }
  });

  it('stderr closed by its reader (2>&1 | head, a dead log collector): the run goes on, its document and exit 0', async () => {
    requireFreshBuild();
    const box = await sandbox();
    try {
      const [u] = activeUsers(box);
      const file = await writeInput(
        box,
        'in.csv',
        csv([
          ['email', 'title'],
          [u!.email!, 'Logs Unread'],
        ]),
      );
      const child = spawn(process.execPath, ['--', BIN, 'update', file, '--yes', '--json'], {
        cwd: box.dir,
        env: { PATH: process.env.PATH, ...box.env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child.stderr!.destroy();
      let stdout = '';
      child.stdout!.setEncoding('utf8').on('data', (d: string) => {
        stdout += d;
      });
      const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
      expect(code).toBe(0);
      expect(JSON.parse(stdout)).toMatchObject({ outcome: 'completed', exitCode: 0 });
      expect(box.emulator.user(u!.id)?.title).toBe('Logs Unread');
    } finally {
      await box.close();
    }
  });

  it('a SIGINT while logging in to a server that never answers: exit 130 at once, not a failed login (exit 3)', async () => {
    const server = await startFakeServer(() => {});
    const { dir, signals, stderr, started } = await dryRunAgainst(server.url);
    try {
      while (server.requests.length === 0) await new Promise((r) => setTimeout(r, 10));
      signals.emit('SIGINT');
      expect(await started).toBe(130);
      expect(stderr()).toContain('Interrupted before anything was written.');
      expect(stderr()).not.toContain('Logging in');
    } finally {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('the CLI process ends at once on Ctrl-C during a read the server never answers, not at the read timeout', async () => {
    requireFreshBuild();
    const server = await startFakeServer(withLogin(() => {}));
    const dir = await mkdtemp(join(tmpdir(), 'genesys-bulk-io-'));
    try {
      await writeFile(join(dir, 'in.csv'), 'email,title\nada@example.com,Agent\n');
      const child = spawn(process.execPath, ['--', BIN, 'update', 'in.csv', '--dry-run'], {
        cwd: dir,
        env: {
          PATH: process.env.PATH,
          GENESYS_BASE_URL: server.url,
          GENESYS_CLIENT_ID: 'id',
          GENESYS_CLIENT_SECRET: 'secret-0123456789',
        },
        stdio: ['ignore', 'ignore', 'pipe'],
        detached: true,
      });
      let stderr = '';
      child.stderr!.setEncoding('utf8').on('data', (d: string) => {
        stderr += d;
      });
      const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
      while (!server.requests.some((r) => r.url.startsWith('/api/v2/users')))
        await new Promise((r) => setTimeout(r, 10));
      const interrupted = Date.now();
      child.kill('SIGINT');
      expect(await exited).toBe(130);
      expect(stderr).toContain('Interrupted before anything was written.');
      // The request's own timeout is 30 s; the process used to wait for it.
      expect(Date.now() - interrupted).toBeLessThan(10_000);
    } finally {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('--timeout bounds how long a read waits for an answer: a server that never answers is retried after 1 s', async () => {
    const server = await startFakeServer(withLogin(() => {}));
    const { dir, signals, stderr, started } = await dryRunAgainst(server.url, ['--timeout', '1']);
    try {
      const asked = Date.now();
      while (!stderr().includes('No answer from')) await new Promise((r) => setTimeout(r, 10));
      // The default timeout would be 30 s before the first retry.
      expect(Date.now() - asked).toBeLessThan(10_000);
      expect(stderr()).toContain('within the request timeout (1 s)');
      expect(stderr()).toContain('after the last attempt (about 6 s)');
      signals.emit('SIGINT');
      expect(await started).toBe(130);
    } finally {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a Retry-After longer than a minute is said as a warning, with how to stop; Ctrl-C then ends the wait', async () => {
    const server = await startFakeServer(
      withLogin((_req, res) => json(res, 429, { message: 'slow down', code: 'x' }, { 'retry-after': '99999999' })),
    );
    const { dir, signals, stderr, started } = await dryRunAgainst(server.url);
    try {
      while (!stderr().includes('Retry-After')) await new Promise((r) => setTimeout(r, 10));
      expect(stderr()).toContain('The platform asked every request to wait 3600 s (Retry-After)');
      expect(stderr()).toContain('press Ctrl-C');
      signals.emit('SIGINT');
      expect(await started).toBe(130);
    } finally {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

/**
 * `update in.csv --dry-run` (and `options`) run in-process by main() against the server at `url`, in a new folder: its signals, its
 * stderr so far, and the exit code to come. A second signal is not expected.
 */
async function dryRunAgainst(url: string, options: string[] = []) {
  const dir = await mkdtemp(join(tmpdir(), 'genesys-bulk-io-'));
  await writeFile(join(dir, 'in.csv'), 'email,title\nada@example.com,Agent\n');
  const { main } = await import('../../src/cli.js');
  const signals = new EventEmitter();
  const stderr = new PassThrough();
  let text = '';
  stderr.setEncoding('utf8').on('data', (d: string) => {
    text += d;
  });
  const started = main(['node', 'genesys-bulk', 'update', 'in.csv', '--dry-run', ...options], {
    stdout: new PassThrough().resume(),
    stderr,
    stdin: Readable.from([]),
    openTerminal: () => undefined,
    env: { GENESYS_BASE_URL: url, GENESYS_CLIENT_ID: 'id', GENESYS_CLIENT_SECRET: 'secret-0123456789' },
    cwd: dir,
    signals,
    exit: () => {
      throw new Error('no second signal is sent');
    },
  });
  return { dir, signals, stderr: () => text, started };
}
