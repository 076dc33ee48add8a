import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CLI_NAMES, ConfigError, type OptionNames, ValidationError } from '../errors.js';
import { assertRunFolder, ensurePrivateDir, writePrivateFileAtomic } from '../fsutil.js';
import type { PlannedRow } from '../plan/index.js';
import { RUN_ID } from './run-id.js';
import type { PlanSource } from './saved-plan.js';

/**
 * A run folder: one per run under the state directory (mode 0700), holding
 * - `run.json`: what the run is, where it wrote, and how it ended (rewritten atomically);
 * - `plan.json`: the plan, and each row's requested changes, so a resume can re-plan against fresh state;
 * - the journals (journal.ts) and, while a process works on the run, its lock (lock.ts).
 * Everything is owner-only: it holds people's personal data. No secret or token is ever written here.
 */

export type RunCommand = 'update' | 'rollback';
export type RunStatus = 'planned' | 'applying' | 'completed' | 'interrupted' | 'failed';

export const RUN_SCHEMA_VERSION = 1;

export interface RunMeta {
  schemaVersion: 1;
  runId: string;
  command: RunCommand;
  createdAt: string;
  updatedAt: string;
  status: RunStatus;
  /** The input file (update) or the run rolled back (rollback). */
  source: string;
  /** Where the run wrote: an API base or region, never a credential. */
  target: string;
  /** The OAuth client the run wrote with (its id, never its secret). Absent in folders made before it was kept. */
  clientId?: string;
  counts?: Record<string, number>;
  /** For a rollback: the run it undoes. */
  rollbackOf?: string;
  /** For an update from a file: `sha256:<hex>` of its bytes, so that a rerun of the same file finishes this run. */
  inputDigest?: string;
  /** The file was read in the admin UI's import layout: a resume's plan says so too. */
  layout?: 'admin-ui';
}

/** Where a run writes: the host and the OAuth client id. */
export interface RunTarget {
  host: string;
  clientId: string;
}

export function runDir(stateDir: string, runId: string, names: OptionNames = CLI_NAMES): string {
  if (!RUN_ID.test(runId))
    throw new ValidationError(`"${runId}" is not a run id (e.g. 20261129-101500-a1b2c3); see ${names.runs}.`);
  return join(stateDir, 'runs', runId);
}

export async function createRunFolder(stateDir: string, meta: RunMeta, saved: PlanSource): Promise<string> {
  await ensurePrivateDir(stateDir);
  await ensurePrivateDir(join(stateDir, 'runs'));
  const dir = runDir(stateDir, meta.runId);
  await ensurePrivateDir(dir, 'run folder');
  await writePrivateFileAtomic(join(dir, 'plan.json'), savedPlanText(saved));
  await writeRunMeta(dir, meta);
  return dir;
}

/**
 * `JSON.stringify(saved)` a row at a time: the text of a 100,000-row plan is tens of megabytes, never held whole
 * (writePrivateFileAtomic writes it in batches of about 64 KiB).
 */
export function* savedPlanText(saved: PlanSource): Generator<string> {
  const { plan, ...rest } = saved;
  const { rows, ...head } = plan;
  yield `{"plan":${JSON.stringify(head).slice(0, -1)},"rows":[`;
  let first = true;
  for (const row of rows) {
    yield `${first ? '' : ','}${JSON.stringify(savedRow(row))}`;
    first = false;
  }
  const tail = JSON.stringify(rest);
  yield tail === '{}' ? ']}}' : `]},${tail.slice(1)}`;
}

/**
 * A row as plan.json keeps it. An invalid row is never written, resumed or rolled back: where it is, its diffs and why
 * it was refused are kept, not what its cells asked for (personal data, a spreadsheet's cells as they were saved).
 */
export function savedRow(row: PlannedRow): PlannedRow {
  if (row.status !== 'invalid') return row;
  const { rowNumber, line, key, status, diffs, userId, note } = row;
  return {
    rowNumber,
    line,
    key,
    status,
    diffs,
    ...(userId !== undefined ? { userId } : {}),
    ...(note !== undefined ? { note } : {}),
  };
}

export async function writeRunMeta(dir: string, meta: RunMeta): Promise<void> {
  await writePrivateFileAtomic(
    join(dir, 'run.json'),
    `${JSON.stringify({ ...meta, updatedAt: new Date().toISOString() }, null, 2)}\n`,
  );
}

type MetaRead =
  | { meta: RunMeta }
  | { missing: string }
  | { corrupt: string }
  | { version: unknown; createdAt?: string };

