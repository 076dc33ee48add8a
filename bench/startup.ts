/**
 * Start-up (issue #12, item 4): how long the built binary takes from being spawned to its first request to the
 * platform. The emulator runs in the bench process behind a small HTTP relay that stamps each request on arrival
 * (the emulator's own counts are taken when a request ends, and every 25 ms); the clock is the bench's
 * `performance.now()`, read just before `spawn`.
 *
 * The headline command is an apply of a 5-row file (`update <file> --yes --json --no-progress`), the path a real run
 * takes: argument parsing, configuration, reading and validating the file, the SDK, the login, the first search. The
 * goal is for every command, so the other commands that reach the platform are measured the same way (`OTHERS`): a
 * dry run of JSON Lines from stdin, an export of every column, and a rollback of one of the applies. Runs are
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

/** One command other than the headline apply, measured the same way. */
export interface StartupCommandRecord {
  command: string;
  runs: StartupRun[];
  medianFirstApiRequestMs?: number;
  medianCpuAtFirstApiRequestMs?: number;
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
  /** The other commands (`OTHERS`); absent from results recorded before they were measured. */
  others?: StartupCommandRecord[];
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
const medianOf = (runs: readonly StartupRun[], f: (r: StartupRun) => number | undefined): number | undefined =>
  median(runs.map(f).filter((x): x is number => x !== undefined));

const describe = (run: StartupRun): string =>
  `first request ${run.firstRequestMs?.toFixed(0)} ms, first /api ${run.firstApiRequestMs?.toFixed(0)} ms (CPU ${run.cpuAtFirstApiRequestMs?.toFixed(0)} ms), exit ${run.exitCode} after ${run.wallMs.toFixed(0)} ms`;

/** The run id an apply's `--json` document names. */
function runIdOf(stdout: string): string | undefined {
  try {
    const id = (JSON.parse(stdout) as { runId?: unknown }).runId;
    return typeof id === 'string' ? id : undefined;
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
  input?: string,
): Promise<{ at: number; run: StartupRun; stdout: string }> {
  return new Promise((resolve, reject) => {
    const at = performance.now();
    const child = spawn(process.execPath, args, {
      cwd,
      env,
      stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'ignore'],
    });
    relay.pid = child.pid;
    let stdout = '';
    child.stdout?.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stdin?.end(input);
    child.on('error', reject);
    child.on('close', (code) => resolve({ at, run: { wallMs: performance.now() - at, exitCode: code }, stdout }));
  });
}

/** Times one spawn of the CLI: notes its first request and first `/api/` request as the relay saw them. */
async function timedRun(
  relay: Relay,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
  input?: string,
): Promise<{ run: StartupRun; stdout: string }> {
  relay.arrivals.length = 0;
  const { at, run, stdout } = await spawnTimed(args, cwd, env, relay, input);
  const first = relay.arrivals[0];
  const firstApi = relay.arrivals.find((a) => a.path.startsWith('/api/'));
  if (first) run.firstRequestMs = first.at - at;
  if (firstApi) run.firstApiRequestMs = firstApi.at - at;
  if (firstApi?.cpuMs !== undefined) run.cpuAtFirstApiRequestMs = firstApi.cpuMs;
  return { run, stdout };
}

/**
 * The other commands that reach the platform, run `i` of each: what each is given and which of the applies a
 * rollback undoes (the run ids the applies printed, in order).
 */
interface OtherCommand {
  command: string;
  args(i: number, dir: string, applied: readonly string[]): string[] | undefined;
  input?(i: number, users: readonly { id: string }[]): string;
}

const OTHERS: readonly OtherCommand[] = [
  {
    command: 'genesys-bulk update - --format jsonl --dry-run --json --no-progress (5 rows by id on stdin)',
    args: () => ['update', '-', '--format', 'jsonl', '--dry-run', '--json', '--no-progress'],
    input: (i, users) =>
      users
        .slice(i * 5, i * 5 + 5)
        .map((u) => JSON.stringify({ id: u.id, title: `Stdin ${i}` }))
        .join('\n'),
  },
  {
    command: 'genesys-bulk export <file> --no-progress (every column)',
    args: (i, dir) => ['export', join(dir, `export-${i}.csv`), '--no-progress'],
  },
  {
    command: 'genesys-bulk rollback <run> --yes --json --no-progress (one of the 5-row applies)',
    args: (i, _dir, applied) =>
      applied[i] ? ['rollback', applied[i] as string, '--yes', '--json', '--no-progress'] : undefined,
  },
];

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
    const env = clientEnv({ url: relay.url, clientId: emu.clientId, clientSecret: emu.clientSecret });
    const state = ['--state-dir', join(dir, 'state')];
    const applied: string[] = [];
    for (let i = 0; i < options.runs; i++) {
      // A fresh file each run, so that every run has real changes to make.
      const csv = join(dir, `tiny-${i}.csv`);
      const lines = users.slice(i * 5, i * 5 + 5).map((u) => `${u.email},Startup ${i}`);
      writeFileSync(csv, `email,title\n${lines.join('\n')}\n`);
      const { run, stdout } = await timedRun(
        relay,
        [options.cli ?? CLI, 'update', csv, '--yes', '--json', '--no-progress', ...state],
        dir,
        env,
      );
      const runId = runIdOf(stdout);
      if (runId) applied.push(runId);
      runs.push(run);
      options.log?.(`  start-up run ${i + 1}: ${describe(run)}`);
    }
    const others: StartupCommandRecord[] = [];
    for (const other of OTHERS) {
      const otherRuns: StartupRun[] = [];
      for (let i = 0; i < options.runs; i++) {
        const args = other.args(i, dir, applied);
        if (!args) continue;
        const input = other.input?.(i, users);
        const { run } = await timedRun(relay, [options.cli ?? CLI, ...args, ...state], dir, env, input);
        otherRuns.push(run);
      }
      const record: StartupCommandRecord = { command: other.command, runs: otherRuns };
      const fa = medianOf(otherRuns, (r) => r.firstApiRequestMs);
      const fc = medianOf(otherRuns, (r) => r.cpuAtFirstApiRequestMs);
      if (fa !== undefined) record.medianFirstApiRequestMs = fa;
      if (fc !== undefined) record.medianCpuAtFirstApiRequestMs = fc;
      others.push(record);
      options.log?.(`  ${other.command}: median first /api ${fa?.toFixed(0)} ms over ${otherRuns.length} runs`);
    }
    const floors: { bare: number[]; sdk: number[] } = { bare: [], sdk: [] };
    for (let i = 0; i < options.runs; i++) {
      for (const kind of ['bare', 'sdk'] as const) {
        const { run } = await timedRun(relay, ['-e', floorScript(kind === 'sdk')], root, {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          GENESYS_BASE_URL: relay.url,
        });
        if (run.firstApiRequestMs !== undefined) floors[kind].push(run.firstApiRequestMs);
      }
    }
    const pick = (f: (r: StartupRun) => number | undefined) => medianOf(runs, f);
    const record: StartupRecord = {
      command: 'genesys-bulk update <5-row file> --yes --json --no-progress',
      runs,
      medianWallMs: pick((r) => r.wallMs) ?? 0,
      others,
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

/** The other commands' spawn to first `/api/` request; nothing for results recorded before they were measured. */
function othersTable(others: readonly StartupCommandRecord[] | undefined): string[] {
  if (!others?.length) return [];
  const ms = (x: number | undefined) => (x === undefined ? '–' : x.toFixed(0));
  const range = (runs: readonly StartupRun[]) => {
    const xs = runs.map((r) => r.firstApiRequestMs).filter((x): x is number => x !== undefined);
    return xs.length ? `${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)}` : '–';
  };
  return [
    '',
    '| Other command: spawn to first `/api/` request | Median (ms) | Range (ms) | CPU by then, median (ms) | Runs |',
    '|---|--:|--:|--:|--:|',
    ...others.map(
      (o) =>
        `| \`${o.command}\` | ${ms(o.medianFirstApiRequestMs)} | ${range(o.runs)} | ${ms(o.medianCpuAtFirstApiRequestMs)} | ${o.runs.length} |`,
    ),
  ];
}

/** The other command with the slowest median (undefined median: one made no request). */
export function slowestStartup(s: StartupRecord): { command: string; medianMs: number | undefined } | undefined {
  let slowest: { command: string; medianMs: number | undefined } | undefined;
  for (const o of s.others ?? []) {
    if (o.medianFirstApiRequestMs === undefined || o.runs.length === 0)
      return { command: o.command, medianMs: undefined };
    if (slowest?.medianMs === undefined || o.medianFirstApiRequestMs > slowest.medianMs) {
      slowest = { command: o.command, medianMs: o.medianFirstApiRequestMs };
    }
  }
  return slowest;
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
    ...othersTable(s.others),
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
