import { lstatSync, type Stats, statSync } from 'node:fs';
import { chmod, lstat, mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ConfigError, fileSystemError } from './errors.js';
import { batched } from './output.js';

/** Reports and journals hold personal data (emails, phone numbers): only their owner may read them. */
export const PRIVATE_FILE_MODE = 0o600;
export const PRIVATE_DIR_MODE = 0o700;

/** The user this process runs as; undefined where there are no POSIX owners (Windows). */
function currentUid(): number | undefined {
  return typeof process.getuid === 'function' ? process.getuid() : undefined;
}

/**
 * Why a folder or file we are about to trust is unsafe, or undefined if it is not. Root may own it (root can read
 * everything anyway); anyone else must be us. Group or others' write access lets them swap the contents.
 */
function unsafeReason(st: Stats, uid: number | undefined): string | undefined {
  if (uid === undefined) return undefined;
  if (st.uid !== uid && st.uid !== 0) return `it is owned by another user (uid ${st.uid}, you are ${uid})`;
  if ((st.mode & 0o022) !== 0) {
    const who = [(st.mode & 0o020) !== 0 && 'group', (st.mode & 0o002) !== 0 && 'others'].filter(Boolean).join(' and ');
    return `it is writable by ${who} (mode ${(st.mode & 0o7777).toString(8).padStart(4, '0')})`;
  }
  return undefined;
}

/**
 * Refuses a folder that is a symlink, not a folder, owned by another user or writable by group or others. The
 * tool keeps journals (personal data) and trusts what it reads back from them, so it never uses such a folder, and
 * it never changes the permissions of a folder it did not create.
 * @throws ConfigError naming the path, the reason and what to do.
 */
export function checkPrivateDir(path: string, st: Stats, what = 'state folder'): void {
  const refuse = (why: string) =>
    new ConfigError(
      `Refusing the ${what} ${path}: ${why}. Use a folder of your own that only you can write to ` +
        `(e.g. a new one: --state-dir <new folder>), or fix this one (chmod 700, owned by you).`,
    );
  if (st.isSymbolicLink()) throw refuse('it is a symbolic link (someone could point it anywhere)');
  if (!st.isDirectory()) throw refuse('it is not a folder');
  const reason = unsafeReason(st, currentUid());
  if (reason) throw refuse(reason);
}

/**
 * Makes sure `path` is a private folder: creates it 0700 if missing; an existing one is checked, never chmod-ed.
 * @throws ConfigError for an unsafe folder or any file-system failure (with the path and what to do).
 */
export async function ensurePrivateDir(path: string, what = 'state folder'): Promise<void> {
  try {
    const st = await lstatOrUndefined(path);
    if (st) return checkPrivateDir(path, st, what);
    const created = await mkdir(path, { recursive: true, mode: PRIVATE_DIR_MODE });
    if (created === undefined) {
      // Someone made it between the look and the mkdir: check it as any existing folder.
      return checkPrivateDir(path, await lstat(path), what);
    }
    // Ours: the umask may have filtered the mode, so set it exactly.
    await chmod(path, PRIVATE_DIR_MODE);
    await syncDir(dirname(path));
  } catch (err) {
    throw fileSystemError(err, path, `the ${what}`);
  }
}

/**
 * Checks an existing run or state folder before reading from it (a resume, a rollback). A missing one passes: the
 * caller reports it in its own words.
 */
export async function assertPrivateDir(path: string, what = 'run folder'): Promise<void> {
  try {
    const st = await lstatOrUndefined(path);
    if (st) checkPrivateDir(path, st, what);
  } catch (err) {
    throw fileSystemError(err, path, `the ${what}`);
  }
}

/** Checks a run folder `<state>/runs/<id>` and the two folders above it, as assertPrivateDir does. */
export async function assertRunFolder(dir: string): Promise<void> {
  await assertPrivateDir(dirname(dirname(dir)), 'state folder');
  await assertPrivateDir(dirname(dir), 'state folder');
  await assertPrivateDir(dir, 'run folder');
}

async function lstatOrUndefined(path: string): Promise<Stats | undefined> {
  try {
    return await lstat(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * Refuses a settings file (a dotenv file) that someone else could have written: owned by another user, writable by
 * group or others, or a symlink owned by another user. Such a file could name where the client secret is sent.
 * @throws ConfigError naming the path, the reason and what to do.
 */
export function checkTrustedFile(path: string, label: string): void {
  const uid = currentUid();
  let st: Stats;
  let link: Stats;
  try {
    link = lstatSync(path);
    st = statSync(path);
  } catch (err) {
    throw fileSystemError(err, path, label);
  }
  if (!st.isFile()) throw new ConfigError(`Refusing ${label} ${path}: it is not a regular file.`);
  const reason =
    (link.isSymbolicLink() && uid !== undefined && link.uid !== uid && link.uid !== 0
      ? `it is a symbolic link owned by another user (uid ${link.uid})`
      : undefined) ?? unsafeReason(st, uid);
  if (reason) {
    throw new ConfigError(
      `Refusing ${label} ${path}: ${reason}, so someone else could have written where your client secret is sent. ` +
        'Make it yours and private (chmod 600), remove it, or put the settings in the environment instead.',
    );
  }
}

/**
 * A new file's temporary name beside `path` (same folder, so a rename replaces `path` atomically), open with 'wx':
 * a file or symlink someone planted at that name is then refused, never written through.
 */
export function tempPathBeside(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
}

/**
 * Writes a whole file readable by its owner only, atomically: a reader sees the old file or the new one,
 * never half of one, even if the process is killed mid-write.
 */
export async function writePrivateFileAtomic(
  path: string,
  data: string | Uint8Array | Iterable<string>,
): Promise<void> {
  const tmp = tempPathBeside(path);
  const handle = await open(tmp, 'wx', PRIVATE_FILE_MODE);
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
  await syncDir(dirname(path));
}

/**
 * Makes a folder's entries durable: a file's own fsync keeps its data, not its name, so after an OS crash or power
 * loss (a process kill loses nothing) a journal created, or a file renamed, just before could be missing. Where
 * folders cannot be fsynced (Windows, some network file systems) this is skipped: nothing better can be done there.
 */
export async function syncDir(path: string): Promise<void> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(path, 'r');
    await handle.sync();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL' && code !== 'EBADF' && code !== 'ENOTSUP') throw err;
  } finally {
    await handle?.close();
  }
}
