/** Where an export's rows go: a new owner-only file, or stdout; in CSV, a JSON array or JSON Lines. */
import { once } from 'node:events';
import type { WriteStream } from 'node:fs';
import { lstat, open, realpath, rename, rm } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import { CLI_NAMES, type OptionNames, ValidationError } from '../errors.js';
import { PRIVATE_FILE_MODE, tempPathBeside } from '../fsutil.js';
import { CSV_BOM, escapeControls } from '../text.js';
import { csvCell, jsonRecord } from './cells.js';

export type ExportFormat = 'csv' | 'json' | 'jsonl';

/** The format: as given, else from the path's extension; stdout is JSON Lines. */
export function formatFor(
  path: string | undefined,
  given: ExportFormat | undefined,
  names: OptionNames = CLI_NAMES,
): ExportFormat {
  if (given !== undefined) return given;
  if (path === undefined || path === '-') return 'jsonl';
  const ext = extname(path).toLowerCase();
  if (ext === '.csv') return 'csv';
  if (ext === '.json') return 'json';
  if (ext === '.jsonl' || ext === '.ndjson') return 'jsonl';
  throw new ValidationError(
    `cannot tell the format of ${JSON.stringify(escapeControls(path))} from its extension: name it .csv, .json or .jsonl, or give ${names.option('format')}.`,
  );
}

async function samePath(a: string, b: string): Promise<boolean> {
  const real = async (p: string) => realpath(p).catch(() => resolve(p));
  return (await real(a)) === (await real(b));
}

export interface Sink {
  write(cells: ReadonlyMap<string, string>): Promise<void>;
  /** Cells prefixed with `'` so that a spreadsheet shows them as text. */
  readonly neutralised: number;
  close(): Promise<void>;
  /** Removes a file left half-written by a failed export. */
  abandon(): Promise<void>;
}

/**
 * Opens the destination. A file is created owner-only and never replaces an existing one unless `force`; it may not
 * be one of the inputs (the keys file).
 */
export async function openSink(opts: {
  path: string | undefined;
  format: ExportFormat;
  columns: readonly string[];
  force: boolean;
  inputs: readonly string[];
  stdout: NodeJS.WritableStream;
  /** How messages name `force`; default the CLI's flag. */
  names?: OptionNames;
}): Promise<Sink> {
  const { path, format, columns } = opts;
  let stream: NodeJS.WritableStream = opts.stdout;
  let file: WriteStream | undefined;
  /** The file the rows go to: the path, or with --force a temporary file renamed over it by close(). */
  let written: string | undefined;
  if (path !== undefined && path !== '-') {
    for (const input of opts.inputs) {
      if (await samePath(path, input))
        throw new ValidationError(
          `the export would overwrite its input ${JSON.stringify(escapeControls(input))}: write it to another file.`,
        );
    }
    const shown = JSON.stringify(escapeControls(path));
    if ((await lstat(path).catch(() => undefined))?.isDirectory())
      throw new ValidationError(
        `${shown} is a folder: give a file name, such as ${JSON.stringify(join(escapeControls(path), 'users.csv'))}.`,
      );
    // With --force the rows go to a new file that replaces the path once complete: the old file survives a failed
    // export, and a symlink at the path is replaced, not written through (nor its target's mode changed).
    written = opts.force ? tempPathBeside(path) : path;
    let handle: Awaited<ReturnType<typeof open>>;
    try {
      handle = await open(written, 'wx', PRIVATE_FILE_MODE);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST')
        throw new ValidationError(
          `${shown} already exists: choose another file, or give ${(opts.names ?? CLI_NAMES).option('force')} to replace it.`,
        );
      if (code === 'ENOENT') throw new ValidationError(`cannot create ${shown}: its folder does not exist.`);
      if (code === 'EACCES' || code === 'EPERM')
        throw new ValidationError(`cannot create ${shown}: permission denied.`);
      if (code === 'EISDIR') throw new ValidationError(`${shown} is a folder: give a file name.`);
      throw err;
    }
    // A umask may have taken away the owner's own bits.
    await handle.chmod(PRIVATE_FILE_MODE);
    file = handle.createWriteStream({ autoClose: true });
    stream = file;
  }
  let neutralised = 0;
  let rows = 0;
  const put = async (text: string) => {
    if (!stream.write(text)) await once(stream as NodeJS.EventEmitter, 'drain');
  };
  const onNeutralised = () => {
    neutralised++;
  };
  // A file is for a spreadsheet too; stdout is for a program, which a byte-order mark only hinders.
  if (format === 'csv') await put(`${file ? CSV_BOM : ''}${columns.map((c) => csvCell(c, onNeutralised)).join(',')}\n`);
  if (format === 'json') await put('[');
  return {
    get neutralised() {
      return neutralised;
    },
    async write(cells) {
      rows++;
      if (format === 'csv') await put(`${columns.map((c) => csvCell(cells.get(c) ?? '', onNeutralised)).join(',')}\n`);
      else if (format === 'json') await put(`${rows > 1 ? ',' : ''}\n${JSON.stringify(jsonRecord(cells))}`);
      else await put(`${JSON.stringify(jsonRecord(cells))}\n`);
    },
    async close() {
      if (format === 'json') await put(rows > 0 ? '\n]\n' : ']\n');
      if (file) {
        const done = once(file, 'close');
        file.end();
        await done;
        if (written !== path) await rename(written!, path!);
      }
    },
    async abandon() {
      if (file) {
        file.destroy();
        if (written) await rm(written, { force: true });
      }
    },
  };
}
