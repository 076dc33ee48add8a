import { chmod, mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { batched } from './output.js';

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
    else for (const text of batched(data)) await handle.write(text);
    await handle.sync();
  } catch (err) {
    await handle.close();
    await rm(tmp, { force: true });
    throw err;
  }
  await handle.close();
  await rename(tmp, path);
}
