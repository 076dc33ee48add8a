import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  applyUpdate,
  type Connection,
  planUpdate,
  type RunningEmulator,
  readInputFile,
  rollback,
  startEmulator,
  ValidationError,
} from '../src/index.js';

/** The library API (src/index.ts) in-process: the same pipeline as the CLI, consent by callback, no console. */
describe('library API', () => {
  let emulator: RunningEmulator | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    await emulator?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
    emulator = undefined;
    dir = undefined;
  });
  const setUp = async () => {
    emulator = await startEmulator({ users: 30, seed: 5, limit: 10_000, windowSeconds: 60 });
    dir = await mkdtemp(join(tmpdir(), 'genesys-bulk-api-'));
    const connection: Connection = {
      clientId: emulator.clientId,
      clientSecret: emulator.clientSecret,
      baseUrl: emulator.url,
    };
    const user = emulator.users().find((u) => u.state === 'active' && u.email)!;
    return { emulator, dir, connection, user };
  };

  it('plans without writing, asks confirm with the question, writes only on yes, and rolls back', async () => {
    const { emulator, dir, connection, user } = await setUp();
    const rows = [{ email: user.email, title: 'Library title' }];
    const plan = await planUpdate({ rows }, { connection, cwd: dir });
    expect(plan.records.map((r) => r.status)).toEqual(['planned']);
    expect(emulator.stats().patchesApplied).toBe(0);

    const questions: string[] = [];
    const declined = await applyUpdate(
      { rows },
      {
        connection,
        cwd: dir,
        confirm: (q) => {
          questions.push(q);
          return false;
        },
      },
    );
    expect(questions).toHaveLength(1);
    expect(questions[0]).toContain('127.0.0.1');
    expect(declined.runId).toBeUndefined();
    expect(emulator.stats().patchesApplied).toBe(0);

    // Neither yes nor confirm: nobody can be asked, so nothing is written.
    await expect(applyUpdate({ rows }, { connection, cwd: dir })).rejects.toBeInstanceOf(ValidationError);
    expect(emulator.stats().patchesApplied).toBe(0);

    const applied = await applyUpdate({ rows }, { connection, cwd: dir, confirm: async () => true });
    expect(applied.exitCode).toBe(0);
    expect(applied.summary.updated).toBe(1);
    expect(emulator.user(user.id)?.title).toBe('Library title');

    const undone = await rollback(applied.runId!, { connection, cwd: dir, yes: true });
    expect(undone.exitCode).toBe(0);
    expect(emulator.user(user.id)?.title).toBe(user.title);
  });

  it('reads a file relative to cwd, and reports its problems with row and line', async () => {
    dir = await mkdtemp(join(tmpdir(), 'genesys-bulk-api-'));
    await writeFile(join(dir, 'in.csv'), 'email,title\nnot-an-email,x\nok@example.com,y\n');
    const parsed = await readInputFile('in.csv', { cwd: dir });
    expect(parsed.rows.length).toBe(1);
    const errors = parsed.problems.filter((p) => p.severity === 'error');
    expect(errors.length).toBe(1);
    expect(errors[0]!.message).toMatch(/row 1/);
  });
});
