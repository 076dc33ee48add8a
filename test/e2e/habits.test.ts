import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, ROOT, runCliProcess as runCli, sandbox } from './harness.js';
import { activeUsers, csv, writeInput } from './helpers.js';

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'genesys-bulk-habits-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('--version', () => {
  it('-V and --version print the package version on stdout and exit 0', async () => {
    const { version } = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    for (const flag of ['-V', '--version']) {
      const r = await runCli([flag]);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(`${version}\n`);
    }
  });
});

describe('demo --users', () => {
  it('is a usage error (exit 2, naming the range) when not a whole number from 1', async () => {
    for (const bad of ['abc', '0', '-3', '2.5', '']) {
      const r = await runCli(['demo', '--users', bad]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('--users must be a whole number from 1 to');
    }
  });

  it('works for small directories; into a file it writes no escape code; the paths it prints exist after', async () => {
    for (const users of ['1', '50']) {
      const env = { TMPDIR: join(tmp), NO_COLOR: undefined, FORCE_COLOR: undefined };
      const r = await runCli(['demo', '--users', users], { env, timeoutMs: 100_000 });
      expect(r.stderr).not.toContain('a bug');
      expect(r.code).toBe(0);
      expect(r.stdout + r.stderr).not.toContain('\u001b');
      const kept = /kept in (\S+) /.exec(r.stdout)?.[1];
      expect(kept).toBeDefined();
      expect(await readdir(kept!)).toEqual(expect.arrayContaining(['users.csv', 'report.csv']));
      if (users === '50') {
        // The round trip: export, edit, update, check, roll back, and the directory as it was.
        expect(r.stdout).toMatch(/Plan: \d+ to change/);
        expect(r.stdout).toContain('Plan: 0 to change');
        expect(r.stdout).toContain('after-rollback.csv is identical to the first export.');
      }
    }
  }, 200_000);
});

describe('eval "$(genesys-bulk emulator --detach)", as docs/emulator.md says', () => {
  it('returns, exports the settings and the pid, and the tool runs against it; kill stops it', async () => {
    const script = [
      `eval "$(${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} emulator --detach --users 20 --limit 7)"`,
      'echo "pid=$GENESYS_EMULATOR_PID"',
      `${JSON.stringify(process.execPath)} -e 'fetch(process.env.GENESYS_BASE_URL + "/__emulator/config").then((r) => r.json()).then((c) => console.log("limit=" + c.limit + " id=" + process.env.GENESYS_CLIENT_ID))'`,
      'kill "$GENESYS_EMULATOR_PID"',
    ].join('\n');
    // The bound: a shell whose command substitution waited for the emulator would be killed here, and fail.
    const r = await new Promise<{ code: number | null; out: string }>((resolvePromise) => {
      const child = spawn('sh', ['-c', script], { cwd: tmp, stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => {
        out += d;
      });
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolvePromise({ code, out });
      });
    });
    const pid = Number(/pid=(\d+)/.exec(r.out)?.[1]);
    try {
      expect(r.code).toBe(0);
      expect(r.out).toContain('limit=7 id=emulator-client');
    } finally {
      if (pid > 0) {
        try {
          process.kill(pid);
        } catch {}
      }
    }
  }, 90_000);
});

describe('a reader that stops early (`| head`, `less` quit before the end)', () => {
  /** Runs the built CLI with stdout a pipe that this side closes after the first chunk. */
  const closedEarly = (args: string[], cwd: string, env: Record<string, string>) =>
    new Promise<{ code: number | null; stderr: string }>((resolvePromise, reject) => {
      const child = spawn(process.execPath, ['--', BIN, ...args], {
        cwd,
        env: { PATH: process.env.PATH, HOME: cwd, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      });
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (d: string) => {
        stderr += d;
      });
      child.stdout.once('data', () => child.stdout.destroy());
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolvePromise({ code, stderr });
      });
    });

  it('is no bug: help exits 0; a long plan or export stops with exit 3 saying why, and nothing is written', async () => {
    const box = await sandbox({ users: 1500, seed: 12 });
    try {
      const help = await closedEarly(['update', '--help'], box.dir, box.env);
      expect(help.stderr).toBe('');
      expect(help.code).toBe(0);

      const users = activeUsers(box);
      await writeInput(box, 'long.csv', csv([['id', 'title'], ...users.map((u) => [u.id, `Piped ${u.id}`])]));
      for (const args of [
        ['update', 'long.csv', '--yes', '--no-progress'],
        ['export', '-', '--columns', 'id,email,name,title', '--no-progress'],
      ]) {
        const r = await closedEarly(args, box.dir, box.env);
        expect(r.stderr, args.join(' ')).not.toContain('a bug');
        expect(r.stderr).toContain('stdout was closed by the program reading it');
        expect(r.code).toBe(3);
      }
      expect(box.emulator.stats().patchesApplied).toBe(0);

      // With --json the document comes after the writes: cut short, it leaves the run's own exit code.
      const json = await closedEarly(['update', 'long.csv', '--yes', '--json', '--no-progress'], box.dir, box.env);
      expect(json.stderr).not.toContain('a bug');
      expect(json.stderr).toContain('before the JSON document was all written; the run had finished (exit 0)');
      expect(json.code).toBe(0);
      expect(box.emulator.stats().patchesApplied).toBe(users.length);
    } finally {
      await box.close();
    }
  }, 120_000);
});
