/**
 * Run ids: when a run started (UTC) and six random hex digits, e.g. 20261129-101500-a1b2c3. A run folder is named by
 * its id (folder.ts), and each of its journals names it too (journal.ts).
 */
import { randomBytes } from 'node:crypto';
import { basename } from 'node:path';

export function newRunId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

export const RUN_ID = /^[0-9]{8}-[0-9]{6}-[0-9a-f]{6}$/;

/** The run id a run folder is named by; undefined for a folder that is not named as one. */
export function runIdOfFolder(dir: string): string | undefined {
  const name = basename(dir);
  return RUN_ID.test(name) ? name : undefined;
}
