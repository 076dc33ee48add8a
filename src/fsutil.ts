import { chmod, type FileHandle, mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Reports and journals hold personal data (emails, phone numbers): only their owner may read them. */
export const PRIVATE_FILE_MODE = 0o600;
export const PRIVATE_DIR_MODE = 0o700;

export async function ensurePrivateDir(path: string): Promise<void> {
  await mkdir(path, { recursive: true, mode: PRIVATE_DIR_MODE });
  // mkdir's mode is filtered by the umask and ignored for a folder that already exists.
  await chmod(path, PRIVATE_DIR_MODE);
}

/**
 * Writes a whole file readable by its owner only, atomically: a reader sees the old file or the new one,
 * never half of one, even if the process is killed mid-write.
 */
export async function writePrivateFileAtomic(
  path: string,
  data: string | Uint8Array | Iterable<string>,
): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  const handle = await open(tmp, 'w', PRIVATE_FILE_MODE);
  try {
    await handle.chmod(PRIVATE_FILE_MODE);
    if (typeof data === 'string' || data instanceof Uint8Array) await handle.writeFile(data);
    else await writePieces(handle, data);
    await handle.sync();
  } catch (err) {
    await handle.close();
    await rm(tmp, { force: true });
    throw err;
  }
  await handle.close();
  await rename(tmp, path);
}

/** Text that comes in pieces (a 100,000-row report), written in about 64 KiB writes rather than as one string. */
async function writePieces(handle: FileHandle, pieces: Iterable<string>): Promise<void> {
  let batch: string[] = [];
  let size = 0;
  for (const piece of pieces) {
    batch.push(piece);
    size += piece.length;
    if (size >= 64 * 1024) {
      await handle.write(batch.join(''));
      batch = [];
      size = 0;
    }
  }
  if (size > 0) await handle.write(batch.join(''));
}
