import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { ValidationError } from '../errors.js';
import { createGenesysClient } from '../genesys/client.js';
import { escapeControls } from '../text.js';
import { isReadable, type ListedRun, listRuns, type RunMeta, type RunTarget } from './folder.js';
import type { CommandOptions } from './pipeline.js';
import type { UpdateResult } from './summary.js';

/**
 * The runs in the state directory as people look for them: listed with a header, the host each wrote to, when it
 * began and what it did; the newest update to roll back (`rollback --last`); the interrupted run a rerun of the same
 * file finishes.
 */

/**
 * sha256 of a file's bytes, `sha256:<hex>`: the same file (wherever it is, whatever its name) has the same digest.
 * Undefined for what is not a regular file (a pipe, `<(…)`): it cannot be read twice, nor rerun as the same input.
 */
export async function fileDigest(path: string): Promise<string | undefined> {
  if (!(await stat(path)).isFile()) return undefined;
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return `sha256:${hash.digest('hex')}`;
}

const sameTarget = (r: RunMeta, target: RunTarget) =>
  r.target === target.host && (r.clientId === undefined || r.clientId === target.clientId);

/**
 * Among `runs` (the state folder's, oldest first: listRuns), the update run of this input against this target that did
 * not finish: interrupted (Ctrl-C, an error), or left `applying` by a process that died. The newest, if several;
 * undefined when none.
 */
export function unfinishedRunIn(runs: readonly RunMeta[], digest: string, target: RunTarget): RunMeta | undefined {
  return runs
    .filter(
      (r) =>
        r.command === 'update' &&
        r.inputDigest === digest &&
        (r.status === 'interrupted' || r.status === 'applying') &&
        sameTarget(r, target),
    )
    .at(-1);
}

/**
 * The newest update run that wrote to this target and has not been rolled back (by a rollback that completed):
 * what `rollback --last` undoes. Exit 2 naming what is there when there is none.
 */
export async function lastAppliedRun(stateDir: string, target: RunTarget): Promise<RunMeta> {
  const runs = await listRuns(stateDir);
  const undone = new Set(
    runs.filter((r) => r.command === 'rollback' && r.status === 'completed').map((r) => r.rollbackOf),
  );
  const candidates = runs.filter(
    (r) => r.command === 'update' && r.status !== 'planned' && sameTarget(r, target) && !undone.has(r.runId),
  );
  const last = candidates.at(-1);
  if (last) return last;
  const elsewhere = runs.filter((r) => r.command === 'update' && !sameTarget(r, target)).length;
  throw new ValidationError(
    `No update run against ${target.host} is left to roll back in ${stateDir}` +
      `${elsewhere > 0 ? ` (${elsewhere} run(s) there wrote to another target or client)` : ''}. ` +
      'See `genesys-bulk runs`, and give the run id to roll back one of them.',
  );
}

/** `2026-12-05T09:12:03+01:00`: the local time with its offset, readable and still unambiguous. */
export function localIso(when: string | Date): string {
  const d = typeof when === 'string' ? new Date(when) : when;
  if (Number.isNaN(d.getTime())) return String(when);
  const pad = (n: number, w = 2) => String(Math.abs(n)).padStart(w, '0');
  const offset = -d.getTimezoneOffset();
  const sign = offset >= 0 ? '+' : '-';
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:` +
    `${pad(d.getSeconds())}${sign}${pad(Math.trunc(Math.abs(offset) / 60))}:${pad(Math.abs(offset) % 60)}`
  );
}

/** The counts of a run worth reading, e.g. `40 updated, 2 failed`; `-` when it has none (yet). */
function countsText(r: RunMeta): string {
  const text = Object.entries(r.counts ?? {})
    .filter(([k, v]) => k !== 'rows' && typeof v === 'number' && v > 0)
    .map(([k, v]) => `${v} ${k.replace('_', ' ')}`)
    .join(', ');
  return text || '-';
}

const COLUMNS = ['RUN', 'COMMAND', 'STATUS', 'STARTED', 'TARGET', 'SOURCE', 'ROWS', 'COUNTS'] as const;

/** The runs as a table with a header, oldest first; every cell escaped (a file name may hold anything). */
export function formatRuns(runs: readonly ListedRun[]): string {
  const cells = runs.map((r) =>
    (isReadable(r)
      ? [
          r.runId,
          r.command,
          r.status,
          localIso(r.createdAt),
          r.target,
          r.command === 'rollback' && r.rollbackOf ? `rollback of ${r.rollbackOf}` : r.source,
          r.counts?.rows !== undefined ? String(r.counts.rows) : '-',
          countsText(r),
        ]
      : [r.runId, '-', r.status, '-', '-', '-', '-', r.problem]
    ).map((c) => escapeControls(String(c))),
  );
  const widths = COLUMNS.map((h, i) => Math.max(h.length, ...cells.map((row) => row[i]!.length)));
  const line = (row: readonly string[]) =>
    row
      .map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return `${[line(COLUMNS), ...cells.map(line)].join('\n')}\n`;
}

/** `rollback --last`: the newest update run against the target the connection settings name, undone. */
export async function runRollbackLast(opts: CommandOptions): Promise<UpdateResult> {
  // The host the settings name, known without logging in; rollback checks it again once logged in.
  const target = { host: createGenesysClient(opts.connection).target, clientId: opts.connection.clientId };
  const last = await lastAppliedRun(opts.stateDir, target);
  opts.stderr.write(
    `Rolling back the last update run against ${escapeControls(target.host)}: ${last.runId} ` +
      `(${escapeControls(last.source)}, started ${localIso(last.createdAt)}, ${last.status}).\n`,
  );
  // Loaded here, not with this module: update reads runs (fileDigest, unfinishedRunIn) and needs no rollback code.
  const { runRollback } = await import('./rollback.js');
  return runRollback(opts, last.runId);
}
