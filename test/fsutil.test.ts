import {
  chmodSync,
  chownSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConfigError, fileSystemError } from '../src/errors.js';
import { assertRunFolder, ensurePrivateDir, writePrivateFileAtomic } from '../src/fsutil.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gb-fsutil-'));
});
afterEach(() => {
  chmodSync(dir, 0o700);
  rmSync(dir, { recursive: true, force: true });
});

const mode = (path: string) => statSync(path).mode & 0o7777;

describe('ensurePrivateDir', () => {
  it('creates a missing folder (and its parents) 0700', async () => {
    const path = join(dir, 'a', 'state');
    await ensurePrivateDir(path);
    expect(mode(path)).toBe(0o700);
  });

  it('leaves an existing private folder as it is, never chmod-ing it', async () => {
    const path = join(dir, 'mine');
    mkdirSync(path);
    chmodSync(path, 0o1755);
    await ensurePrivateDir(path);
    expect(mode(path)).toBe(0o1755);
  });

  it.each([
    [0o777, /writable by group and others \(mode 0777\)/],
    [0o1777, /writable by group and others \(mode 1777\)/],
    [0o770, /writable by group \(mode 0770\)/],
  ])('refuses (exit 3) a folder with mode %s, unchanged', async (m, reason) => {
    const path = join(dir, 'shared');
    mkdirSync(path);
    chmodSync(path, m);
    const err = await ensurePrivateDir(path).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).exitCode).toBe(3);
    expect((err as ConfigError).message).toContain(path);
    expect((err as ConfigError).message).toMatch(reason);
    expect(mode(path)).toBe(m);
  });

  it('refuses a symlink, even to a private folder of ours', async () => {
    const real = join(dir, 'real');
    mkdirSync(real, { mode: 0o700 });
    const link = join(dir, '.genesys-bulk');
    symlinkSync(real, link);
    await expect(ensurePrivateDir(link)).rejects.toThrow(/Refusing the state folder .*symbolic link/);
  });

  // Only root can give a folder away; elsewhere the case is covered by the mode checks above.
  it.skipIf(process.getuid?.() !== 0)('refuses a folder owned by another user', async () => {
    const path = join(dir, 'theirs');
    mkdirSync(path, { mode: 0o700 });
    chownSync(path, 12345, 12345);
    await expect(ensurePrivateDir(path)).rejects.toThrow(/owned by another user \(uid 12345/);
  });

  it('refuses a file where the folder should be', async () => {
    const path = join(dir, 'file');
    writeFileSync(path, '');
    await expect(ensurePrivateDir(path)).rejects.toThrow(/it is not a folder/);
  });

  it.skipIf(process.getuid?.() === 0)('turns a folder it cannot create into exit 3 with the path', async () => {
    chmodSync(dir, 0o500);
    const path = join(dir, 'state');
    const err = await ensurePrivateDir(path).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toMatch(/Cannot use the state folder .*state \(EACCES on mkdir\): permission/);
  });

  it('turns a path through a file into exit 3 (ENOTDIR)', async () => {
    writeFileSync(join(dir, 'f'), '');
    const err = await ensurePrivateDir(join(dir, 'f', 'state')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toMatch(/ENOTDIR/);
  });
});

describe('assertRunFolder', () => {
  it('checks the run folder and the two folders above it', async () => {
    const runs = join(dir, 'state', 'runs');
    mkdirSync(join(runs, 'r1'), { recursive: true, mode: 0o700 });
    chmodSync(join(dir, 'state'), 0o700);
    await expect(assertRunFolder(join(runs, 'r1'))).resolves.toBeUndefined();
    chmodSync(join(runs, 'r1'), 0o757);
    await expect(assertRunFolder(join(runs, 'r1'))).rejects.toThrow(/Refusing the run folder/);
    chmodSync(join(runs, 'r1'), 0o700);
    chmodSync(runs, 0o777);
    await expect(assertRunFolder(join(runs, 'r1'))).rejects.toThrow(/Refusing the state folder/);
  });

  it('lets a missing run pass, for the caller to report', async () => {
    await expect(assertRunFolder(join(dir, 'state', 'runs', 'nope'))).resolves.toBeUndefined();
  });
});

describe('fileSystemError', () => {
  it.each(['EACCES', 'ENOSPC', 'EROFS', 'ENOTDIR', 'EDQUOT', 'EMFILE'])('maps %s to exit 3', (code) => {
    const err = Object.assign(new Error('x'), { code, syscall: 'open', path: '/some/where' });
    const mapped = fileSystemError(err);
    expect(mapped).toBeInstanceOf(ConfigError);
    expect((mapped as ConfigError).message).toMatch(new RegExp(`/some/where \\(${code} on open\\)`));
  });

  it('leaves network errors and bugs alone', () => {
    const refused = Object.assign(new Error('x'), { code: 'ECONNREFUSED', syscall: 'connect' });
    expect(fileSystemError(refused)).toBe(refused);
    const bug = new TypeError('x');
    expect(fileSystemError(bug)).toBe(bug);
  });
});

describe('writePrivateFileAtomic', () => {
  it('writes 0600 through a temporary file, and never through a symlink planted at its name', async () => {
    const path = join(dir, 'report.csv');
    await writePrivateFileAtomic(path, 'first\n');
    expect(readFileSync(path, 'utf8')).toBe('first\n');
    expect(mode(path)).toBe(0o600);

    const victim = join(dir, 'victim.txt');
    writeFileSync(victim, 'keep\n');
    const now = 1_800_000_000_000;
    const clock = vi.spyOn(Date, 'now').mockReturnValue(now);
    try {
      symlinkSync(victim, join(dir, `.report.csv.${process.pid}.${now}.tmp`));
      await expect(writePrivateFileAtomic(path, 'second\n')).rejects.toMatchObject({ code: 'EEXIST' });
    } finally {
      clock.mockRestore();
    }
    expect(readFileSync(victim, 'utf8')).toBe('keep\n');
    expect(readFileSync(path, 'utf8')).toBe('first\n');
  });
});
