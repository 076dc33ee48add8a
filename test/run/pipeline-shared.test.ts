/**
 * Issue #13: update, resume and rollback are three proposals run by one pipeline (src/run/pipeline.ts). The pipeline
 * module is wrapped so that each call is recorded, then the three commands are driven through the library API
 * against the emulator: each must reach `runPipeline`, with its own destination.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';

const calls: { destination: string; users: number }[] = [];

vi.mock('../../src/run/pipeline.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../src/run/pipeline.js')>();
  return {
    ...original,
    runPipeline: (...args: Parameters<typeof original.runPipeline>) => {
      const proposal = args[2];
      const dest = proposal.destination;
      calls.push({
        destination: dest.kind === 'new' ? `new ${dest.command}` : `existing ${dest.meta.command}`,
        users: proposal.users,
      });
      return original.runPipeline(...args);
    },
  };
});

const { applyUpdate, resume, rollback, startEmulator } = await import('../../src/index.js');

describe('one pipeline for update, resume and rollback', () => {
  let stop: (() => Promise<void>) | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    await stop?.();
    if (dir) await rm(dir, { recursive: true, force: true });
    stop = undefined;
    dir = undefined;
  });

  it('drives each command through runPipeline', async () => {
    // Stopped by the first request after the answer (a write): the run folder exists and the rows after it are left.
    let answered = false;
    const stopper = new AbortController();
    const emulator = await startEmulator({
      users: 20,
      seed: 9,
      limit: 10_000,
      windowSeconds: 60,
      onApiRequest: () => answered && stopper.abort(),
    });
    stop = () => emulator.stop();
    dir = await mkdtemp(join(tmpdir(), 'genesys-bulk-pipeline-'));
    const connection = { clientId: emulator.clientId, clientSecret: emulator.clientSecret, baseUrl: emulator.url };
    const users = emulator
      .users()
      .filter((u) => u.state === 'active' && u.email)
      .slice(0, 3);
    const rows = users.map((u, i) => ({ email: u.email, title: `Pipeline ${i}` }));

    const cut = await applyUpdate(
      { rows },
      {
        connection,
        cwd: dir,
        signal: stopper.signal,
        maxConcurrency: 1,
        confirm: () => {
          answered = true;
          return true;
        },
      },
    );
    expect(cut.runId).toBeDefined();
    const written = emulator.stats().patchesApplied;
    expect(written).toBeLessThan(rows.length);

    const resumed = await resume(cut.runId!, { connection, cwd: dir, yes: true });
    expect(resumed.exitCode).toBe(0);
    for (const [i, u] of users.entries()) expect(emulator.user(u.id)?.title).toBe(`Pipeline ${i}`);

    const undone = await rollback(cut.runId!, { connection, cwd: dir, yes: true });
    expect(undone.exitCode).toBe(0);
    for (const u of users) expect(emulator.user(u.id)?.title).toBe(u.title);

    expect(calls).toEqual([
      { destination: 'new update', users: 3 },
      { destination: 'existing update', users: rows.length - written },
      { destination: 'new rollback', users: 3 },
    ]);
  });
});
