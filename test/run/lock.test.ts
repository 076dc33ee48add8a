import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { isAlive, LOCK_FILE, lockRun } from '../../src/run/lock.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'genesys-bulk-lock-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The pid of a process that has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(r.stdout.toString());
}

const lockPath = () => join(dir, LOCK_FILE);
const holder = (pid: number, host = hostname(), startedAt = Date.now() - process.uptime() * 1000) =>
  JSON.stringify({ pid, host, startedAt: Math.round(startedAt) });

describe('lockRun', () => {
  it('creates the lock with this process as holder and removes it on release', async () => {
    const lock = await lockRun(dir, 'r1');
    const held = JSON.parse(await readFile(lockPath(), 'utf8'));
    expect(held).toMatchObject({ pid: process.pid, host: hostname() });
    await lock.release();
    await expect(readFile(lockPath())).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('refuses a second lock while the first holder lives, naming its pid and, when it is this process, another call (exit 3)', async () => {
    const first = await lockRun(dir, 'r1');
    const err = await lockRun(dir, 'r1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).exitCode).toBe(3);
    expect((err as Error).message).toContain(`process ${process.pid}`);
    // This process holds it (a program calling the library twice at once): no advice to stop that process.
    expect((err as Error).message).toContain('in use by another call in this process');
    expect((err as Error).message).not.toContain('stop it');
    await first.release();
  });

  it('takes over the lock of a holder that is no longer running', async () => {
    const dead = deadPid();
    await writeFile(lockPath(), holder(dead));
    const lock = await lockRun(dir, 'r1');
    expect(JSON.parse(await readFile(lockPath(), 'utf8')).pid).toBe(process.pid);
    await lock.release();
  });

  it('takes over a lock whose pid now belongs to a process started after it (pid reused)', async () => {
    await writeFile(lockPath(), holder(process.pid, hostname(), Date.now() - process.uptime() * 1000 - 3_600_000));
    const lock = await lockRun(dir, 'r1');
    await lock.release();
  });

  it('takes over a torn lock (a crash while creating it)', async () => {
    await writeFile(lockPath(), '{"pid":');
    const lock = await lockRun(dir, 'r1');
    await lock.release();
  });

  it("refuses another host's lock, saying which file to remove if that process is surely gone", async () => {
    await writeFile(lockPath(), holder(1, 'elsewhere.example'));
    await expect(lockRun(dir, 'r1')).rejects.toThrow(/process 1 on elsewhere\.example.*delete .*lock/);
  });

  it('isAlive: this process yes, an exited one no', () => {
    expect(isAlive({ pid: process.pid, host: hostname(), startedAt: Date.now() })).toBe(true);
    expect(isAlive({ pid: deadPid(), host: hostname(), startedAt: Date.now() })).toBe(false);
  });
});
