import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunMeta } from '../../../src/run/folder.js';
import { type Sandbox, sandbox } from '../harness.js';
import { activeUsers, adminEdit, profile, readReport, runIds, STATE } from './helpers.js';

let box: Sandbox | undefined;
afterEach(async () => {
  await box?.close();
  box = undefined;
});

describe('rollback', () => {
  it('restores what the run changed, leaves what someone else changed since, and reports it', async () => {
    box = await sandbox({ users: 150, seed: 41 });
    const emu = box.emulator;
    const targets = activeUsers(emu, 40);
    const before = new Map(targets.map((u) => [u.id, emu.user(u.id)!]));
    const stateDir = join(box.dir, STATE);
    // Rows 1–30 set the title; rows 31–40 set the title and the department.
    const file = join(box.dir, 'changes.csv');
    const line = (i: number) =>
      `${targets[i]!.id},Rolled Title ${i + 1},${i >= 30 ? `Rolled Department ${i + 1}` : ''}`;
    await writeFile(file, `id,title,department\n${targets.map((_, i) => line(i)).join('\n')}\n`);

    const update = await box.cli(['update', file, '--yes']);
    expect(update.code).toBe(0);
    const [updateId] = await runIds(stateDir);
    expect(emu.stats().patchesApplied).toBe(40);

    // Another admin, after the run: titles of users 1–5 and 31–33 (fields the run set), and the preferred name of
    // user 6 (a field it did not).
    const editedTitle = new Map<string, string>();
    for (const i of [0, 1, 2, 3, 4, 30, 31, 32]) {
      const value = `Admin Title ${i + 1}`;
      await adminEdit(emu, targets[i]!.id, { title: value });
      editedTitle.set(targets[i]!.id, value);
    }
    await adminEdit(emu, targets[5]!.id, { preferredName: 'Admin Preferred' });
    const afterEdits = new Map(targets.map((u) => [u.id, emu.user(u.id)!]));
    const patchesBeforeRollback = emu.stats().patchesApplied;

    // A dry run reads and plans, and writes nothing: no PATCH, no run folder.
    const dry = await box.cli(['rollback', updateId!, '--dry-run']);
    expect(dry.code).toBe(0);
    expect(emu.stats().patchesApplied).toBe(patchesBeforeRollback);
    expect(await runIds(stateDir)).toEqual([updateId]);
    for (const u of targets) expect(emu.user(u.id)).toEqual(afterEdits.get(u.id));
    expect(dry.stdout).toMatch(/title/);

    const reportPath = join(box.dir, 'rollback.jsonl');
    const rollback = await box.cli(['rollback', updateId!, '--yes', '--report', reportPath]);
    expect(rollback.stderr).not.toMatch(/unexpected/);
    expect(rollback.code).toBe(0);

    for (const [i, u] of targets.entries()) {
      const now = emu.user(u.id)!;
      const other = editedTitle.get(u.id);
      expect(now.title, `user ${i + 1}`).toBe(other ?? before.get(u.id)!.title);
      expect(now.department, `user ${i + 1}`).toBe(before.get(u.id)!.department);
    }
    expect(emu.user(targets[5]!.id)!.preferredName).toBe('Admin Preferred');
    // Every other field is as it was before the run (or as the admin left it).
    for (const u of targets) {
      const { title: _t, department: _d, ...rest } = profile(emu.user(u.id))!;
      const { title: _t2, department: _d2, ...was } = profile(afterEdits.get(u.id))!;
      expect(rest).toEqual(was);
    }

    const report = await readReport(reportPath);
    expect(report).toHaveLength(40);
    const byUser = new Map(report.map((r) => [r.userId, r]));
    for (const [i, u] of targets.entries()) {
      const r = byUser.get(u.id)!;
      const other = editedTitle.get(u.id);
      if (!other) {
        expect(r.status, `user ${i + 1}`).toBe('updated');
        continue;
      }
      // Title-only rows have nothing left to restore; the others still get their department back.
      expect(r.status, `user ${i + 1}`).toBe(i < 30 ? 'skipped' : 'updated');
      expect(r.message, `user ${i + 1}`).toContain(`title is now ${JSON.stringify(other)}`);
    }
    // Only the users whose fields still held the run's values were written: 40, less the 5 skipped.
    expect(emu.stats().patchesApplied - patchesBeforeRollback).toBe(35);

    const runs = await box.cli(['runs']);
    expect(runs.code).toBe(0);
    const [header, ...lines] = runs.stdout.trim().split('\n');
    expect(header).toMatch(/^RUN\s+COMMAND\s+STATUS/);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(new RegExp(`^${updateId}\\s+update\\s+completed\\s+.*40 updated`));
    expect(lines[1]).toMatch(/^\S+\s+rollback\s+completed\s+.*35 updated, 5 skipped/);
    const json = JSON.parse((await box.cli(['runs', '--json'])).stdout) as RunMeta[];
    expect(json.map((r) => [r.command, r.status, r.rollbackOf])).toEqual([
      ['update', 'completed', undefined],
      ['rollback', 'completed', updateId],
    ]);
  }, 60_000);

  it('leaves a field another admin changes while the rollback runs, instead of writing over it', async () => {
    box = await sandbox({ users: 150, seed: 42 });
    const emu = box.emulator;
    const targets = activeUsers(emu, 60);
    const before = new Map(targets.map((u) => [u.id, emu.user(u.id)!]));
    const file = join(box.dir, 'titles.csv');
    await writeFile(file, `id,title\n${targets.map((u, i) => `${u.id},Raced Title ${i + 1}`).join('\n')}\n`);
    expect((await box.cli(['update', file, '--yes'])).code).toBe(0);
    const [updateId] = await runIds(join(box.dir, STATE));

    // The other admin edits the title just before some of the rollback's writes reach the user.
    emu.setFaults({ concurrentEditRate: 0.25, concurrentEditFields: ['title'] });
    const reportPath = join(box.dir, 'rollback.jsonl');
    const rollback = await box.cli(['rollback', updateId!, '--yes', '--report', reportPath]);
    expect(rollback.code).toBe(0);
    const edits = emu.stats().concurrentEdits;
    expect(edits.length).toBeGreaterThan(0);

    const lastEdit = new Map(edits.map((e) => [e.userId, e.value as string]));
    const report = new Map((await readReport(reportPath)).map((r) => [r.userId, r]));
    for (const [i, u] of targets.entries()) {
      const other = lastEdit.get(u.id);
      const r = report.get(u.id)!;
      if (other === undefined) {
        expect(emu.user(u.id)!.title, `user ${i + 1}`).toBe(before.get(u.id)!.title);
        expect(r.status, `user ${i + 1}`).toBe('updated');
      } else {
        expect(emu.user(u.id)!.title, `user ${i + 1}`).toBe(other);
        expect(r.status, `user ${i + 1}`).toBe('skipped');
        expect(r.message, `user ${i + 1}`).toContain(`title is now ${JSON.stringify(other)}`);
      }
    }
  }, 60_000);
});
