/**
 * Export at scale (issue #11, item 1): `genesys-bulk export users.csv` of every column, run as a separate process of
 * the built CLI under GNU time (peak RSS from the kernel), against one emulator whose generated directory carries
 * routing assignments (skills, languages, queues, role grants in divisions, groups, locations, profile lists). The
 * limit never binds and there is no latency, so the figures are the tool's own. Measured: peak RSS (goal < 200 MB),
 * the API calls against the bound README "Export" documents, computed from the emulator's data (goal ≤ 1.05), and
 * the rows against the emulator's state (every user once; a seeded sample of rows, every cell).
 *
 *   tsx bench/export.ts [--users N] [--sample N] [--cli path/to/bin.js] [--keep]   standalone: a table, then JSON
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parse } from 'csv-parse/sync';
import { startEmulator } from '../src/emulator/index.js';
import { checkExport, type ExportBound, type ExportCheck, exportBound } from './export-check.js';
import { clientEnv, runMeasured } from './spawn.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(root, 'bin', 'genesys-bulk.js');
/** The goals issue #11 sets: peak RSS (MB) and calls ÷ the documented bound. */
export const EXPORT_GOALS = { rssMb: 200, ratio: 1.05 } as const;
const TOKEN_ROUTE = 'POST /oauth/token';

export interface ExportRecord {
  users: number;
  seed: number;
  command: string;
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  wallSeconds: number;
  cpuMs?: number;
  maxRssKb?: number;
  /** CPU of the bench process while the export ran: the emulator's, serving it. */
  emulatorCpuMs: number;
  fileBytes?: number;
  columns: string[];
  /** API calls the emulator answered or refused (the login's token request left out). */
  calls: number;
  callsByRoute: Record<string, number>;
  rateLimited: number;
  bound: ExportBound;
  /** calls ÷ bound.total. */
  ratio: number;
  check?: ExportCheck;
  loadBefore: number;
  loadAfter: number;
  stderrTail?: string;
}

