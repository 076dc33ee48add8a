/**
 * Where a bench run's results go: its results file (a complete run's `<timestamp>.json` and `latest.json`, a partial
 * run's `<label>-<timestamp>.json`), the charts, docs/benchmarks.md and the summary on stdout. The page is always a
 * complete run's, with parts from other runs put in when asked (`mergeParts`), each named on the page.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { cpus, release, totalmem, type } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { writeCharts } from './charts.js';
import { ISSUE_12_BEFORE } from './compare.js';
import type { Part } from './options.js';
import { CLI, log, root } from './profiles.js';
import { computeTargets, docsMarkdown, summaryMarkdown } from './report.js';
import { GNU_TIME } from './spawn.js';
import type { BenchResults, Environment, Target } from './types.js';

export const RESULTS_DIR = join(root, 'bench', 'results');
const stamp = (startedAt: string): string => startedAt.replace(/[:.]/g, '-');

export function environment(): Environment {
  let gitCommit: string | undefined;
  let gitDirty: boolean | undefined;
  try {
    gitCommit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
    gitDirty = execFileSync('git', ['status', '--porcelain'], { cwd: root, encoding: 'utf8' }).trim() !== '';
  } catch {
    // Not a git checkout: leave it out.
  }
  let nproc = cpus().length;
  try {
    nproc = Number(execFileSync('nproc', { encoding: 'utf8' }).trim()) || nproc;
  } catch {
    // nproc missing: cpus() is the same figure without cgroup limits.
  }
  return {
    nproc,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    totalMemGb: totalmem() / 1024 ** 3,
    node: process.version,
    os: `${type()} ${release()}`,
    ...(gitCommit !== undefined && { gitCommit }),
    ...(gitDirty !== undefined && { gitDirty }),
    measurement: `Every client runs as a child process under GNU time (\`${GNU_TIME} -f '%U %S %M'\`), which reads the kernel's rusage of the Node process when it exits: user + system CPU and peak RSS (ru_maxrss). It is the same outside measurement for all three clients, needs no cooperation from them, and still works for a run killed at its timeout. CPU per row = that CPU ÷ input rows, Node start-up and SDK load included. The baselines also print their own \`process.resourceUsage()\` as a cross-check (in the raw results).`,
  };
}

/** The parts a results file holds: as it says, or (older files) as its contents show. */
export function partsOf(r: BenchResults): Part[] {
  if (r.parts) return r.parts;
  const parts: Part[] = [];
  for (const s of ['main', 'limit-change', 'mixed'] as const) if (r.runs.some((x) => x.scenario === s)) parts.push(s);
  if (r.planning.small || r.planning.large) parts.push('planning');
  if (r.family) parts.push('family');
  if (r.tokens) parts.push('tokens');
  if (r.export) parts.push('export');
  if (r.startup) parts.push('startup');
  if (r.memory) parts.push('memory');
  return parts;
}

/** `base` with the given parts of `from` in place of its own; the page names the file they came from. */
export function mergeParts(base: BenchResults, from: BenchResults, file: string, parts = partsOf(from)): BenchResults {
  const scenarios = new Set<string>(parts.filter((p) => p === 'main' || p === 'limit-change' || p === 'mixed'));
  const merged: BenchResults = {
    ...base,
    runs: [
      ...base.runs.filter((r) => !scenarios.has(r.scenario)),
      ...from.runs.filter((r) => scenarios.has(r.scenario)),
    ],
    mergedFrom: [
      ...(base.mergedFrom ?? []),
      {
        file,
        parts,
        startedAt: from.startedAt,
        ...(from.environment.gitCommit !== undefined && { gitCommit: from.environment.gitCommit }),
      },
    ],
  };
  if (parts.includes('planning')) merged.planning = from.planning;
  if (parts.includes('mixed') && from.settings.mixed)
    merged.settings = { ...base.settings, mixed: from.settings.mixed };
  for (const key of ['family', 'tokens', 'export', 'startup', 'memory'] as const) {
    if (!parts.includes(key)) continue;
    if (from[key] === undefined) delete merged[key];
    else Object.assign(merged, { [key]: from[key] });
  }
  merged.targets = computeTargets(merged);
  return merged;
}

