import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { closeSync, openSync, readdirSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli.js';
import { type EmulatorOptions, type RunningEmulator, startEmulator } from '../../src/emulator/index.js';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const BIN = join(ROOT, 'bin', 'genesys-bulk.js');

let checkedBuild = false;

/**
 * A spawned CLI runs dist/ (its bundle, dist/bundle/, made last by the build): refuses to run a test against a build
 * older than the source it was made from, so that a focused `npx vitest run` after an edit cannot pass on stale code.
 * `npm test` builds first.
 */
export function requireFreshBuild(): void {
  if (checkedBuild) return;
  const newest = (dir: string): number =>
    Math.max(
      0,
      ...readdirSync(dir, { withFileTypes: true }).map((e) =>
        e.isDirectory() ? newest(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs,
      ),
    );
  let built = 0;
  try {
    built = statSync(join(ROOT, 'dist', 'bundle', 'cli.js')).mtimeMs;
  } catch {}
  if (built < newest(join(ROOT, 'src')))
    throw new Error('dist/ is missing or older than src/: run `npm run build` (npm test does) before spawned tests.');
  checkedBuild = true;
}

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
  /** Spawned only: start the CLI with stdin redirected from this file (`< file`). */
  stdinFile?: string;
  /** Spawned only: kill the process after this many ms (a bound, not an assertion). Default 120 s. */
  timeoutMs?: number;
}

/**
 * Runs the CLI in this process, from the source (never a stale build), through `main(argv, io)` with everything it
 * could take from the process given instead: the streams (not terminals), the environment (only what a spawned CLI
 * would get), the working folder, no controlling terminal to ask on, and signals and exiting kept to itself.
 */
export async function runCli(args: string[], opts: CliOptions = {}): Promise<CliResult> {
  // To compare with the built CLI, or time the difference: GENESYS_BULK_E2E_SPAWN=1 npx vitest run test/e2e
  // stdin redirected from a file is a real descriptor only a process has.
  if (process.env.GENESYS_BULK_E2E_SPAWN === '1' || opts.stdinFile) return runCliProcess(args, opts);
  const collect = () => {
    const stream = new PassThrough();
    let text = '';
    stream.setEncoding('utf8').on('data', (d: string) => {
      text += d;
    });
    return { stream, text: () => text };
  };
  const stdout = collect();
  const stderr = collect();
  const code = await main(['node', 'genesys-bulk', ...args], {
    stdout: stdout.stream,
    stderr: stderr.stream,
    stdin: Readable.from(opts.stdinNull ? [] : [opts.stdin ?? '']),
    openTerminal: () => undefined,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...opts.env },
    cwd: opts.cwd ?? ROOT,
    signals: new EventEmitter(),
    exit: (c) => {
      throw new Error(`the CLI asked to exit (${c}) in-process`);
    },
  });
  // Let the last writes reach the collectors.
  await new Promise((r) => setImmediate(r));
  return { code, signal: null, stdout: stdout.text(), stderr: stderr.text() };
}

/**
 * Runs the built CLI (`npm run build` first; `npm test` does) as a separate process, as an admin would. It starts in
 * a session of its own (setsid): it has no controlling terminal, so it can never ask the terminal the tests run in.
 */
export function runCliProcess(args: string[], opts: CliOptions = {}): Promise<CliResult> {
  requireFreshBuild();
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
  /** The CLI in-process (runCli). */
  cli(args: string[], opts?: CliOptions): Promise<CliResult>;
  /** The built CLI as a process of its own (runCliProcess): for what only a process shows. */
  spawnCli(args: string[], opts?: CliOptions): Promise<CliResult>;
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
    spawnCli: (args, opts = {}) => runCliProcess(args, { cwd: dir, ...opts, env: { ...env, ...opts.env } }),
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
