import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

// Which folders were opened and fsynced: a folder's entry (a new journal's name, a renamed file) is durable only
// once the folder itself is synced, which no file-level observation can show without an OS crash.
const synced = vi.hoisted(() => [] as string[]);
vi.mock('node:fs/promises', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs/promises')>();
  const open: typeof fs.open = async (path, ...rest) => {
    const handle = await fs.open(path, ...rest);
    if (statSync(path).isDirectory()) {
      const sync = handle.sync.bind(handle);
      handle.sync = async () => {
        await sync();
        synced.push(String(path));
      };
    }
    return handle;
  };
  return { ...fs, open, default: { ...fs, open } };
});

const { ensurePrivateDir, syncDir, writePrivateFileAtomic } = await import('../src/fsutil.js');
const { Journal } = await import('../src/run/journal.js');

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gb-durable-'));
  synced.length = 0;
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('folder entries reach the disk', () => {
  it('a new journal syncs its folder once, an existing one does not again', async () => {
    const runs = join(dir, 'runs', '20261207-200000-abc123');
    await ensurePrivateDir(runs, 'run folder');
    synced.length = 0;
    const journal = await Journal.open(join(runs, 'journal.jsonl'));
    await journal.close();
    expect(synced).toEqual([runs]);
    const again = await Journal.open(join(runs, 'journal.jsonl'));
    await again.close();
    expect(synced).toEqual([runs]);
  });

  it('a file written atomically syncs its folder after the rename', async () => {
    await writePrivateFileAtomic(join(dir, 'run.json'), '{}\n');
    expect(synced).toEqual([dir]);
  });

  it('a folder it creates syncs the folder above it', async () => {
    await ensurePrivateDir(join(dir, 'state'));
    expect(synced).toEqual([dir]);
  });

  it('a missing folder is an error, not skipped', async () => {
    await expect(syncDir(join(dir, 'nope'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