async function tryRunMeta(dir: string): Promise<MetaRead> {
  let text: string;
  try {
    text = await readFile(join(dir, 'run.json'), 'utf8');
  } catch (err) {
    return { missing: (err as NodeJS.ErrnoException).code ?? 'unreadable' };
  }
  let meta: unknown;
  try {
    meta = JSON.parse(text);
  } catch {
    return { corrupt: 'not JSON' };
  }
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) return { corrupt: 'not a JSON object' };
  const { schemaVersion: version, createdAt } = meta as { schemaVersion?: unknown; createdAt?: unknown };
  if (version !== RUN_SCHEMA_VERSION) return typeof createdAt === 'string' ? { version, createdAt } : { version };
  return { meta: meta as RunMeta };
}

const versionText = (version: unknown) => JSON.stringify(version ?? null);

export async function readRunMeta(dir: string, names: OptionNames = CLI_NAMES): Promise<RunMeta> {
  const read = await tryRunMeta(dir);
  if ('meta' in read) return read.meta;
  if ('missing' in read) throw new ValidationError(`No run at ${dir} (${read.missing}); see ${names.runs}.`);
  if ('corrupt' in read)
    throw new ValidationError(`${join(dir, 'run.json')} is ${read.corrupt}; the run cannot be read from it.`);
  throw new ValidationError(
    `${join(dir, 'run.json')} has schema version ${versionText(read.version)}; this version of genesys-bulk ` +
      `reads version ${RUN_SCHEMA_VERSION} only. Use the version that made the run.`,
  );
}

/** A run folder as a resume or a rollback reads it. */
export interface RunFolder {
  dir: string;
  meta: RunMeta;
}

export async function openRunFolder(
  stateDir: string,
  runId: string,
  names: OptionNames = CLI_NAMES,
): Promise<RunFolder> {
  const dir = runDir(stateDir, runId, names);
  await assertRunFolder(dir);
  return { dir, meta: await readRunMeta(dir, names) };
}

/**
 * A run is continued or undone only against the target it wrote to: the same ids on another organisation are
 * other people. Exit 3, naming both.
 */
export function checkSameTarget(meta: RunMeta, target: RunTarget, what: string): void {
  const hostDiffers = meta.target !== target.host;
  const clientDiffers = meta.clientId !== undefined && meta.clientId !== target.clientId;
  if (!hostDiffers && !clientDiffers) return;
  const was = `${meta.target}${meta.clientId ? ` with client id ${meta.clientId}` : ''}`;
  const now = `${target.host} with client id ${target.clientId}`;
  throw new ConfigError(
    `Run ${meta.runId} was made against ${was}, and this ${what} would write to ${now}. ` +
      'Use the connection settings (region or base URL, client id) the run was made with.',
  );
}

/** A run folder this version cannot read (another schema version, a damaged run.json): listed, never acted on. */
export interface UnreadableRun {
  runId: string;
  status: 'unreadable';
  /** Why, e.g. `run.json has schema version 2; this version reads 1`. */
  problem: string;
  /** As its run.json says, when it says. */
  createdAt?: string;
}

export type ListedRun = RunMeta | UnreadableRun;

export const isReadable = (r: ListedRun): r is RunMeta => r.status !== 'unreadable';

/** When a run began, as its run.json says; else the UTC time its id was made at. */
function startedAt(r: ListedRun): string {
  if (r.createdAt !== undefined) return r.createdAt;
  const [, d, t] = /^(\d{8})-(\d{6})/.exec(r.runId) ?? [];
  return `${d!.slice(0, 4)}-${d!.slice(4, 6)}-${d!.slice(6)}T${t!.slice(0, 2)}:${t!.slice(2, 4)}:${t!.slice(4)}.000Z`;
}

/** Every run folder in the state directory, oldest first, those this version cannot read among them. */
export async function listRunFolders(stateDir: string): Promise<ListedRun[]> {
  let names: string[];
  try {
    names = await readdir(join(stateDir, 'runs'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const runs: ListedRun[] = [];
  for (const name of names.filter((n) => RUN_ID.test(n)).sort()) {
    const read = await tryRunMeta(join(stateDir, 'runs', name));
    // A folder whose run.json was never written (killed at creation) is not a run.
    if ('missing' in read) continue;
    if ('meta' in read) runs.push(read.meta);
    else if ('corrupt' in read)
      runs.push({ runId: name, status: 'unreadable', problem: `run.json is ${read.corrupt}` });
    else
      runs.push({
        runId: name,
        status: 'unreadable',
        problem: `run.json has schema version ${versionText(read.version)}; this version reads ${RUN_SCHEMA_VERSION}`,
        ...(read.createdAt !== undefined ? { createdAt: read.createdAt } : {}),
      });
  }
  // Ids within one second sort by their random tail; the creation time (ms) keeps runs in the order they began.
  return runs.sort((a, b) => startedAt(a).localeCompare(startedAt(b)) || a.runId.localeCompare(b.runId));
}

/** The runs this version can read, oldest first. */
export async function listRuns(stateDir: string): Promise<RunMeta[]> {
  return (await listRunFolders(stateDir)).filter(isReadable);
}
