import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Sandbox, sandbox } from '../harness.js';
import {
  activeUsers,
  journal,
  readReport,
  runIds,
  runMeta,
  STATE,
  soleRunId,
  spawnCli,
  titleCsv,
  unsettledRows,
  waitFor,
} from './helpers.js';

let box: Sandbox | undefined;
afterEach(async () => {
  await box?.close();
  box = undefined;
});

const ROWS = 200;
const NEAR_END = ROWS - 20;

/** Slow enough to kill mid-way: about 40 requests a second, 100–200 ms each, so several writes are in flight. */
const SLOW = { users: 300, seed: 21, limit: 400, windowSeconds: 10, latencyMs: [100, 200] as [number, number] };

interface Kill {
  point: string;
  patchesAtKill: number;
  /** Intents without an outcome in the journal right after the kill: every write that may land unrecorded. */
  inFlight: number;
}

describe('SIGKILL at three points, then resume', () => {
  it('converges with every user written exactly once', async () => {
    box = await sandbox(SLOW);
    const emu = box.emulator;
    const targets = activeUsers(emu, ROWS);
    const file = join(box.dir, 'titles.csv');
    const wanted = await titleCsv(file, targets, 'Crash Title');
    const stateDir = join(box.dir, STATE);
    const kills: Kill[] = [];

    const killWhen = async (
      point: string,
      args: string[],
      ready: (runId: string | undefined) => boolean | Promise<boolean>,
    ) => {
      const cli = spawnCli(args, { cwd: box!.dir, env: box!.env });
      let runId: string | undefined;
      const outcome = await Promise.race([
        waitFor(
          point,
          async () => {
            runId ??= await soleRunId(stateDir);
            return (await ready(runId)) ? 'ready' : undefined;
          },
          30_000,
          5,
        ),
        cli.done.then((r) => `exited early (${r.code}): ${r.stderr}`),
      ]);
      expect(outcome, point).toBe('ready');
      cli.child.kill('SIGKILL');
      const result = await cli.done;
      expect(result.signal).toBe('SIGKILL');
      runId ??= await soleRunId(stateDir);
      const records = await journal(stateDir, runId!);
      kills.push({ point, patchesAtKill: emu.stats().patchesApplied, inFlight: unsettledRows(records).size });
      return runId!;
    };

    // 1. As soon as the run folder (with its run.json) exists.
    const runId = await killWhen('run folder created', ['update', file, '--yes'], (id) => id !== undefined);
    expect((await runMeta(stateDir, runId)).status).toBe('applying');
    // 2. Mid-apply, during a resume.
    await killWhen('mid-apply', ['update', '--resume', runId, '--yes'], () => emu.stats().patchesApplied >= ROWS * 0.4);
    // 3. Near the end, during a second resume: 20 writes (about half a second at this pace) before the last, so that
    // a loaded machine's late poll and kill still land before it.
    await killWhen(
      'near the end',
      ['update', '--resume', runId, '--yes'],
      () => emu.stats().patchesApplied >= NEAR_END,
    );
    expect(await runIds(stateDir)).toEqual([runId]);

    const reportPath = join(box.dir, 'report.jsonl');
    const last = await spawnCli(['update', '--resume', runId, '--yes', '--report', reportPath], {
      cwd: box.dir,
      env: box.env,
    }).done;
    console.log(JSON.stringify({ kills, finalResumeMs: last.elapsedMs, patchesApplied: emu.stats().patchesApplied }));
    expect(last.stderr).not.toMatch(/unexpected/);
    expect(last.code).toBe(0);

    for (const u of targets) expect(emu.user(u.id)?.title, u.id).toBe(wanted.get(u.id));
    const stats = emu.stats();
    // No concurrent editor: a second write to a user could only be a replay, which the version must refuse.
    for (const u of targets) expect(stats.patchesByUser[u.id], u.id).toBe(1);
    const inFlightAtKills = kills.reduce((n, k) => n + k.inFlight, 0);
    expect(stats.patchesApplied).toBeLessThanOrEqual(ROWS + inFlightAtKills);
    // The kills did land mid-way (the test is not vacuous).
    expect(kills[0]!.patchesAtKill).toBeLessThan(ROWS * 0.4);
    expect(kills[1]!.patchesAtKill).toBeLessThan(NEAR_END);
    expect(kills[2]!.patchesAtKill).toBeLessThan(ROWS);

    const report = await readReport(reportPath);
    expect(report).toHaveLength(ROWS);
    for (const r of report) expect(r.status, `row ${r.row}`).toBe('updated');
    const meta = await runMeta(stateDir, runId);
    expect(meta.status).toBe('completed');
    expect(meta.counts?.updated).toBe(ROWS);
  }, 60_000);

  it('rerunning the same update instead of resuming finishes the killed run and writes nothing twice', async () => {
    box = await sandbox(SLOW);
    const emu = box.emulator;
    const targets = activeUsers(emu, ROWS);
    const file = join(box.dir, 'titles.csv');
    const wanted = await titleCsv(file, targets, 'Rerun Title');
    const stateDir = join(box.dir, STATE);

    const cli = spawnCli(['update', file, '--yes'], { cwd: box.dir, env: box.env });
    await waitFor('half the writes', () => emu.stats().patchesApplied >= ROWS / 2, 30_000, 5);
    cli.child.kill('SIGKILL');
    expect((await cli.done).signal).toBe('SIGKILL');
    const firstId = await soleRunId(stateDir);
    const inFlight = unsettledRows(await journal(stateDir, firstId!)).size;
    // Writes sent before the kill still land: count them with the killed run.
    await waitFor("the killed run's requests to end", () => emu.stats().inFlight === 0, 5_000);
    const appliedBefore = emu.stats().patchesApplied;

    const rerun = await spawnCli(['update', file, '--yes', '--json'], { cwd: box.dir, env: box.env }).done;
    expect(rerun.code).toBe(0);
    const { summary } = JSON.parse(rerun.stdout.trim().split('\n').pop()!) as {
      summary: { updated: number; unchanged: number };
    };
    for (const u of targets) expect(emu.user(u.id)?.title, u.id).toBe(wanted.get(u.id));
    const stats = emu.stats();
    for (const u of targets) expect(stats.patchesByUser[u.id], u.id).toBe(1);
    expect(stats.patchesApplied).toBeLessThanOrEqual(ROWS + inFlight);
    // The rerun of the same file finished the killed run (#14.7) rather than starting a second: one run id to roll
    // back, completed, its rows counting what either process wrote.
    expect(rerun.stderr).toContain(`Run ${firstId} of this file`);
    expect(await runIds(stateDir)).toEqual([firstId]);
    expect((await runMeta(stateDir, firstId!)).status).toBe('completed');
    expect(summary.updated + summary.unchanged).toBe(ROWS);
    expect(stats.patchesApplied - appliedBefore).toBeLessThanOrEqual(ROWS - appliedBefore + inFlight);
  }, 60_000);
});
