/**
 * Start-up (issue #12, item 4): how long the built binary takes from being spawned to its first request to the
 * platform. The emulator runs in the bench process behind a small HTTP relay that stamps each request on arrival
 * (the emulator's own counts are taken when a request ends, and every 25 ms); the clock is the bench's
 * `performance.now()`, read just before `spawn`.
 *
 * The command is an apply of a 5-row file (`update <file> --yes --json --no-progress`), the path a real run takes:
 * argument parsing, configuration, reading and validating the file, the SDK, the login, the first search. Runs are
 * repeated and the median reported, with the load average around them, as the machine may be shared.
 *
 *   tsx bench/startup.ts [--runs N] [--cli path/to/bin.js]   standalone: a table, then the raw figures as JSON
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startEmulator } from '../src/emulator/index.js';
import { clientEnv } from './spawn.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(root, 'bin', 'genesys-bulk.js');
/** The goal the issue sets, from spawn to the first API request. */
export const STARTUP_GOAL_MS = 400;

export interface StartupRun {
  /** Spawn to the first request of any kind (the login, `POST /oauth/token`). */
  firstRequestMs?: number;
  /** Spawn to the first `/api/` request. */
  firstApiRequestMs?: number;
  /** CPU (user + system) the process had used when its first `/api/` request arrived: the part load does not inflate. */
  cpuAtFirstApiRequestMs?: number;
  /** Spawn to exit. */
  wallMs: number;
  exitCode: number | null;
}

export interface StartupRecord {
  command: string;
  runs: StartupRun[];
  medianFirstRequestMs?: number;
  medianFirstApiRequestMs?: number;
  medianCpuAtFirstApiRequestMs?: number;
  medianWallMs: number;
  /**
   * The floor, measured the same way: a bare Node process that sends one `/api/` request at once, and one that
   * first loads the platform SDK (which every run needs before its first request). Medians of spawn to that request.
   */
  floorBareNodeMs?: number;
  floorNodeWithSdkMs?: number;
  /** 1-minute load average before and after the runs. */
  loadBefore: number;
  loadAfter: number;
}

const median = (xs: number[]): number | undefined => {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1]! + s[mid]!) / 2;
};

/** A process's CPU time so far (user + system), from /proc; undefined where there is none. */
function cpuMsOf(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15, in clock ticks.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}
/** USER_HZ: 100 on every Linux that matters here. */
const CLOCK_TICKS = 100;

interface Relay {
  url: string;
  arrivals: { at: number; path: string; cpuMs?: number }[];
  /** The process whose CPU time each arrival notes. */
  pid?: number;
  close(): Promise<void>;
}

