import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/index.js';
import { ROOT, requireFreshBuild } from '../e2e/harness.js';

const run = promisify(execFile);

/** What `npm pack` puts in the tarball: the published package and nothing else. */
async function packedFiles(): Promise<string[]> {
  const { stdout } = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: ROOT,
    maxBuffer: 1 << 24,
  });
  const [pack] = JSON.parse(stdout) as [{ files: { path: string }[] }];
  return pack.files.map((f) => f.path);
}

describe('the package contents', () => {
  it('are bin/, dist/ (no source map, whose sources are not shipped), README, LICENSE and package.json', async () => {
    requireFreshBuild();
    const files = await packedFiles();
    expect(files).toEqual(expect.arrayContaining(['LICENSE', 'README.md', 'package.json', 'bin/genesys-bulk.js']));
    expect(files).toContain('dist/cli.js');
    expect(files.filter((f) => f.endsWith('.map'))).toEqual([]);
    const stray = files.filter(
      (f) => !/^(bin|dist)\//.test(f) && !['LICENSE', 'README.md', 'package.json'].includes(f),
    );
    expect(stray).toEqual([]);
    const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { license: string };
    expect(pkg.license).toBe('MIT');
    expect(await readFile(join(ROOT, 'LICENSE'), 'utf8')).toMatch(/^MIT License/);
  }, 120_000);
});

/**
 * What a user gets from the README's set-up: `npm pack` of the build, the tarball installed globally (into a temp
 * prefix: `npm install -g --prefix`), the installed `genesys-bulk` command run from a folder outside this repository,
 * and `import('genesys-bulk')` from a consumer folder. The pack does not run `prepare`: a build rewriting dist/ would
 * pull it from under spawned tests running beside this one; the build must be fresh instead.
 */
describe('the packed package, installed', () => {
  let dir: string;
  let prefix: string;
  let installed: string;
  beforeAll(async () => {
    requireFreshBuild();
    dir = await mkdtemp(join(tmpdir(), 'genesys-bulk-pack-'));
    prefix = join(dir, 'prefix');
    await run('npm', ['pack', '--silent', '--ignore-scripts', '--pack-destination', dir], {
      cwd: ROOT,
      maxBuffer: 1 << 24,
    });
    const tarball = (await readdir(dir)).find((f) => f.endsWith('.tgz'));
    if (!tarball) throw new Error('npm pack wrote no tarball');
    // The dependencies come from npm's cache that `npm ci` filled; the registry only for what is missing.
    await run(
      'npm',
      ['install', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', join(dir, tarball)],
      { cwd: dir, maxBuffer: 1 << 24 },
    );
    installed = join(prefix, 'lib', 'node_modules', 'genesys-bulk');
  }, 300_000);
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** The installed command, by its name on PATH, as a shell would find it. */
  const genesysBulk = (args: string[], cwd: string, env: Record<string, string> = {}) =>
    run('genesys-bulk', args, {
      cwd,
      env: { PATH: `${join(prefix, 'bin')}:${dirname(process.execPath)}:${process.env.PATH}`, HOME: dir, ...env },
      maxBuffer: 1 << 24,
    }).then(
      (r) => ({ code: 0, ...r }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
    );

  it('runs as `genesys-bulk` from another folder: --version, and a dry run against the emulator', async () => {
    const { version } = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const elsewhere = join(dir, 'elsewhere');
    await mkdir(elsewhere);
    const v = await genesysBulk(['--version'], elsewhere);
    expect(v.code).toBe(0);
    expect(v.stdout).toBe(`${version}\n`);

    const emulator = await startEmulator({ users: 20, seed: 3 });
    try {
      const user = emulator.users()[0]!;
      await writeFile(join(elsewhere, 'users.csv'), `email,title\n${user.email},Installed title\n`);
      const r = await genesysBulk(['update', 'users.csv', '--dry-run', '--json'], elsewhere, {
        GENESYS_BASE_URL: emulator.url,
        GENESYS_CLIENT_ID: emulator.clientId,
        GENESYS_CLIENT_SECRET: emulator.clientSecret,
      });
      expect(r.stderr).not.toContain('a bug');
      expect(r.code).toBe(0);
      const doc = JSON.parse(r.stdout) as { mode: string; summary: { planned: number } };
      expect(doc.mode).toBe('dry-run');
      expect(doc.summary.planned).toBe(1);
      expect(emulator.stats().patchesApplied).toBe(0);
    } finally {
      await emulator.stop();
    }
  }, 120_000);

  it('imports as genesys-bulk (and genesys-bulk/emulator), plans a dry run and exports against the emulator', async () => {
    const consumer = join(dir, 'consumer');
    await mkdir(join(consumer, 'node_modules'), { recursive: true });
    await symlink(installed, join(consumer, 'node_modules', 'genesys-bulk'), 'dir');
    await writeFile(
      join(consumer, 'package.json'),
      JSON.stringify({ name: 'consumer', private: true, type: 'module' }),
    );
    await writeFile(
      join(consumer, 'check.mjs'),
      `
import { exportUsers, planUpdate, readInputFile, startEmulator, ExitCode } from 'genesys-bulk';
import { startEmulator as fromSubpath } from 'genesys-bulk/emulator';
const emulator = await startEmulator({ users: 20, seed: 3 });
try {
  const user = emulator.users()[0];
  const connection = { clientId: emulator.clientId, clientSecret: emulator.clientSecret, baseUrl: emulator.url };
  const result = await planUpdate(
    { rows: [{ email: user.email, title: 'Packed title' }, { email: 'nobody@example.invalid', title: 'x' }] },
    { connection, cwd: process.cwd() },
  );
  const after = emulator.user(user.id);
  const exported = await exportUsers('users.jsonl', { connection, columns: ['email', 'title'] });
  console.log(JSON.stringify({
    exitCode: result.exitCode, ok: ExitCode.Ok, summary: result.summary,
    statuses: result.records.map((r) => r.status), titleAfter: after.title, titleBefore: user.title,
    patches: emulator.stats().patchesApplied, subpath: typeof fromSubpath, reader: typeof readInputFile,
    exported: exported.rows, live: emulator.users().filter((u) => u.state !== 'deleted').length,
  }));
} finally {
  await emulator.stop();
}
`,
    );
    const { stdout } = await run(process.execPath, ['check.mjs'], { cwd: consumer });
    const out = JSON.parse(stdout);
    expect(out.statuses).toEqual(['planned', 'not_found']);
    expect(out.summary).toMatchObject({ rows: 2, planned: 1, not_found: 1 });
    expect(out.exitCode).toBe(1);
    expect(out.titleAfter).toBe(out.titleBefore);
    expect(out.patches).toBe(0);
    expect(out.subpath).toBe('function');
    expect(out.reader).toBe('function');
    expect(out.exported).toBe(out.live);
    const lines = (await readFile(join(consumer, 'users.jsonl'), 'utf8')).trimEnd().split('\n');
    expect(lines).toHaveLength(out.live);
    expect(Object.keys(JSON.parse(lines[0]!))).toEqual(['email', 'title']);
  }, 120_000);
});
