/**
 * Runs as people look for them (#14.7): `runs` with a header, target, local start time and counts; `rollback --last`;
 * a rerun of the same file after an interrupted run finishes that run (one run id to roll back); `--resume` beside a
 * file or a run id is a usage error.
 */
import { chmod, cp, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Sandbox, sandbox } from './harness.js';
import { activeUsers, runIds, runMeta, STATE, spawnCli, titleCsv, waitFor } from './resilience/helpers.js';

let box: Sandbox | undefined;
let other: Sandbox | undefined;
afterEach(async () => {
  await box?.close();
  await other?.close();
  box = other = undefined;
});

const LOCAL_ISO = /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d/;

describe('runs', () => {
  it('lists with a header: id, command, status, local start, target host, source, rows, counts', async () => {
    box = await sandbox();
    const users = activeUsers(box.emulator, 4);
    await titleCsv(join(box.dir, 'a.csv'), users, 'Listed');
    expect((await box.cli(['update', 'a.csv', '--yes'])).code).toBe(0);
    const [runId] = await runIds(join(box.dir, STATE));
    expect((await box.cli(['rollback', runId!, '--yes'])).code).toBe(0);

    const r = await box.cli(['runs']);
    expect(r.code).toBe(0);
    const [header, first, second, ...rest] = r.stdout.trimEnd().split('\n');
    expect(rest).toEqual([]);
    expect(header).toMatch(/^RUN\s+COMMAND\s+STATUS\s+STARTED\s+TARGET\s+SOURCE\s+ROWS\s+COUNTS$/);
    const host = (await runMeta(join(box.dir, STATE), runId!)).target;
    expect(host).toContain('127.0.0.1');
    expect(first).toMatch(new RegExp(`^${runId}\\s+update\\s+completed\\s+${LOCAL_ISO.source}\\s+`));
    expect(first).toContain(host);
    expect(first).toMatch(/a\.csv\s+4\s+4 updated$/);
    expect(second).toMatch(/rollback\s+completed/);
    expect(second).toContain(`rollback of ${runId}`);
  }, 60_000);
});

describe('runs in a state folder someone else could have written', () => {
  it('are not listed: a folder writable by others, or a symlink, is refused with exit 3, as update refuses it', async () => {
    box = await sandbox();
    const users = activeUsers(box.emulator, 2);
    await titleCsv(join(box.dir, 'a.csv'), users, 'Planted');
    expect((await box.cli(['update', 'a.csv', '--yes'])).code).toBe(0);
    const state = join(box.dir, STATE);
    await chmod(join(state, 'runs'), 0o777);
    const open = await box.cli(['runs']);
    expect(open.code).toBe(3);
    expect(open.stderr).toContain('runs: it is writable by group and others (mode 0777)');
    expect(open.stdout).toBe('');
    await chmod(join(state, 'runs'), 0o700);
    expect((await box.cli(['runs'])).code).toBe(0);

    await symlink(state, join(box.dir, 'linked'));
    const linked = await box.cli(['runs', '--json', '--state-dir', 'linked']);
    expect(linked.code).toBe(3);
    expect(linked.stderr).toContain('it is a symbolic link');
  });
});

