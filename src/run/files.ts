import { fstatSync, type Stats } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { CLI_NAMES, type OptionNames, ValidationError } from '../errors.js';

/**
 * Refuses a report that would overwrite the input: the same path, or the same file reached another way (a symlink,
 * a hard link, a path through a linked folder, or stdin redirected from it). Checked before any call is made.
 */
export async function checkReportNotInput(
  reportPath: string,
  source: { path?: string; stream?: NodeJS.ReadableStream },
  names: OptionNames = CLI_NAMES,
): Promise<void> {
  const input = await inputIdentity(source);
  if (!input) return;
  const report = await identity(reportPath);
  const same =
    (input.stats && report.stats && input.stats.dev === report.stats.dev && input.stats.ino === report.stats.ino) ||
    (input.path !== undefined && input.path === report.path);
  if (same) {
    throw new ValidationError(
      `${names.option('report')} ${reportPath} names the input file${source.path && source.path !== '-' ? ` ${source.path}` : ' (stdin)'}; ` +
        'the report would overwrite it. Give the report another name.',
    );
  }
}

interface Identity {
  /** The real path, when it can be known. */
  path?: string;
  stats?: Stats;
}

async function inputIdentity(source: { path?: string; stream?: NodeJS.ReadableStream }): Promise<Identity | undefined> {
  if (source.path && source.path !== '-') return identity(source.path);
  // stdin redirected from a file (`update - < users.csv --report users.csv`).
  const fd = (source.stream as { fd?: unknown } | undefined)?.fd;
  if (typeof fd !== 'number') return undefined;
  try {
    const stats = fstatSync(fd);
    return stats.isFile() ? { stats } : undefined;
  } catch {
    return undefined;
  }
}

/** A path's file (following links) and its real path; for a file not there yet, its real folder and its name. */
async function identity(path: string): Promise<Identity> {
  try {
    return { path: await realpath(path), stats: await stat(path) };
  } catch {
    try {
      return { path: join(await realpath(dirname(path)), basename(path)) };
    } catch {
      return { path: resolve(path) };
    }
  }
}
