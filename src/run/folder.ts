import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError, ValidationError } from '../errors.js';
import { assertRunFolder, ensurePrivateDir, writePrivateFileAtomic } from '../fsutil.js';
import { PLAN_SCHEMA_VERSION } from '../plan/index.js';
import type { SavedPlan } from './saved-plan.js';
import { type SavedPlanV1, upgradeSavedPlan } from './saved-plan-v1.js';

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

export function newRunId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

const RUN_ID = /^[0-9]{8}-[0-9]{6}-[0-9a-f]{6}$/;

export function runDir(stateDir: string, runId: string): string {
  if (!RUN_ID.test(runId))
    throw new ValidationError(`"${runId}" is not a run id (e.g. 20261129-101500-a1b2c3); see \`genesys-bulk runs\`.`);
  return join(stateDir, 'runs', runId);
}

export async function createRunFolder(stateDir: string, meta: RunMeta, saved: SavedPlan): Promise<string> {
  await ensurePrivateDir(stateDir);
  await ensurePrivateDir(join(stateDir, 'runs'));
  const dir = runDir(stateDir, meta.runId);
  await ensurePrivateDir(dir, 'run folder');
  await writePrivateFileAtomic(join(dir, 'plan.json'), JSON.stringify(saved));
  await writeRunMeta(dir, meta);
  return dir;
}

export async function writeRunMeta(dir: string, meta: RunMeta): Promise<void> {
  await writePrivateFileAtomic(
    join(dir, 'run.json'),
    `${JSON.stringify({ ...meta, updatedAt: new Date().toISOString() }, null, 2)}\n`,
  );
}

export async function readRunMeta(dir: string): Promise<RunMeta> {
  let meta: RunMeta;
  try {
    meta = JSON.parse(await readFile(join(dir, 'run.json'), 'utf8')) as RunMeta;
  } catch (err) {
    throw new ValidationError(
      `No run at ${dir} (${(err as NodeJS.ErrnoException).code ?? 'unreadable'}); see \`genesys-bulk runs\`.`,
    );
  }
  if (meta.schemaVersion !== RUN_SCHEMA_VERSION) {
    throw new ValidationError(
      `${join(dir, 'run.json')} has schema version ${JSON.stringify(meta.schemaVersion)}; this version of genesys-bulk ` +
        `reads version ${RUN_SCHEMA_VERSION} only. Use the version that made the run.`,
    );
  }
  return meta;
}

export async function readSavedPlan(dir: string): Promise<SavedPlan> {
  const path = join(dir, 'plan.json');
  let saved: unknown;
  try {
    saved = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new ValidationError(
      `${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'not JSON'}); the run cannot be continued or rolled back from it.`,
    );
  }
  const plan = (saved as { plan?: { schemaVersion?: unknown; rows?: unknown } } | null)?.plan;
  const version = plan?.schemaVersion;
  if (typeof plan !== 'object' || plan === null || !Array.isArray(plan.rows)) {
    throw new ValidationError(`${path} holds no plan; the run cannot be continued or rolled back from it.`);
  }
  if (version === PLAN_SCHEMA_VERSION) return saved as SavedPlan;
  if (version === 1 || version === undefined) return upgradeSavedPlan(saved as SavedPlanV1);
  throw new ValidationError(
    `${path} has plan schema version ${JSON.stringify(version)}; this version of genesys-bulk reads versions 1 to ` +
      `${PLAN_SCHEMA_VERSION}. Continue or roll back the run with the version of genesys-bulk that made it (see its run.json).`,
  );
}

/** A run folder as a resume or a rollback reads it. */
export interface RunFolder {
  dir: string;
  meta: RunMeta;
}

export async function openRunFolder(stateDir: string, runId: string): Promise<RunFolder> {
  const dir = runDir(stateDir, runId);
  await assertRunFolder(dir);
  return { dir, meta: await readRunMeta(dir) };
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

export async function listRuns(stateDir: string): Promise<RunMeta[]> {
  let names: string[];
  try {
    names = await readdir(join(stateDir, 'runs'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const metas: RunMeta[] = [];
  for (const name of names.filter((n) => RUN_ID.test(n)).sort()) {
    try {
      metas.push(await readRunMeta(join(stateDir, 'runs', name)));
    } catch {
      // A folder whose run.json was never written (killed at creation) is not a run.
    }
  }
  // Ids within one second sort by their random tail; the creation time (ms) keeps runs in the order they began.
  return metas.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.runId.localeCompare(b.runId));
}