describe('runs of a version this one cannot read', () => {
  it('are listed as unreadable, with why, in the table and in --json; rollback --last passes over them', async () => {
    box = await sandbox();
    const [a1, a2, b1, b2] = activeUsers(box.emulator, 4);
    await titleCsv(join(box.dir, 'a.csv'), [a1!, a2!], 'Older');
    await titleCsv(join(box.dir, 'b.csv'), [b1!, b2!], 'Newer');
    expect((await box.cli(['update', 'a.csv', '--yes'])).code).toBe(0);
    expect((await box.cli(['update', 'b.csv', '--yes'])).code).toBe(0);
    const [older, newer] = (JSON.parse((await box.cli(['runs', '--json'])).stdout) as { runId: string }[]).map(
      (r) => r.runId,
    );
    const metaPath = join(box.dir, STATE, 'runs', newer!, 'run.json');
    const meta = JSON.parse(await readFile(metaPath, 'utf8')) as Record<string, unknown>;
    await writeFile(metaPath, JSON.stringify({ ...meta, schemaVersion: 2, status: 'something new' }));

    const r = await box.cli(['runs']);
    expect(r.code).toBe(0);
    const [, first, second, ...rest] = r.stdout.trimEnd().split('\n');
    expect(rest).toEqual([]);
    expect(first).toMatch(new RegExp(`^${older}\\s+update\\s+completed`));
    expect(second).toMatch(
      new RegExp(`^${newer}\\s+-\\s+unreadable\\s+.*run\\.json has schema version 2; this version reads 1$`),
    );
    const listed = JSON.parse((await box.cli(['runs', '--json'])).stdout) as Record<string, unknown>[];
    expect(listed.map((l) => [l.runId, l.status])).toEqual([
      [older, 'completed'],
      [newer, 'unreadable'],
    ]);
    expect(listed[1]).toEqual({
      runId: newer,
      status: 'unreadable',
      problem: 'run.json has schema version 2; this version reads 1',
      createdAt: meta.createdAt,
    });

    const last = await box.cli(['rollback', '--last', '--yes']);
    expect(last.code, last.stderr).toBe(0);
    expect(last.stderr).toContain(older);
    for (const u of [a1!, a2!]) expect(box.emulator.user(u.id)!.title).toBe(u.title);
    expect([b1!, b2!].map((u) => box!.emulator.user(u.id)!.title)).toEqual(['Newer 1', 'Newer 2']);
  }, 60_000);
});

