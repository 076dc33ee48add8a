import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Sandbox, sandbox } from '../harness.js';
import {
  activeUsers,
  allFiles,
  STATE,
  soleRunId,
  spawnCli,
  type TokenProxy,
  titleCsv,
  tokenProxy,
  waitFor,
} from './helpers.js';

let box: Sandbox | undefined;
let proxy: TokenProxy | undefined;
afterEach(async () => {
  await proxy?.close();
  await box?.close();
  proxy = undefined;
  box = undefined;
});

const canary = (tag: string) => `S3cr3t-LEAK-CANARY-${tag}-${randomBytes(12).toString('hex')}`;

interface Output {
  stdout: string;
  stderr: string;
}

/** Asserts that no secret appears in the outputs or in any file under the sandbox (state dir and reports). */
async function expectNoLeak(dir: string, outputs: Output[], secrets: string[]): Promise<number> {
  for (const s of secrets) expect(s.length).toBeGreaterThanOrEqual(20);
  const files = await allFiles(dir);
  const haystacks = [
    ...outputs.flatMap((o, i) => [
      { where: `stdout #${i + 1}`, text: o.stdout },
      { where: `stderr #${i + 1}`, text: o.stderr },
    ]),
    ...files.map((f) => ({ where: f.path, text: f.content })),
  ];
  for (const h of haystacks) {
    for (const s of secrets) {
      if (h.text.includes(s)) throw new Error(`${h.where} contains a secret (${s.slice(0, 12)}…)`);
    }
  }
  return files.length;
}

const basic = (id: string, secret: string) => Buffer.from(`${id}:${secret}`).toString('base64');

describe('no secret leaks', () => {
  it('on success, with --log-level trace, on a wrong secret, and after a SIGKILL', async () => {
    const secret = canary('OK');
    // Tokens of 3 s: a run of a few seconds logs in several times.
    box = await sandbox({
      users: 200,
      seed: 51,
      clientSecret: secret,
      tokenLifetimeSeconds: 3,
      latencyMs: [20, 40],
      limit: 150,
      windowSeconds: 10,
    });
    proxy = await tokenProxy(box.emulator.url);
    const env = { ...box.env, GENESYS_BASE_URL: proxy.url };
    const users = activeUsers(box.emulator, 160);
    const outputs: Output[] = [];

    // 1. Success, default log level, with a report and JSON on stdout.
    const first = join(box.dir, 'first.csv');
    await titleCsv(first, users.slice(0, 40), 'Leak Title');
    const ok = await box.cli(['update', first, '--yes', '--json', '--report', join(box.dir, 'first.csv.jsonl')], {
      env,
    });
    expect(ok.code).toBe(0);
    outputs.push(ok);

    // 2. Success at trace level, a run long enough to renew its token.
    const second = join(box.dir, 'second.csv');
    await titleCsv(second, users.slice(40, 100), 'Trace Title');
    const tokensBefore = proxy.tokens.length;
    const trace = await box.cli(
      ['--log-level', 'trace', 'update', second, '--yes', '--report', join(box.dir, 'second.csv.csv')],
      { env, timeoutMs: 60_000 },
    );
    expect(trace.code).toBe(0);
    // The trace run did log its details (the test would prove nothing on an empty stderr).
    expect(trace.stderr).toMatch(/"level":20/);
    expect(proxy.tokens.length - tokensBefore).toBeGreaterThan(1);
    outputs.push(trace);

    // 3. A wrong secret, at trace level.
    const wrong = canary('WRONG');
    const denied = await box.cli(['--log-level', 'trace', 'update', first, '--yes'], {
      env: { ...env, GENESYS_CLIENT_SECRET: wrong },
    });
    expect(denied.code).toBe(3);
    expect(denied.stderr).toMatch(/authentication|credentials|client/i);
    outputs.push(denied);

    // 4. SIGKILL mid-run, at trace level: whatever reached the state directory holds no secret either.
    const third = join(box.dir, 'third.csv');
    await titleCsv(third, users.slice(100, 160), 'Killed Title');
    const stateDir = join(box.dir, STATE);
    const cli = spawnCli(['--log-level', 'trace', 'update', third, '--yes'], { cwd: box.dir, env });
    const patches = box.emulator.stats().patchesApplied;
    await waitFor('writes of the third run', () => box!.emulator.stats().patchesApplied >= patches + 20, 30_000, 5);
    cli.child.kill('SIGKILL');
    const killed = await cli.done;
    expect(killed.signal).toBe('SIGKILL');
    outputs.push(killed);
    expect(await soleRunId(stateDir)).toBeUndefined(); // three runs with a journal by now

    const tokens = [...new Set(proxy.tokens)];
    // Every token the CLI presented was one the proxy saw being issued: the capture is complete.
    for (const t of proxy.presented) expect(tokens).toContain(t);
    expect(tokens.length).toBeGreaterThan(3);
    const secrets = [
      secret,
      wrong,
      basic(box.emulator.clientId, secret),
      basic(box.emulator.clientId, wrong),
      ...tokens,
    ];
    const files = await expectNoLeak(box.dir, outputs, secrets);
    console.log(JSON.stringify({ tokensChecked: tokens.length, filesChecked: files, outputsChecked: outputs.length }));
  }, 60_000);

  it('the check itself finds a planted secret', async () => {
    box = await sandbox({ users: 10, seed: 52 });
    const secret = canary('PLANTED');
    await writeFile(join(box.dir, 'planted.txt'), `xx${secret}xx`);
    await expect(expectNoLeak(box.dir, [], [secret])).rejects.toThrow(/planted\.txt contains a secret/);
    await expect(expectNoLeak(box.dir, [{ stdout: '', stderr: secret }], [secret])).rejects.toThrow(/stderr #1/);
  });
});
