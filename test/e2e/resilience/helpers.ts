import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { RunningEmulator } from '../../../src/emulator/index.js';
import type { GenesysUser } from '../../../src/genesys/types.js';
import type { ReportRecord } from '../../../src/report.js';
import type { RunMeta } from '../../../src/run/folder.js';
import { type JournalRecord, readJournal } from '../../../src/run/journal.js';
import { BIN, type CliResult, requireFreshBuild } from '../harness.js';

export const STATE = '.genesys-bulk';

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it returns a value other than undefined/false; throws after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs: number,
  intervalMs = 10,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

export interface RunningCli {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves when the process has exited (bounded by the spawn's timeout). */
  done: Promise<CliResult & { elapsedMs: number }>;
}

/** Spawns the built CLI without waiting for it, so that a test can signal it mid-run. */
export function spawnCli(
  args: string[],
  opts: { cwd: string; env: Record<string, string>; timeoutMs?: number },
): RunningCli {
  requireFreshBuild();
  const started = Date.now();
  const child = spawn(process.execPath, ['--', BIN, ...args], {
    cwd: opts.cwd,
    env: { PATH: process.env.PATH, HOME: opts.cwd, ...opts.env },
    stdio: ['pipe', 'pipe', 'pipe'],
    // No controlling terminal, as in runCli.
    detached: true,
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
  });
  child.stderr?.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  child.stdin?.end('');
  const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 90_000);
  const done = new Promise<CliResult & { elapsedMs: number }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, elapsedMs: Date.now() - started });
    });
  });
  return { child, stdout: () => stdout, stderr: () => stderr, done };
}

export async function runIds(stateDir: string): Promise<string[]> {
  try {
    return (await readdir(join(stateDir, 'runs'))).filter((n) => /^\d{8}-\d{6}-[0-9a-f]{6}$/.test(n)).sort();
  } catch {
    return [];
  }
}

/** The id of the only run whose run.json exists, once it does. */
export async function soleRunId(stateDir: string): Promise<string | undefined> {
  const ids = await runIds(stateDir);
  if (ids.length !== 1) return undefined;
  return existsSync(join(stateDir, 'runs', ids[0]!, 'run.json')) ? ids[0] : undefined;
}

export async function runMeta(stateDir: string, runId: string): Promise<RunMeta> {
  return JSON.parse(await readFile(join(stateDir, 'runs', runId, 'run.json'), 'utf8')) as RunMeta;
}

export function journal(stateDir: string, runId: string): Promise<JournalRecord[]> {
  return readJournal(join(stateDir, 'runs', runId));
}

/** Rows with an intent and no outcome after it: writes whose fate the journal does not know. */
export function unsettledRows(records: JournalRecord[]): Set<number> {
  const open = new Set<number>();
  for (const r of records) {
    if (r.t === 'intent') open.add(r.row);
    else open.delete(r.row);
  }
  return open;
}

export async function readJsonl<T>(path: string): Promise<T[]> {
  const text = await readFile(path, 'utf8');
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as T);
}

export const readReport = (path: string) => readJsonl<ReportRecord>(path);

/** A CSV keyed by id that sets `title` for each user: the title names the user, so every row changes it. */
export async function titleCsv(path: string, users: GenesysUser[], prefix: string): Promise<Map<string, string>> {
  const wanted = new Map(users.map((u, i) => [u.id, `${prefix} ${i + 1}`]));
  await writeFile(path, `id,title\n${[...wanted].map(([id, title]) => `${id},${title}`).join('\n')}\n`);
  return wanted;
}

/** Active users of the directory, in directory order. */
export function activeUsers(emulator: RunningEmulator, count: number): GenesysUser[] {
  const users = emulator.users().filter((u) => u.state === 'active');
  if (users.length < count) throw new Error(`the directory has only ${users.length} active users`);
  return users.slice(0, count);
}

/** The user with `version` left out, for comparing profiles. */
export function profile(user: GenesysUser | undefined): Omit<GenesysUser, 'version'> | undefined {
  if (!user) return undefined;
  const { version: _v, ...rest } = user;
  return rest;
}

export interface TokenProxy {
  url: string;
  /** Every access token the login endpoint handed out through this proxy. */
  tokens: string[];
  /** Every bearer token presented on /api requests. */
  presented: Set<string>;
  close(): Promise<void>;
}

/**
 * A loopback pass-through in front of the emulator that reads the tokens the emulator issues to the CLI (the
 * emulator does not expose them), so a test can look for exactly those tokens in the CLI's output and files.
 */
export async function tokenProxy(target: string): Promise<TokenProxy> {
  const upstream = new URL(target);
  const tokens: string[] = [];
  const presented = new Set<string>();
  const server: Server = createServer((req, res) => {
    const auth = req.headers.authorization;
    const bearer = auth ? /^bearer\s+(\S+)/i.exec(auth)?.[1] : undefined;
    if (bearer) presented.add(bearer);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const up = httpRequest(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: upstream.host },
        },
        (upRes) => {
          const body: Buffer[] = [];
          upRes.on('data', (c: Buffer) => body.push(c));
          upRes.on('end', () => {
            const payload = Buffer.concat(body);
            if ((req.url ?? '').endsWith('/oauth/token') && upRes.statusCode === 200) {
              const token = (JSON.parse(payload.toString('utf8')) as { access_token?: string }).access_token;
              if (token) tokens.push(token);
            }
            res.writeHead(upRes.statusCode ?? 502, upRes.headers);
            res.end(payload);
          });
          upRes.on('error', () => res.destroy());
        },
      );
      // The emulator drops a connection to simulate a lost response: pass the drop on.
      up.on('error', () => res.destroy());
      up.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    tokens,
    presented,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Every file under `dir`, recursively (hidden ones included), with its content. */
export async function allFiles(dir: string): Promise<{ path: string; content: string }[]> {
  const out: { path: string; content: string }[] = [];
  const walk = async (d: string) => {
    for (const entry of await readdir(d, { withFileTypes: true })) {
      const p = join(d, entry.name);
      if (entry.isDirectory()) await walk(p);
      else if (entry.isFile()) out.push({ path: p, content: await readFile(p, 'latin1') });
    }
  };
  await walk(dir);
  return out;
}

/** "Another admin": a PATCH through the emulator's API with a token of its own, at the user's current version. */
export async function adminEdit(
  emulator: RunningEmulator,
  userId: string,
  fields: Record<string, string>,
): Promise<GenesysUser> {
  const login = await fetch(`${emulator.url}/oauth/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${emulator.clientId}:${emulator.clientSecret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: 'grant_type=client_credentials',
  });
  const { access_token: token } = (await login.json()) as { access_token: string };
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const current = (await (await fetch(`${emulator.url}/api/v2/users/${userId}`, { headers })).json()) as GenesysUser;
  const res = await fetch(`${emulator.url}/api/v2/users/${userId}`, {
    method: 'PATCH',
    headers,
    body: JSON.stringify({ ...fields, version: current.version }),
  });
  if (res.status !== 200) throw new Error(`admin edit of ${userId} failed: ${res.status} ${await res.text()}`);
  return (await res.json()) as GenesysUser;
}

/** Changes the emulator's configuration over its admin API (e.g. latency, which has no in-process setter). */
export async function configure(emulator: RunningEmulator, config: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${emulator.url}/__emulator/config`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(config),
  });
  if (res.status !== 200) throw new Error(`emulator config failed: ${res.status} ${await res.text()}`);
}
