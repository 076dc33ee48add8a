import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Sandbox, sandbox } from '../harness.js';
import {
  activeUsers,
  configure,
  journal,
  readReport,
  runMeta,
  STATE,
  sleep,
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

const ROWS = 150;
const MAX_LATENCY_MS = 300;

describe('Ctrl-C (SIGINT)', () => {
  it('stops new writes, lets those in flight finish, saves, exits 130; a resume finishes the rest', async () => {
    box = await sandbox({ users: 250, seed: 33, limit: 300, windowSeconds: 10, latencyMs: [150, MAX_LATENCY_MS] });
    const emu = box.emulator;
    const targets = activeUsers(emu, ROWS);
    const file = join(box.dir, 'titles.csv');
    const wanted = await titleCsv(file, targets, 'Sigint Title');
    const stateDir = join(box.dir, STATE);
    const reportPath = join(box.dir, 'report.jsonl');

    const cli = spawnCli(['update', file, '--yes', '--report', reportPath], { cwd: box.dir, env: box.env });
    await waitFor('a third of the writes', () => emu.stats().patchesApplied >= ROWS / 3, 30_000, 5);
    const inFlightAtSignal = emu.stats().inFlight;
    const signalledAt = Date.now();
    cli.child.kill('SIGINT');
    const result = await cli.done;
    const exitMs = Date.now() - signalledAt;
    const stats = emu.stats();
    console.log(JSON.stringify({ inFlightAtSignal, exitMs, patchesApplied: stats.patchesApplied }));

    expect(result.code).toBe(130);
    expect(result.stderr).toMatch(/Stopping: no new writes; waiting for \d+ in flight/);
    // Every request in flight takes at most MAX_LATENCY_MS; the rest is saving and exiting.
    expect(exitMs).toBeLessThan(MAX_LATENCY_MS + 2_000);
    // Nothing the CLI sent was left hanging when it exited.
    expect(stats.inFlight).toBe(0);
    const runId = (await soleRunId(stateDir))!;
    expect(result.stderr).toContain(`genesys-bulk update --resume ${runId}`);
    expect(stats.patchesApplied).toBeLessThan(ROWS);

    // The journal: every write sent has its outcome (in flight ones were waited for), else the report says so.
    const records = await journal(stateDir, runId);
    const open = unsettledRows(records);
    const report = await readReport(reportPath);
    expect(report).toHaveLength(ROWS);
    for (const r of report) {
      if (open.has(r.row)) expect(r.message, `row ${r.row}`).toMatch(/in flight/);
    }
    expect(open.size).toBe(0);
    // The report agrees with the directory: rows reported updated were written, the others were not.
    for (const r of report) {
      const written = emu.user(r.userId!)?.title === wanted.get(r.userId!);
      expect(r.status, `row ${r.row}`).toBe(written ? 'updated' : 'skipped');
      if (!written) expect(r.message, `row ${r.row}`).toContain(`--resume ${runId}`);
    }
    const outcomes = records.filter((r) => r.t === 'outcome');
    expect(outcomes.length).toBe(stats.patchesApplied);
    const meta = await runMeta(stateDir, runId);
    expect(meta.status).toBe('interrupted');
    expect(meta.counts?.updated).toBe(stats.patchesApplied);

    // A dry run of the resume shows what is left and writes nothing.
    const dry = await spawnCli(['update', '--resume', runId, '--dry-run'], { cwd: box.dir, env: box.env }).done;
    expect(dry.code).toBe(0);
    expect(dry.stderr).toContain(
      `Dry run (run ${runId}): ${ROWS} row(s): ${stats.patchesApplied} updated, ${ROWS - stats.patchesApplied} planned.`,
    );
    // Only what is left is planned: the titles written already are not counted again.
    expect(dry.stderr).toContain(`Changes planned: ${ROWS - stats.patchesApplied} update`);
    expect(emu.stats().patchesApplied).toBe(stats.patchesApplied);
    expect((await runMeta(stateDir, runId)).status).toBe('interrupted');

    const resumed = await spawnCli(['update', '--resume', runId, '--yes', '--report', reportPath], {
      cwd: box.dir,
      env: box.env,
    }).done;
    expect(resumed.code).toBe(0);
    for (const u of targets) expect(emu.user(u.id)?.title, u.id).toBe(wanted.get(u.id));
    for (const u of targets) expect(emu.stats().patchesByUser[u.id], u.id).toBe(1);
    const final = await readReport(reportPath);
    expect(final.map((r) => r.status)).toEqual(Array(ROWS).fill('updated'));
    expect((await runMeta(stateDir, runId)).status).toBe('completed');
  }, 60_000);

  it('a second Ctrl-C exits at once with 130, and the journal is still readable', async () => {
    // Requests take 1.5–2 s: the first Ctrl-C would wait for them, the second must not.
    box = await sandbox({ users: 100, seed: 34, limit: 300, windowSeconds: 10, latencyMs: [1500, 2000] });
    const emu = box.emulator;
    const targets = activeUsers(emu, 60);
    const file = join(box.dir, 'titles.csv');
    const wanted = await titleCsv(file, targets, 'Twice Title');
    const stateDir = join(box.dir, STATE);

    const cli = spawnCli(['update', file, '--yes'], { cwd: box.dir, env: box.env });
    await waitFor(
      'writes in flight',
      () => emu.stats().byRoute['PATCH /api/v2/users/{userId}'] !== undefined || emu.stats().inFlight >= 2,
      30_000,
      5,
    );
    await waitFor('writes in flight', () => emu.stats().inFlight >= 2, 30_000, 5);
    cli.child.kill('SIGINT');
    // Later than a repeat of the same signal (a process group's and npx's forwarded copy), which is not a second.
    await sleep(500);
    const secondAt = Date.now();
    cli.child.kill('SIGINT');
    const result = await cli.done;
    const exitMs = Date.now() - secondAt;
    console.log(JSON.stringify({ exitMs }));

    expect(result.code).toBe(130);
    expect(exitMs).toBeLessThan(1_000);
    expect(emu.stats().inFlight).toBeGreaterThan(0);
    const runId = (await soleRunId(stateDir))!;
    expect(result.stderr).toContain(
      `exiting now. The journal is consistent; to settle what was in flight and finish: genesys-bulk update --resume ${runId}`,
    );
    const records = await journal(stateDir, runId);
    // The writes abandoned by the exit are in the journal as intents without an outcome.
    const open = unsettledRows(records);
    expect(open.size).toBeGreaterThan(0);

    // They land (or not) on their own; a resume then settles them and does the rest, each user written once.
    await waitFor('the abandoned requests to end', () => emu.stats().inFlight === 0, 5_000);
    await configure(emu, { latencyMs: [0, 0] });
    const resumed = await spawnCli(['update', '--resume', runId, '--yes'], { cwd: box.dir, env: box.env }).done;
    expect(resumed.code).toBe(0);
    for (const u of targets) expect(emu.user(u.id)?.title, u.id).toBe(wanted.get(u.id));
    for (const u of targets) expect(emu.stats().patchesByUser[u.id], u.id).toBe(1);
  }, 60_000);
});

describe('a named pipe as the input file', () => {
  it('with no writer: a second Ctrl-C still exits at once, 130, and nothing is written', async () => {
    box = await sandbox({ users: 20, seed: 35 });
    const fifo = join(box.dir, 'changes.csv');
    execFileSync('mkfifo', [fifo]);
    const cli = spawnCli(['update', fifo, '--yes'], { cwd: box.dir, env: box.env, timeoutMs: 20_000 });
    await sleep(1_500);
    cli.child.kill('SIGINT');
    // Later than a repeat of the same signal (a process group's and npx's forwarded copy), which is not a second.
    await sleep(500);
    const secondAt = Date.now();
    cli.child.kill('SIGINT');
    const result = await cli.done;
    expect(result.signal).toBeNull();
    expect(result.code).toBe(130);
    expect(Date.now() - secondAt).toBeLessThan(2_000);
    expect(result.stderr).toContain('exiting now; this run had written nothing yet.');
    expect(box.emulator.stats().patchesApplied).toBe(0);
  });

  it('is read once a writer opens it, as `update <(…)` does', async () => {
    box = await sandbox({ users: 20, seed: 36 });
    const [u] = activeUsers(box.emulator, 1);
    const fifo = join(box.dir, 'changes.csv');
    execFileSync('mkfifo', [fifo]);
    const cli = spawnCli(['update', fifo, '--yes'], { cwd: box.dir, env: box.env, timeoutMs: 30_000 });
    await sleep(500);
    await writeFile(fifo, `email,title\n${u!.email},Piped Title\n`);
    const result = await cli.done;
    expect(result.code).toBe(0);
    expect(box.emulator.user(u!.id)?.title).toBe('Piped Title');
  });
});

describe('SIGHUP (the terminal closed)', () => {
  it('stops as Ctrl-C does: exit 130, the --json document, an interrupted run that a resume finishes', async () => {
    box = await sandbox({ users: 120, seed: 35, limit: 300, windowSeconds: 10, latencyMs: [100, 200] });
    const emu = box.emulator;
    const targets = activeUsers(emu, 60);
    const file = join(box.dir, 'titles.csv');
    const wanted = await titleCsv(file, targets, 'Hangup Title');
    const stateDir = join(box.dir, STATE);

    const cli = spawnCli(['update', file, '--yes', '--json'], { cwd: box.dir, env: box.env });
    await waitFor('a third of the writes', () => emu.stats().patchesApplied >= 20, 30_000, 5);
    cli.child.kill('SIGHUP');
    const result = await cli.done;
    expect(result.code, result.stderr).toBe(130);
    const doc = JSON.parse(result.stdout) as { outcome: string; exitCode: number; runId: string };
    expect(doc).toMatchObject({ outcome: 'interrupted', exitCode: 130 });
    const runId = (await soleRunId(stateDir))!;
    expect(doc.runId).toBe(runId);
    expect((await runMeta(stateDir, runId)).status).toBe('interrupted');
    expect(unsettledRows(await journal(stateDir, runId)).size).toBe(0);

    const resumed = await spawnCli(['update', '--resume', runId, '--yes'], { cwd: box.dir, env: box.env }).done;
    expect(resumed.code, resumed.stderr).toBe(0);
    for (const u of targets) expect(emu.user(u.id)?.title, u.id).toBe(wanted.get(u.id));
    for (const u of targets) expect(emu.stats().patchesByUser[u.id], u.id).toBe(1);
  }, 60_000);
});