/** Forwards every request to `target` unchanged, noting when it arrived. */
async function startRelay(target: string): Promise<Relay> {
  const to = new URL(target);
  const relay: Relay = { url: '', arrivals: [], close: async () => {} };
  const server: Server = createServer((req, res) => {
    const at = performance.now();
    const cpuMs = cpuMsOf(relay.pid);
    relay.arrivals.push({ at, path: req.url ?? '', ...(cpuMs !== undefined && { cpuMs }) });
    const upstream = httpRequest(
      { host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  relay.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  relay.close = () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return relay;
}

function spawnTimed(
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
  relay: Relay,
): Promise<{ at: number; run: StartupRun }> {
  return new Promise((resolve, reject) => {
    const at = performance.now();
    const child = spawn(process.execPath, args, { cwd, env, stdio: 'ignore' });
    relay.pid = child.pid;
    child.on('error', reject);
    child.on('exit', (code) => resolve({ at, run: { wallMs: performance.now() - at, exitCode: code } }));
  });
}

/** A Node process that sends one GET to `/api/v2/users/me` on the relay, after loading the SDK when `sdk`. */
function floorScript(sdk: boolean): string {
  const load = sdk ? "require('purecloud-platform-client-v2');" : '';
  return `${load}fetch(process.env.GENESYS_BASE_URL + '/api/v2/users/me').then(() => {}, () => {});`;
}

export async function runStartup(options: {
  runs: number;
  /** The binary to start (default this checkout's bin/genesys-bulk.js). */
  cli?: string;
  log?: (m: string) => void;
}): Promise<StartupRecord> {
  const dir = mkdtempSync(join(tmpdir(), 'genesys-bulk-startup-'));
  const emu = await startEmulator({ users: 200, seed: 4, limit: 1_000_000, windowSeconds: 1, latencyMs: [0, 0] });
  const relay = await startRelay(emu.url);
  try {
    const users = emu.users().filter((u) => u.state === 'active' && u.email);
    const loadBefore = loadavg()[0]!;
    const runs: StartupRun[] = [];
    for (let i = 0; i < options.runs; i++) {
      // A fresh file each run, so that every run has real changes to make.
      const csv = join(dir, `tiny-${i}.csv`);
      const lines = users.slice(i * 5, i * 5 + 5).map((u) => `${u.email},Startup ${i}`);
      writeFileSync(csv, `email,title\n${lines.join('\n')}\n`);
      relay.arrivals.length = 0;
      const { at, run } = await spawnTimed(
        [options.cli ?? CLI, 'update', csv, '--yes', '--json', '--no-progress', '--state-dir', join(dir, 'state')],
        dir,
        clientEnv({ url: relay.url, clientId: emu.clientId, clientSecret: emu.clientSecret }),
        relay,
      );
      const first = relay.arrivals[0];
      const firstApi = relay.arrivals.find((a) => a.path.startsWith('/api/'));
      if (first) run.firstRequestMs = first.at - at;
      if (firstApi) run.firstApiRequestMs = firstApi.at - at;
      if (firstApi?.cpuMs !== undefined) run.cpuAtFirstApiRequestMs = firstApi.cpuMs;
      runs.push(run);
      options.log?.(
        `  start-up run ${i + 1}: first request ${run.firstRequestMs?.toFixed(0)} ms, first /api ${run.firstApiRequestMs?.toFixed(0)} ms (CPU ${run.cpuAtFirstApiRequestMs?.toFixed(0)} ms), exit ${run.exitCode} after ${run.wallMs.toFixed(0)} ms`,
      );
    }
    const floors: { bare: number[]; sdk: number[] } = { bare: [], sdk: [] };
    for (let i = 0; i < options.runs; i++) {
      for (const kind of ['bare', 'sdk'] as const) {
        relay.arrivals.length = 0;
        const { at } = await spawnTimed(
          ['-e', floorScript(kind === 'sdk')],
          root,
          { PATH: process.env.PATH, HOME: process.env.HOME, GENESYS_BASE_URL: relay.url },
          relay,
        );
        const firstApi = relay.arrivals.find((a) => a.path.startsWith('/api/'));
        if (firstApi) floors[kind].push(firstApi.at - at);
      }
    }
    const pick = (f: (r: StartupRun) => number | undefined) =>
      median(runs.map(f).filter((x): x is number => x !== undefined));
    const record: StartupRecord = {
      command: 'genesys-bulk update <5-row file> --yes --json --no-progress',
      runs,
      medianWallMs: pick((r) => r.wallMs) ?? 0,
      loadBefore,
      loadAfter: loadavg()[0]!,
    };
    const fr = pick((r) => r.firstRequestMs);
    const fa = pick((r) => r.firstApiRequestMs);
    const fc = pick((r) => r.cpuAtFirstApiRequestMs);
    if (fr !== undefined) record.medianFirstRequestMs = fr;
    if (fa !== undefined) record.medianFirstApiRequestMs = fa;
    if (fc !== undefined) record.medianCpuAtFirstApiRequestMs = fc;
    const bare = median(floors.bare);
    const withSdk = median(floors.sdk);
    if (bare !== undefined) record.floorBareNodeMs = bare;
    if (withSdk !== undefined) record.floorNodeWithSdkMs = withSdk;
    return record;
  } finally {
    await relay.close();
    await emu.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export function startupTable(s: StartupRecord | undefined): string {
  if (!s) return '_Not run._';
  const ms = (x: number | undefined) => (x === undefined ? '–' : x.toFixed(0));
  const range = (f: (r: StartupRun) => number | undefined) => {
    const xs = s.runs.map(f).filter((x): x is number => x !== undefined);
    return xs.length ? `${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)}` : '–';
  };
  return [
    '| Spawn to | Median (ms) | Range (ms) |',
    '|---|--:|--:|',
    `| first request (\`POST /oauth/token\`) | ${ms(s.medianFirstRequestMs)} | ${range((r) => r.firstRequestMs)} |`,
    `| first \`/api/\` request | ${ms(s.medianFirstApiRequestMs)} | ${range((r) => r.firstApiRequestMs)} |`,
    `| exit | ${ms(s.medianWallMs)} | ${range((r) => r.wallMs)} |`,
    `| CPU used by the first \`/api/\` request | ${ms(s.medianCpuAtFirstApiRequestMs)} | ${range((r) => r.cpuAtFirstApiRequestMs)} |`,
    `| _floor: bare Node, one request_ | ${ms(s.floorBareNodeMs)} | |`,
    `| _floor: Node + the SDK, one request_ | ${ms(s.floorNodeWithSdkMs)} | |`,
    '',
    `${s.runs.length} runs of \`${s.command}\`; load average ${s.loadBefore.toFixed(2)} before, ${s.loadAfter.toFixed(2)} after.`,
  ].join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '7' }, cli: { type: 'string' } } });
  const record = await runStartup({
    runs: Number(values.runs),
    ...(values.cli !== undefined && { cli: values.cli }),
    log: (m) => process.stderr.write(`${m}\n`),
  });
  process.stdout.write(`${startupTable(record)}\n\n${JSON.stringify(record)}\n`);
}
