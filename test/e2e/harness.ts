import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type EmulatorOptions, type RunningEmulator, startEmulator } from '../../src/emulator/index.js';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const BIN = join(ROOT, 'bin', 'genesys-bulk.js');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  stdin?: string;
  /** Start the CLI with stdin on /dev/null instead of a pipe carrying `stdin`. */
  stdinNull?: boolean;
  /** Start the CLI with stdin redirected from this file (`< file`). */
  stdinFile?: string;
  /** Kill the process after this many ms (a bound, not an assertion). Default 120 s. */
  timeoutMs?: number;
}

/**
 * Runs the built CLI (`npm run build` first; `npm test` does) as a separate process, as an admin would. It starts in
 * a session of its own (setsid): it has no controlling terminal, so it can never ask the terminal the tests run in.
 */
export function runCli(args: string[], opts: CliOptions = {}): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const fd = opts.stdinFile ? openSync(opts.stdinFile, 'r') : undefined;
    const child = spawn(process.execPath, ['--', BIN, ...args], {
      cwd: opts.cwd ?? ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...opts.env },
      stdio: [fd ?? (opts.stdinNull ? 'ignore' : 'pipe'), 'pipe', 'pipe'],
      detached: true,
    });
    if (fd !== undefined) closeSync(fd);
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code, signal, stdout, stderr });
    });
    child.stdin?.end(opts.stdin ?? '');
  });
}

export interface Sandbox {
  emulator: RunningEmulator;
  dir: string;
  /** The environment a user would have after pasting the emulator's lines into .env. */
  env: Record<string, string>;
  cli(args: string[], opts?: CliOptions): Promise<CliResult>;
  close(): Promise<void>;
}

/** A fresh emulator and a private working folder (its own state directory) for one test. */
export async function sandbox(options: EmulatorOptions = {}): Promise<Sandbox> {
  const emulator = await startEmulator({ users: 200, seed: 11, limit: 10_000, windowSeconds: 60, ...options });
  const dir = await mkdtemp(join(tmpdir(), 'genesys-bulk-e2e-'));
  const env = {
    GENESYS_BASE_URL: emulator.url,
    GENESYS_CLIENT_ID: emulator.clientId,
    GENESYS_CLIENT_SECRET: emulator.clientSecret,
  };
  return {
    emulator,
    dir,
    env,
    cli: (args, opts = {}) => runCli(args, { cwd: dir, ...opts, env: { ...env, ...opts.env } }),
    close: async () => {
      await emulator.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** PATCHes the emulator applied, whatever their response. */
export function patchesApplied(emulator: RunningEmulator): number {
  return emulator.stats().patchesApplied;
}