describe('rollback --last', () => {
  it('undoes the newest update run against this target, then the one before; none left: exit 2', async () => {
    box = await sandbox();
    const users = activeUsers(box.emulator, 3);
    const original = new Map(users.map((u) => [u.id, u.title]));
    await titleCsv(join(box.dir, 'first.csv'), users, 'First');
    await titleCsv(join(box.dir, 'second.csv'), users, 'Second');
    expect((await box.cli(['update', 'first.csv', '--yes'])).code).toBe(0);
    expect((await box.cli(['update', 'second.csv', '--yes'])).code).toBe(0);
    // In the order they began (ids within one second sort by their random tail).
    const [firstRun, secondRun] = (JSON.parse((await box.cli(['runs', '--json'])).stdout) as { runId: string }[]).map(
      (r) => r.runId,
    );

    const undoSecond = await box.cli(['rollback', '--last', '--yes']);
    expect(undoSecond.code).toBe(0);
    expect(undoSecond.stderr).toContain(`the last update run against`);
    expect(undoSecond.stderr).toContain(secondRun);
    for (const [i, u] of users.entries()) expect(box.emulator.user(u.id)!.title).toBe(`First ${i + 1}`);

    const undoFirst = await box.cli(['rollback', '--last', '--yes']);
    expect(undoFirst.code).toBe(0);
    expect(undoFirst.stderr).toContain(firstRun);
    for (const u of users) expect(box.emulator.user(u.id)!.title).toBe(original.get(u.id));

    const none = await box.cli(['rollback', '--last', '--yes']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('No update run against');
  }, 60_000);

  it('passes over nothing: a rerun that changes nothing (with or without --create) makes no run to undo', async () => {
    box = await sandbox();
    const users = activeUsers(box.emulator, 3);
    const original = new Map(users.map((u) => [u.id, u.title]));
    await titleCsv(join(box.dir, 'a.csv'), users, 'Checked');
    expect((await box.cli(['update', 'a.csv', '--yes'])).code).toBe(0);
    const stateDir = join(box.dir, STATE);
    const [runId] = await runIds(stateDir);
    for (const args of [[], ['--create']]) {
      const rerun = await box.cli(['update', 'a.csv', '--yes', ...args]);
      expect(rerun.code).toBe(0);
      expect(rerun.stderr).toContain('3 unchanged');
    }
    expect(await runIds(stateDir)).toEqual([runId]);

    const undo = await box.cli(['rollback', '--last', '--yes']);
    expect(undo.code).toBe(0);
    expect(undo.stderr).toContain(runId);
    for (const u of users) expect(box.emulator.user(u.id)!.title).toBe(original.get(u.id));
  }, 60_000);

  it('only looks at runs against the current target; a run id with --last is a usage error', async () => {
    box = await sandbox();
    other = await sandbox({ seed: 12 });
    await titleCsv(join(box.dir, 'a.csv'), activeUsers(box.emulator, 2), 'Here');
    expect((await box.cli(['update', 'a.csv', '--yes'])).code).toBe(0);
    // The same state folder, another organisation.
    const elsewhere = await box.cli(['rollback', '--last', '--yes'], { env: other.env });
    expect(elsewhere.code).toBe(2);
    expect(elsewhere.stderr).toContain('1 run(s) there wrote to another target or client');
    expect(other.emulator.stats().patchesApplied).toBe(0);

    const [runId] = await runIds(join(box.dir, STATE));
    const both = await box.cli(['rollback', runId!, '--last', '--yes']);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('Give one of them');
  }, 60_000);
});

describe('--resume with a file', () => {
  it('update FILE --resume ID is a usage error, nothing written', async () => {
    box = await sandbox();
    await titleCsv(join(box.dir, 'a.csv'), activeUsers(box.emulator, 2), 'X');
    const r = await box.cli(['update', 'a.csv', '--resume', '20260101-000000-abcdef', '--yes']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Give one of them');
    expect(box.emulator.stats().patchesApplied).toBe(0);
  });
});

describe("the state folder's runs, read while the login is in flight", () => {
  it('a failed login is still the error reported; with a good one, the unreadable folder is', async () => {
    box = await sandbox();
    await titleCsv(join(box.dir, 'a.csv'), activeUsers(box.emulator, 2), 'Unread');
    await mkdir(join(box.dir, STATE), { recursive: true, mode: 0o700 });
    // A file where the runs folder should be: listing it fails (ENOTDIR).
    await writeFile(join(box.dir, STATE, 'runs'), 'not a folder');

    const badLogin = await box.cli(['update', 'a.csv', '--yes'], { env: { GENESYS_CLIENT_SECRET: 'wrong' } });
    expect(badLogin.code).toBe(3);
    expect(badLogin.stderr).toMatch(/Logging in to/);
    expect(badLogin.stderr).not.toMatch(/ENOTDIR|runs/);

    const goodLogin = await box.cli(['update', 'a.csv', '--yes']);
    expect(goodLogin.code).not.toBe(0);
    expect(goodLogin.stderr).toMatch(/ENOTDIR|not a directory/i);
    expect(box.emulator.stats().patchesApplied).toBe(0);
  });
});

describe('a rerun after an interrupted run', () => {
  it('finishes that run (same file, same target): one run id, completed, and rollback --last undoes it all', async () => {
    box = await sandbox({ users: 150, seed: 33, limit: 300, windowSeconds: 10, latencyMs: [100, 200] });
    const emu = box.emulator;
    const users = activeUsers(emu, 80);
    const original = new Map(users.map((u) => [u.id, u.title]));
    const wanted = await titleCsv(join(box.dir, 'titles.csv'), users, 'Rerun');
    const cli = spawnCli(['update', 'titles.csv', '--yes'], { cwd: box.dir, env: box.env });
    await waitFor('some writes', () => emu.stats().patchesApplied >= 10, 30_000, 5);
    cli.child.kill('SIGINT');
    expect((await cli.done).code).toBe(130);
    const stateDir = join(box.dir, STATE);
    const [runId] = await runIds(stateDir);
    expect((await runMeta(stateDir, runId!)).status).toBe('interrupted');
    expect(emu.stats().patchesApplied).toBeLessThan(users.length);

    // The same bytes under another name are the same input.
    await cp(join(box.dir, 'titles.csv'), join(box.dir, 'copy.csv'));
    const rerun = await box.cli(['update', 'copy.csv', '--yes']);
    expect(rerun.code).toBe(0);
    expect(rerun.stderr).toContain(`Run ${runId} of this file against`);
    expect(rerun.stderr).toContain(`genesys-bulk update --resume ${runId}`);
    expect(await runIds(stateDir)).toEqual([runId]);
    expect((await runMeta(stateDir, runId!)).status).toBe('completed');
    for (const [id, title] of wanted) expect(emu.user(id)!.title).toBe(title);

    // One rollback undoes the whole of it.
    expect((await box.cli(['rollback', '--last', '--yes'])).code).toBe(0);
    for (const u of users) expect(emu.user(u.id)!.title).toBe(original.get(u.id));
  }, 120_000);
});