export async function runExport(options: {
  users: number;
  sample?: number;
  seed?: number;
  cli?: string;
  keep?: boolean;
  timeoutSeconds?: number;
  log?: (m: string) => void;
}): Promise<ExportRecord> {
  const log = options.log ?? (() => {});
  const seed = options.seed ?? 4;
  const dir = mkdtempSync(join(tmpdir(), 'genesys-bulk-export-'));
  log(`export: generating ${options.users} users with routing assignments`);
  const emu = await startEmulator({
    users: options.users,
    seed,
    limit: 1_000_000,
    windowSeconds: 1,
    latencyMs: [0, 0],
  });
  const loadBefore = loadavg()[0]!;
  try {
    const file = join(dir, 'users.csv');
    const args = ['export', file, '--no-progress', '--state-dir', join(dir, 'state')];
    log(`export: genesys-bulk ${args.join(' ')}`);
    const cpuBefore = process.cpuUsage();
    const result = await runMeasured({
      args: [options.cli ?? CLI, ...args],
      cwd: dir,
      env: clientEnv(emu),
      timeoutMs: (options.timeoutSeconds ?? 3600) * 1000,
      name: 'export',
    });
    const emulatorCpu = process.cpuUsage(cpuBefore);
    const stats = emu.stats();
    const callsByRoute: Record<string, number> = {};
    for (const [route, statuses] of Object.entries(stats.byRoute)) {
      if (route === TOKEN_ROUTE) continue;
      callsByRoute[route] = Object.values(statuses).reduce((a, b) => a + b, 0);
    }
    const calls = Object.values(callsByRoute).reduce((a, b) => a + b, 0);
    const bound = exportBound(emu);
    const record: ExportRecord = {
      users: options.users,
      seed,
      command: 'genesys-bulk export users.csv --no-progress',
      exitCode: result.exitCode,
      signal: result.signal,
      timedOut: result.timedOut,
      wallSeconds: result.wallMs / 1000,
      emulatorCpuMs: (emulatorCpu.user + emulatorCpu.system) / 1000,
      columns: [],
      calls,
      callsByRoute,
      rateLimited: stats.rateLimited,
      bound,
      ratio: calls / bound.total,
      loadBefore,
      loadAfter: loadavg()[0]!,
    };
    if (result.cpuMs !== undefined) record.cpuMs = result.cpuMs;
    if (result.maxRssKb !== undefined) record.maxRssKb = result.maxRssKb;
    if (result.exitCode !== 0) record.stderrTail = result.stderrTail;
    log(
      `  exit ${result.exitCode}, ${record.wallSeconds.toFixed(1)} s, peak RSS ${((record.maxRssKb ?? 0) / 1024).toFixed(0)} MB, ${calls} calls, bound ${bound.total} (ratio ${record.ratio.toFixed(3)})`,
    );
    if (result.exitCode === 0) {
      record.fileBytes = statSync(file).size;
      const [header = [], ...rows] = parse(readFileSync(file, 'utf8'), { bom: true }) as string[][];
      record.columns = header;
      record.check = checkExport(emu, header, rows, options.sample ?? 500, seed);
      const c = record.check;
      log(
        `  ${c.rows} rows of ${c.expectedRows} users (${c.duplicateIds} duplicate, ${c.missingIds} missing); ${c.sampled} sampled, ${c.differingRows} differ (${c.differingCells} cells)${c.uncheckedColumns.length ? `; unchecked: ${c.uncheckedColumns.join(', ')}` : ''}`,
      );
    }
    return record;
  } finally {
    await emu.stop();
    if (options.keep) log(`kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

const mb = (kb: number | undefined): string => (kb === undefined ? '–' : (kb / 1024).toFixed(0));

/** Whether the export met its goals: finished, under the memory goal, within the bound, and every row right. */
export function exportPasses(e: ExportRecord): { rss: boolean; calls: boolean; rows: boolean } {
  const c = e.check;
  return {
    rss: e.exitCode === 0 && e.maxRssKb !== undefined && e.maxRssKb / 1024 < EXPORT_GOALS.rssMb,
    calls: e.exitCode === 0 && e.ratio <= EXPORT_GOALS.ratio,
    rows:
      c !== undefined &&
      c.rows === c.expectedRows &&
      c.duplicateIds === 0 &&
      c.missingIds === 0 &&
      c.differingRows === 0 &&
      c.uncheckedColumns.length === 0,
  };
}

export function exportTable(e: ExportRecord | undefined): string {
  if (!e) return '_Not run._';
  const b = e.bound;
  const c = e.check;
  const route = (r: string) => e.callsByRoute[r] ?? 0;
  const queueMembers = route('GET /api/v2/routing/queues/{queueId}/members');
  const groupMembers = route('GET /api/v2/groups/{groupId}/members');
  const grants = route('GET /api/v2/authorization/subjects/{subjectId}');
  const listing = route('GET /api/v2/users');
  const other = e.calls - queueMembers - groupMembers - grants - listing;
  return [
    '| Calls for | Bound | Made |',
    '|---|--:|--:|',
    `| user listing pages (\`expand\` skills, languages) | ${b.listingPages} | ${listing} |`,
    `| catalogue pages (divisions, skills, languages, queues, roles, locations, groups) | ${b.cataloguePages} | ${other} |`,
    `| queue member listings | ${b.queueMemberPages} | ${queueMembers} |`,
    `| group member listings | ${b.groupMemberPages} | ${groupMembers} |`,
    `| grants, 1 per user (\`roles\`) | ${b.grants} | ${grants} |`,
    `| **Total** | **${b.total}** | **${e.calls}** (ratio ${e.ratio.toFixed(3)}) |`,
    '',
    '| Peak RSS (MB) | Goal (MB) | Wall (s) | CPU (s) | Emulator CPU (s) | Rows | Sampled rows | Differing | 429s | Exit |',
    '|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
    `| ${mb(e.maxRssKb)} | < ${EXPORT_GOALS.rssMb} | ${e.wallSeconds.toFixed(1)} | ${e.cpuMs === undefined ? '–' : (e.cpuMs / 1000).toFixed(1)} | ${e.emulatorCpuMs === undefined ? '–' : (e.emulatorCpuMs / 1000).toFixed(1)} | ${c ? `${c.rows} of ${c.expectedRows}` : '–'} | ${c?.sampled ?? '–'} | ${c ? `${c.differingRows} rows (${c.differingCells} cells)` : '–'} | ${e.rateLimited} | ${e.exitCode ?? e.signal} |`,
    '',
    `\`${e.command}\` (${e.columns.length} columns${e.fileBytes ? `, ${(e.fileBytes / 1024 ** 2).toFixed(1)} MB written` : ''}) against ${e.users} generated users (seed ${e.seed}); "Other" catalogue calls are every call outside the four listings. Load average ${e.loadBefore.toFixed(2)} before, ${e.loadAfter.toFixed(2)} after.${c && c.duplicateIds + c.missingIds > 0 ? ` ${c.duplicateIds} ids written twice, ${c.missingIds} users missing.` : ''}${c?.examples.length ? ` Differing cells (user, column): ${c.examples.join('; ')}.` : ''}`,
  ].join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { values } = parseArgs({
    options: {
      users: { type: 'string', default: '100000' },
      sample: { type: 'string', default: '500' },
      cli: { type: 'string' },
      keep: { type: 'boolean' },
    },
  });
  const record = await runExport({
    users: Number(values.users),
    sample: Number(values.sample),
    ...(values.cli !== undefined && { cli: values.cli }),
    keep: values.keep === true,
    log: (m) => process.stderr.write(`${m}\n`),
  });
  process.stdout.write(`${exportTable(record)}\n\n${JSON.stringify(record)}\n`);
}
