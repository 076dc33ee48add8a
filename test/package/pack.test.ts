import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, requireFreshBuild } from '../e2e/harness.js';

const run = promisify(execFile);

/**
 * What a user of the package gets: `npm pack` of the build, the tarball installed into an empty folder, and
 * `import('genesys-bulk')` from there, with no path into this repository. The pack does not run `prepare`: a build
 * rewriting dist/ would pull it from under spawned tests running beside this one; the build must be fresh instead.
 */
describe('the packed package', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'genesys-bulk-pack-'));
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('installs from its tarball, imports as genesys-bulk, and plans a dry run against the emulator', async () => {
    requireFreshBuild();
    await run('npm', ['pack', '--silent', '--ignore-scripts', '--pack-destination', dir], {
      cwd: ROOT,
      maxBuffer: 1 << 24,
    });
    const tarball = (await readdir(dir)).find((f) => f.endsWith('.tgz'));
    expect(tarball).toBeDefined();
    await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    // The dependencies come from npm's cache that `npm ci` filled; the registry only for what is missing.
    await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', `./${tarball}`], {
      cwd: dir,
      maxBuffer: 1 << 24,
    });
    await writeFile(
      join(dir, 'check.mjs'),
      `
import { planUpdate, readInputFile, startEmulator, ExitCode } from 'genesys-bulk';
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
  console.log(JSON.stringify({
    exitCode: result.exitCode, ok: ExitCode.Ok, summary: result.summary,
    statuses: result.records.map((r) => r.status), titleAfter: after.title, titleBefore: user.title,
    patches: emulator.stats().patchesApplied, subpath: typeof fromSubpath, reader: typeof readInputFile,
  }));
} finally {
  await emulator.stop();
}
`,
    );
    const { stdout } = await run(process.execPath, ['check.mjs'], { cwd: dir });
    const out = JSON.parse(stdout);
    expect(out.statuses).toEqual(['planned', 'not_found']);
    expect(out.summary).toMatchObject({ rows: 2, planned: 1, not_found: 1 });
    expect(out.exitCode).toBe(1);
    expect(out.titleAfter).toBe(out.titleBefore);
    expect(out.patches).toBe(0);
    expect(out.subpath).toBe('function');
    expect(out.reader).toBe('function');
  }, 300_000);
});
