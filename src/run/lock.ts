import { readFileSync, unlinkSync } from 'node:fs';
import { open, readFile, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../errors.js';
import { PRIVATE_FILE_MODE } from '../fsutil.js';

/**
 * One process per run folder: `lock` is created with O_EXCL and holds who holds it. A lock whose holder is gone
 * (a crash, a kill -9) is taken over: its pid is not alive on this host, or is alive but started after the lock
 * was taken (the pid was reused). A lock from another host cannot be judged from here and is refused.
 */

export const LOCK_FILE = 'lock';
const TAKEOVER_FILE = 'lock.takeover';

export interface LockHolder {
  pid: number;
  host: string;
  /** When the holding process started (ms since the epoch). */
  startedAt: number;
}

export interface RunLock {
  readonly path: string;
  release(): Promise<void>;
}

const self = (): LockHolder => ({
  pid: process.pid,
  host: hostname(),
  startedAt: Math.round(Date.now() - process.uptime() * 1000),
});

/** Takes the lock of the run folder `dir` for this process; exit 3 naming the holder when a live process has it. */
export async function lockRun(dir: string, runId: string): Promise<RunLock> {
  const path = join(dir, LOCK_FILE);
  const me = self();
  const text = JSON.stringify(me);
  for (let attempt = 0; attempt < 3; attempt++) {
    if (await createExclusive(path, text)) return held(path, text);
    const holder = await readHolder(path);
    if (holder === undefined) continue; // released between our two calls
    if (holder !== null && isAlive(holder)) throw busy(runId, holder, path);
    // Only one process may take a stale lock over: the one that creates the takeover file.
    const guard = join(dir, TAKEOVER_FILE);
    if (!(await createExclusive(guard, text))) {
      const other = await readHolder(guard);
      if (other && isAlive(other)) throw busy(runId, other, path);
      await unlink(guard).catch(() => undefined);
      continue;
    }
    try {
      const again = await readHolder(path);
      if (again === undefined || JSON.stringify(again) === JSON.stringify(holder)) {
        await unlink(path).catch(() => undefined);
        if (await createExclusive(path, text)) return held(path, text);
      }
    } finally {
      await unlink(guard).catch(() => undefined);
    }
  }
  const holder = await readHolder(path);
  throw busy(runId, holder ?? undefined, path);
}

async function createExclusive(path: string, text: string): Promise<boolean> {
  try {
    const handle = await open(path, 'wx', PRIVATE_FILE_MODE);
    try {
      await handle.writeFile(text);
      await handle.sync();
    } finally {
      await handle.close();
    }
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new ConfigError(
      `Cannot create the lock ${path}: ${(err as Error).message}. Check the state folder's permissions.`,
    );
  }
}

/** The holder; null for a lock that cannot be read as one (torn by a crash at creation); undefined when absent. */
async function readHolder(path: string): Promise<LockHolder | null | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ConfigError(`Cannot read the lock ${path}: ${(err as Error).message}.`);
  }
  try {
    const h = JSON.parse(text) as LockHolder;
    return Number.isInteger(h.pid) && typeof h.host === 'string' ? h : null;
  } catch {
    return null;
  }
}

/** Whether the holder may still be running. Another host's holder is taken to be. */
export function isAlive(holder: LockHolder): boolean {
  if (holder.host !== hostname()) return true;
  try {
    process.kill(holder.pid, 0);
  } catch (err) {
    // EPERM: alive, under another user.
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  const started = processStartMs(holder.pid);
  // A process that started well after the lock was taken is not its holder: the pid was reused.
  return started === undefined || started <= holder.startedAt + 5_000;
}

/** When a process started, from /proc (Linux); undefined elsewhere. */
function processStartMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[19]);
    const btime = Number(/^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1]);
    if (!Number.isFinite(ticks) || !Number.isFinite(btime)) return undefined;
    // USER_HZ is 100 on every Linux that Node supports.
    return btime * 1000 + ticks * 10;
  } catch {
    return undefined;
  }
}

function busy(runId: string, holder: LockHolder | undefined, path: string): ConfigError {
  const started = holder ? `, started ${new Date(holder.startedAt).toISOString()}` : '';
  // A program calling the library twice at once: stopping "that process" would stop itself.
  if (holder && holder.pid === process.pid && holder.host === hostname())
    return new ConfigError(
      `Run ${runId} is in use by another call in this process (process ${holder.pid}${started}): one call per run. ` +
        'Wait for that call to settle, then make this one again.',
    );
  const who = holder ? `process ${holder.pid} on ${holder.host}${started}` : 'another process';
  return new ConfigError(
    `Run ${runId} is in use by ${who}: one process per run. Wait for it to finish` +
      (holder && holder.host !== hostname()
        ? `; if it is surely gone, delete ${path}.`
        : ', or stop it and run this again.'),
  );
}

function held(path: string, text: string): RunLock {
  // A second Ctrl-C exits through process.exit: the lock goes with it.
  const onExit = () => {
    try {
      if (readFileSync(path, 'utf8') === text) unlinkSync(path);
    } catch {
      // Gone already.
    }
  };
  process.once('exit', onExit);
  return {
    path,
    release: async () => {
      process.off('exit', onExit);
      onExit();
    },
  };
}
