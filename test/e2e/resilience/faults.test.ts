import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ConcurrentEdit } from '../../../src/emulator/index.js';
import type { GenesysUser } from '../../../src/genesys/types.js';
import { type Sandbox, sandbox } from '../harness.js';
import { activeUsers, profile, readReport, titleCsv } from './helpers.js';

let box: Sandbox | undefined;
afterEach(async () => {
  await box?.close();
  box = undefined;
});

const ROWS = 400;

/** What a user must look like after the run: as before, with the other admin's edits, and the file's title. */
function expectedUser(initial: GenesysUser, edits: ConcurrentEdit[], title: string): Omit<GenesysUser, 'version'> {
  const user = structuredClone(initial) as GenesysUser & Record<string, unknown>;
  for (const e of edits) {
    if (e.field === 'addresses') {
      const contact = e.value as NonNullable<GenesysUser['addresses']>[number];
      user.addresses = [
        ...(user.addresses ?? []).filter((c) => !(c.mediaType === 'PHONE' && c.type === 'OTHER')),
        contact,
      ];
    } else user[e.field] = e.value;
  }
  user.title = title;
  return profile(user)!;
}

describe('fault injection: 503, 502, lost responses, short-lived tokens and another admin at work', () => {
  it('ends with every row correct, every foreign edit kept, and no write applied twice', async () => {
    box = await sandbox({
      users: 600,
      seed: 5,
      limit: 200,
      windowSeconds: 10,
      latencyMs: [20, 60],
      tokenLifetimeSeconds: 10,
      error503Rate: 0.05,
      error502Rate: 0.02,
      dropAfterWriteRate: 0.015,
      concurrentEditRate: 0.05,
      concurrentEditFields: ['title', 'department', 'preferredName', 'addresses'],
    });
    const emu = box.emulator;
    const targets = activeUsers(emu, ROWS);
    const initial = new Map(emu.users().map((u) => [u.id, u]));
    const file = join(box.dir, 'titles.csv');
    const wanted = await titleCsv(file, targets, 'Resilient Title');
    const reportPath = join(box.dir, 'report.jsonl');

    const started = Date.now();
    const run = await box.cli(['update', file, '--yes', '--report', reportPath, '--json'], { timeoutMs: 90_000 });
    const elapsedMs = Date.now() - started;
    const stats = emu.stats();
    const result = JSON.parse(run.stdout.trim().split('\n').pop()!) as {
      api: { requests: number; rateLimited: number; retries: number; reauths: number };
    };
    console.log(
      JSON.stringify({
        elapsedMs,
        rows: ROWS,
        patchesApplied: stats.patchesApplied,
        concurrentEdits: stats.concurrentEdits.length,
        titleEdits: stats.concurrentEdits.filter((e) => e.field === 'title').length,
        faults: stats.faults,
        rateLimited: stats.rateLimited,
        unauthorized: stats.unauthorized,
        tokensIssued: stats.tokensIssued,
        requests: stats.requests,
        client: result.api,
      }),
    );
    expect(run.stderr).not.toMatch(/unexpected/);
    expect(run.code).toBe(0);

    // The faults the test is about did happen.
    expect(stats.faults.error503).toBeGreaterThan(0);
    expect(stats.faults.error502).toBeGreaterThan(0);
    expect(stats.faults.droppedAfterWrite).toBeGreaterThan(0);
    expect(stats.tokensIssued).toBeGreaterThan(1);
    const titleEdits = stats.concurrentEdits.filter((e) => e.field === 'title');
    const otherEdits = stats.concurrentEdits.filter((e) => e.field !== 'title');
    expect(titleEdits.length).toBeGreaterThan(0);
    expect(otherEdits.length).toBeGreaterThan(0);

    // Every user: the file's title, the other admin's edits to other fields, nothing else changed.
    const editsByUser = new Map<string, ConcurrentEdit[]>();
    for (const e of stats.concurrentEdits) editsByUser.set(e.userId, [...(editsByUser.get(e.userId) ?? []), e]);
    for (const u of targets) {
      expect(profile(emu.user(u.id)), u.id).toEqual(
        expectedUser(initial.get(u.id)!, editsByUser.get(u.id) ?? [], wanted.get(u.id)!),
      );
    }
    // Users outside the file were not touched.
    const targetIds = new Set(targets.map((u) => u.id));
    for (const u of emu.users()) if (!targetIds.has(u.id)) expect(u).toEqual(initial.get(u.id));

    // Writes: one per user, plus at most one re-apply per edit of the title by the other admin (an edit that
    // lands after the file's title did undoes it, and the file must win).
    const titleEditsByUser = new Map<string, number>();
    for (const e of titleEdits) titleEditsByUser.set(e.userId, (titleEditsByUser.get(e.userId) ?? 0) + 1);
    const allowance = ROWS + titleEdits.length;
    expect(stats.patchesApplied).toBeLessThanOrEqual(allowance);
    for (const u of targets) {
      const n = stats.patchesByUser[u.id] ?? 0;
      expect(n, u.id).toBeGreaterThanOrEqual(1);
      expect(n, u.id).toBeLessThanOrEqual(1 + (titleEditsByUser.get(u.id) ?? 0));
    }

    // The report: every row updated; a conflict note naming the other admin's last title exactly where there was one.
    const report = await readReport(reportPath);
    expect(report).toHaveLength(ROWS);
    const lastTitleEdit = new Map(titleEdits.map((e) => [e.userId, e.value as string]));
    for (const r of report) {
      expect(r.status, `row ${r.row}`).toBe('updated');
      const other = lastTitleEdit.get(r.userId!);
      if (other === undefined) expect(r.conflict, `row ${r.row}`).toBeUndefined();
      else expect(r.conflict, `row ${r.row}`).toContain(`title was set to ${JSON.stringify(other)}`);
    }
  }, 120_000);

  it('sends state after the profile with the version the profile PATCH returned: no conflict, two writes per user', async () => {
    box = await sandbox({ users: 100, seed: 6 });
    const emu = box.emulator;
    const targets = activeUsers(emu, 20);
    const file = join(box.dir, 'deactivate.csv');
    await writeFile(file, `id,title,state\n${targets.map((u, i) => `${u.id},Leaver ${i + 1},inactive`).join('\n')}\n`);
    const run = await box.cli(['update', file, '--yes']);
    expect(run.code).toBe(0);
    const stats = emu.stats();
    expect(stats.byStatus['409']).toBeUndefined();
    expect(stats.patchesApplied).toBe(40);
    for (const [i, u] of targets.entries()) {
      expect(emu.user(u.id)).toMatchObject({ title: `Leaver ${i + 1}`, state: 'inactive', version: u.version + 2 });
    }
  });
});
