/**
 * The bench's command line: which parts run, and where their results go. A complete run (the full profile, every part,
 * client and limiter) writes `bench/results/<timestamp>.json`, `latest.json` and docs/benchmarks.md; any other run is
 * partial and writes only `bench/results/<label>-<timestamp>.json`, named after what it ran, so that `latest.json`
 * and the page stay the last complete run's. `--docs` on a partial run regenerates the page from `latest.json` with
 * the parts this run measured put in (see `--report-only <file> --with <part file>`).
 */
import { parseArgs } from 'node:util';

export const PARTS = [
  'main',
  'limit-change',
  'mixed',
  'planning',
  'family',
  'tokens',
  'export',
  'startup',
  'memory',
] as const;
export type Part = (typeof PARTS)[number];
export const CLIENTS = ['genesys-bulk', 'baseline-naive', 'baseline-tutorial'] as const;
export const LIMITER_NAMES = ['fixed', 'sliding', 'bucket'] as const;

export interface BenchOptions {
  profile: 'full' | 'quick';
  /** The parts to run, in PARTS order. */
  parts: Part[];
  clients: (typeof CLIENTS)[number][];
  /** Limiters by algorithm or label, as given; undefined: all. */
  limiters?: string[];
  capFactor?: number;
  keep: boolean;
  /** Whether this run measured everything: only such a run writes latest.json. */
  complete: boolean;
  /** What a partial run's results file is named after (`<label>-<timestamp>.json`); '' for a complete run. */
  label: string;
  writeDocs: boolean;
  /** `--report-only <file>`: no measuring, the page and tables from that file (with `--with` part files put in). */
  reportOnly?: string;
  with: string[];
  /** Export part: directory size and rows sampled for the check. */
  exportUsers?: number;
  /** Start-up part: runs (at least 10 for the figure the issue asks for). */
  startupRuns?: number;
  /** Memory part: rows of the file (and users of the directory). */
  memoryRows?: number;
}

const list = (v: string | undefined): string[] | undefined =>
  v
    ?.split(',')
    .map((x) => x.trim())
    .filter(Boolean);

function positive(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number, got ${v}`);
  return n;
}

/** Parses the bench's arguments (after `tsx bench/run.ts`); throws with a message on anything it cannot use. */
export function parseBenchOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      clients: { type: 'string' },
      limiters: { type: 'string' },
      'no-limit-change': { type: 'boolean', default: false },
      'no-planning': { type: 'boolean', default: false },
      'no-mixed': { type: 'boolean', default: false },
      'mixed-only': { type: 'boolean', default: false },
      'no-family': { type: 'boolean', default: false },
      'no-tokens': { type: 'boolean', default: false },
      'no-export': { type: 'boolean', default: false },
      'no-startup': { type: 'boolean', default: false },
      'no-memory': { type: 'boolean', default: false },
      only: { type: 'string' },
      'cap-factor': { type: 'string' },
      docs: { type: 'boolean' },
      'no-docs': { type: 'boolean', default: false },
      'report-only': { type: 'string' },
      with: { type: 'string' },
      'export-users': { type: 'string' },
      'startup-runs': { type: 'string' },
      'memory-rows': { type: 'string' },
      keep: { type: 'boolean', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values['mixed-only'] && values['no-mixed']) throw new Error('--mixed-only and --no-mixed exclude each other');
  if (values['mixed-only'] && values.only) throw new Error('--mixed-only and --only exclude each other');
  if (values.docs && values['no-docs']) throw new Error('--docs and --no-docs exclude each other');
  const only = list(values.only);
  if (only?.length === 0) throw new Error(`--only needs a part: one or more of ${PARTS.join(', ')}`);
  for (const p of only ?? []) {
    if (!PARTS.includes(p as Part)) throw new Error(`unknown part ${p} in --only; one of ${PARTS.join(', ')}`);
  }
  const skipped = new Set<Part>(
    (['limit-change', 'planning', 'mixed', 'family', 'tokens', 'export', 'startup', 'memory'] as const).filter(
      (p) => values[`no-${p}`],
    ),
  );
  const wanted = (p: Part): boolean =>
    only ? only.includes(p) : values['mixed-only'] ? p === 'mixed' : !skipped.has(p);
  const parts = PARTS.filter(wanted);
  if (parts.length === 0) throw new Error('no part left to run');

  const clients = (list(values.clients) ?? [...CLIENTS]) as BenchOptions['clients'];
  for (const c of clients) {
    if (!CLIENTS.includes(c)) throw new Error(`unknown client ${c}; one of ${CLIENTS.join(', ')}`);
  }
  const limiters = list(values.limiters);
  const profile = values.quick ? 'quick' : 'full';
  const everyPart = parts.length === PARTS.length;
  const everyClient = clients.length === CLIENTS.length;
  const complete = profile === 'full' && everyPart && everyClient && limiters === undefined;
  const label = complete
    ? ''
    : [
        ...(profile === 'quick' ? ['quick'] : []),
        ...(everyPart ? [] : [parts.join('+')]),
        ...(everyClient && limiters === undefined ? [] : ['subset']),
      ].join('-');
  const options: BenchOptions = {
    profile,
    parts,
    clients,
    keep: values.keep,
    complete,
    label,
    // The page follows the complete run; a partial run rewrites it only when asked, from latest.json plus its parts.
    writeDocs: values['no-docs'] ? false : (values.docs ?? complete),
    with: list(values.with) ?? [],
  };
  if (limiters) options.limiters = limiters;
  const capFactor = positive('cap-factor', values['cap-factor']);
  if (capFactor !== undefined) options.capFactor = capFactor;
  if (values['report-only'] !== undefined) options.reportOnly = values['report-only'];
  if (options.with.length > 0 && options.reportOnly === undefined) throw new Error('--with goes with --report-only');
  const exportUsers = positive('export-users', values['export-users']);
  if (exportUsers !== undefined) options.exportUsers = Math.round(exportUsers);
  const startupRuns = positive('startup-runs', values['startup-runs']);
  if (startupRuns !== undefined) options.startupRuns = Math.round(startupRuns);
  const memoryRows = positive('memory-rows', values['memory-rows']);
  if (memoryRows !== undefined) options.memoryRows = Math.round(memoryRows);
  return options;
}

/** A partial run's results file name; undefined for a complete run (which writes `<timestamp>.json`). */
export function partialResultsName(options: Pick<BenchOptions, 'label'>, startedAt: string): string | undefined {
  return options.label === '' ? undefined : `${options.label}-${startedAt.replace(/[:.]/g, '-')}.json`;
}