const readResults = (file: string): BenchResults => JSON.parse(readFileSync(file, 'utf8')) as BenchResults;

/** The last complete run, by the timestamped name `latest.json` is a copy of when that file is there. */
export function lastCompleteRun(): { results: BenchResults; file: string } {
  const latest = join(RESULTS_DIR, 'latest.json');
  const results = readResults(latest);
  const named = join(RESULTS_DIR, `${stamp(results.startedAt)}.json`);
  return { results, file: relative(root, existsSync(named) ? named : latest) };
}

/** Writes the run's results file and (when asked) the page; prints the summary. */
export function writeOutputs(
  results: BenchResults,
  options: { writeDocs: boolean; partialName?: string | undefined },
): void {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const text = `${JSON.stringify(results, null, 2)}\n`;
  const file = join(RESULTS_DIR, options.partialName ?? `${stamp(results.startedAt)}.json`);
  writeFileSync(file, text);
  if (options.partialName === undefined) {
    writeFileSync(join(RESULTS_DIR, 'latest.json'), text);
    log(`results: ${relative(root, file)} and bench/results/latest.json`);
  } else {
    log(`results: ${relative(root, file)} (a partial run: latest.json is left as the last complete run's)`);
  }
  process.stdout.write(`${summaryMarkdown(results)}\n`);
  if (!options.writeDocs) return;
  if (options.partialName === undefined) writePage(results, relative(root, file));
  else {
    const base = lastCompleteRun();
    writePage(mergeParts(base.results, results, relative(root, file)), base.file);
  }
}

/** docs/benchmarks.md and its charts, from `results` (read from `file`, with any parts merged in). */
export function writePage(results: BenchResults, file: string): void {
  results.charts = writeCharts(results, root);
  log(`charts: ${results.charts.length} in bench/results/charts/`);
  mkdirSync(join(root, 'docs'), { recursive: true });
  writeFileSync(join(root, 'docs', 'benchmarks.md'), docsMarkdown(results, file, root, issue12Before()));
  log('wrote docs/benchmarks.md');
}

/** Issue #12's targets as stop 25's results gave them (compare.ts), or none where those files are missing. */
function issue12Before(): Target[] | undefined {
  const files = [ISSUE_12_BEFORE.base, ...ISSUE_12_BEFORE.with];
  if (!files.every((f) => existsSync(join(root, f)))) return undefined;
  let before = readResults(join(root, ISSUE_12_BEFORE.base));
  for (const w of ISSUE_12_BEFORE.with) before = mergeParts(before, readResults(join(root, w)), w);
  return computeTargets(before);
}

/** `--report-only <file> [--with <part files>]`: the page and the summary from results already measured. */
export function reportOnly(file: string, withFiles: string[], writeDocs: boolean): void {
  let results = readResults(file);
  for (const w of withFiles) results = mergeParts(results, readResults(w), relative(root, resolve(w)));
  results.targets = computeTargets(results);
  process.stdout.write(`${summaryMarkdown(results)}\n`);
  if (writeDocs) writePage(results, relative(root, resolve(file)));
}

/** Whether some file under src/ is newer than the build the bench is about to measure. */
export function distLooksStale(): boolean {
  const newest = (dir: string): number => {
    let latest = 0;
    for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
      if (entry.isFile() && entry.name.endsWith('.ts')) {
        latest = Math.max(latest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
      }
    }
    return latest;
  };
  try {
    return newest(join(root, 'src')) > statSync(join(root, 'dist', 'cli.js')).mtimeMs;
  } catch {
    return false;
  }
}

export function cliAvailable(): boolean {
  try {
    execFileSync(process.execPath, [CLI, 'update', '--help'], { stdio: 'ignore', timeout: 30_000 });
    return true;
  } catch {
    return false;
  }
}
