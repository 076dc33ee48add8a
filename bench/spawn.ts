/**
 * Runs one client as a child process and measures it from outside, the same way for every client: GNU time
 * (`/usr/bin/time`) waits for the Node process and reports its user+system CPU and peak RSS from the kernel's
 * rusage. The bench only reads numbers the kernel kept, so no client has to cooperate, and a client killed at its
 * timeout is still measured.
 *
 * On timeout the bench does what an admin does: Ctrl-C (SIGINT to the process group; GNU time ignores SIGINT and
 * keeps waiting for its child), then SIGKILL to the Node process if it has not exited after a grace period.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const GNU_TIME = '/usr/bin/time';

/** A client's whole environment: the emulator's settings and no more, so the bench machine's own never leak in. */
export function clientEnv(emu: { url: string; clientId: string; clientSecret: string }): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    LANG: process.env.LANG,
    GENESYS_BASE_URL: emu.url,
    GENESYS_CLIENT_ID: emu.clientId,
    GENESYS_CLIENT_SECRET: emu.clientSecret,
    NO_COLOR: '1',
  };
}
const GRACE_MS = 10_000;
/** After SIGKILL to the group a process cannot linger; this only bounds the wait if something is very wrong. */
const HARD_EXIT_MS = 5_000;

export interface SpawnOptions {
  /** Arguments after `node`. */
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
  /** Prefix of the files that keep the child's output and measurements. */
  name: string;
  /** Aborting it interrupts the client as an admin would, once (Ctrl-C); not counted as a timeout. */
  interrupt?: AbortSignal;
}

export interface SpawnResult {
  wallMs: number;
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  /** Sum of user and system CPU of the Node process, from rusage; undefined if GNU time could not report. */
  cpuMs?: number;
  /** Peak resident set size of the Node process, in KiB, from rusage. */
  maxRssKb?: number;
  stdout: string;
  stderrTail: string;
}

export function checkGnuTime(): void {
  if (!existsSync(GNU_TIME)) {
    throw new Error(`${GNU_TIME} not found: the bench measures CPU and peak RSS with GNU time (apt-get install time).`);
  }
}

function childPidsOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // Already gone.
  }
}

export function runMeasured(options: SpawnOptions): Promise<SpawnResult> {
  const timeFile = join(options.cwd, `${options.name}.time`);
  const outFile = join(options.cwd, `${options.name}.stdout`);
  const errFile = join(options.cwd, `${options.name}.stderr`);
  const out = openSync(outFile, 'w');
  const err = openSync(errFile, 'w');
  const started = performance.now();
  const child = spawn(
    GNU_TIME,
    ['-f', 'cpu_user=%U cpu_sys=%S maxrss_kb=%M', '-o', timeFile, process.execPath, ...options.args],
    { cwd: options.cwd, env: options.env, detached: true, stdio: ['ignore', out, err] },
  );
  closeSync(out);
  closeSync(err);
  const timePid = child.pid;
  let timedOut = false;
  const timers: NodeJS.Timeout[] = [];

  return new Promise((resolve, reject) => {
    child.on('error', reject);
    if (timePid === undefined) return;
    options.interrupt?.addEventListener('abort', () => signal(-timePid, 'SIGINT'), { once: true });
    timers.push(
      setTimeout(() => {
        timedOut = true;
        signal(-timePid, 'SIGINT');
        timers.push(
          setTimeout(() => {
            for (const pid of childPidsOf(timePid)) signal(pid, 'SIGKILL');
            timers.push(setTimeout(() => signal(-timePid, 'SIGKILL'), HARD_EXIT_MS));
          }, GRACE_MS),
        );
      }, options.timeoutMs),
    );
    child.on('exit', (code, sig) => {
      const wallMs = performance.now() - started;
      for (const t of timers) clearTimeout(t);
      const result: SpawnResult = {
        wallMs,
        exitCode: code,
        signal: sig,
        timedOut,
        stdout: readFileSync(outFile, 'utf8'),
        stderrTail: readFileSync(errFile, 'utf8').slice(-4000),
      };
      const timeText = existsSync(timeFile) ? readFileSync(timeFile, 'utf8') : '';
      const m = /cpu_user=([\d.]+) cpu_sys=([\d.]+) maxrss_kb=(\d+)/.exec(timeText);
      if (m) {
        result.cpuMs = (Number(m[1]) + Number(m[2])) * 1000;
        result.maxRssKb = Number(m[3]);
      }
      // GNU time exits with the child's status, or 128+signal when the child was killed.
      const killed = /Command terminated by signal (\d+)/.exec(timeText);
      if (killed) result.signal = `signal ${killed[1]}`;
      const exited = /Command exited with non-zero status (\d+)/.exec(timeText);
      if (exited) result.exitCode = Number(exited[1]);
      resolve(result);
    });
  });
}

/** The client's JSON result: a whole-stdout JSON document, or else the last line that parses. */
export function parseJsonOutput(stdout: string): unknown {
  const text = stdout.trim();
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    const lines = text.split('\n');
    for (let i = lines.length - 1; i >= 0 && i >= lines.length - 50; i--) {
      try {
        return JSON.parse(lines[i] ?? '');
      } catch {
        // Not JSON; keep looking.
      }
    }
    return undefined;
  }
}
