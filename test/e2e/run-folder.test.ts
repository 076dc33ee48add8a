/** One process per run (#10.4), one target per run, and --resume with a file (usage). */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunMeta } from '../../src/run/folder.js';
import { type Sandbox, sandbox } from './harness.js';
import { activeUsers, csv, patchRequests, writeInput } from './helpers.js';
import { adminEdit, runIds, STATE } from './resilience/helpers.js';

let box: Sandbox | undefined;
afterEach(async () => {
  await box?.close();
  box = undefined;
});

/** An update run of `n` title changes, applied; then its journal lost and the titles set back, so a resume has work. */
async function runWithWorkLeft(b: Sandbox, n: number) {
  const users = activeUsers(b).slice(0, n);
  const file = await writeInput(b, 'titles.csv', csv([['id', 'title'], ...users.map((u, i) => [u.id, `Locked ${i}`])]));
  expect((await b.cli(['update', file, '--yes'])).code).toBe(0);
  const [runId] = await runIds(join(b.dir, STATE));
  const dir = join(b.dir, STATE, 'runs', runId!);
  await writeFile(join(dir, 'journal.jsonl'), '');
  for (const u of users) await adminEdit(b.emulator, u.id, { title: u.title ?? 'none' });
  return { users, file, runId: runId!, dir };
}

describe('the run folder', () => {
  it('records the host and the client id in run.json, never the secret', async () => {
    box = await sandbox();
    const { dir } = await runWithWorkLeft(box, 1);
    const text = await readFile(join(dir, 'run.json'), 'utf8');
    const meta = JSON.parse(text) as RunMeta;
    expect(meta.target).toBe(box.emulator.url);
    expect(meta.clientId).toBe(box.emulator.clientId);
    expect(text).not.toContain(box.emulator.clientSecret);
  });

  it('a resume of a run another live process holds: exit 3 naming its pid, nothing written', async () => {
    box = await sandbox();
    const { dir, runId } = await runWithWorkLeft(box, 3);
    const startedAt = Math.round(Date.now() - process.uptime() * 1000);
    await writeFile(join(dir, 'lock'), JSON.stringify({ pid: process.pid, host: hostname(), startedAt }));
    const before = patchRequests(box.emulator.stats());
    for (const args of [
      ['update', '--resume', runId, '--yes'],
      ['rollback', runId, '--yes'],
    ]) {
      const r = await box.cli(args);
      expect(r.stderr, args.join(' ')).toContain(`process ${process.pid}`);
      expect(r.code, args.join(' ')).toBe(3);
    }
    expect(patchRequests(box.emulator.stats())).toBe(before);
  });

  it("a dead holder's lock is taken over: the resume runs, and leaves no lock behind", async () => {
    box = await sandbox();
    const { dir, runId, users } = await runWithWorkLeft(box, 3);
    // A pid far above any this machine has handed out, recorded as if from a crashed run.
    await writeFile(join(dir, 'lock'), JSON.stringify({ pid: 4_194_000, host: hostname(), startedAt: 1 }));
    const r = await box.cli(['update', '--resume', runId, '--yes']);
    expect(r.code).toBe(0);
    for (const [i, u] of users.entries()) expect(box.emulator.user(u.id)!.title).toBe(`Locked ${i}`);
    await expect(readFile(join(dir, 'lock'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('resume and rollback refuse a run made against another host or client id (exit 3, saying both)', async () => {
    box = await sandbox();
    const { dir, runId } = await runWithWorkLeft(box, 2);
    const metaPath = join(dir, 'run.json');
    const meta = JSON.parse(await readFile(metaPath, 'utf8')) as RunMeta;
    const before = patchRequests(box.emulator.stats());

    await writeFile(metaPath, JSON.stringify({ ...meta, clientId: 'another-client' }));
    const client = await box.cli(['update', '--resume', runId, '--yes']);
    expect(client.code).toBe(3);
    expect(client.stderr).toContain('another-client');
    expect(client.stderr).toContain(box.emulator.clientId);

    await writeFile(metaPath, JSON.stringify({ ...meta, target: 'https://api.mypurecloud.ie' }));
    for (const args of [
      ['update', '--resume', runId, '--yes'],
      ['rollback', runId, '--yes'],
    ]) {
      const r = await box.cli(args);
      expect(r.code, args.join(' ')).toBe(3);
      expect(r.stderr).toContain('https://api.mypurecloud.ie');
      expect(r.stderr).toContain(box.emulator.url);
    }
    expect(patchRequests(box.emulator.stats())).toBe(before);
  });

  it('update FILE --resume ID is a usage error (exit 2), before any call', async () => {
    box = await sandbox();
    const { file, runId } = await runWithWorkLeft(box, 1);
    const requests = box.emulator.stats().requests;
    const r = await box.cli(['update', file, '--resume', runId, '--yes']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/both a file .* and --resume/);
    const rb = await box.cli(['rollback', runId, '--resume', runId, '--yes']);
    expect(rb.code).toBe(2);
    expect(box.emulator.stats().requests).toBe(requests);
  });

  it('rollback --resume refuses an update run (it would apply the rest of it): exit 2, nothing sent', async () => {
    box = await sandbox();
    const { runId, users } = await runWithWorkLeft(box, 2);
    const requests = box.emulator.stats().requests;
    const r = await box.cli(['rollback', '--resume', runId, '--yes']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`Run ${runId} is an update, not a rollback`);
    expect(r.stderr).toContain(`genesys-bulk update --resume ${runId}`);
    expect(box.emulator.stats().requests).toBe(requests);
    for (const u of users) expect(box.emulator.user(u.id)!.title).toBe(u.title);
  });

  it('resume and rollback refuse a run.json or a journal of a version they do not know: exit 2, nothing written', async () => {
    box = await sandbox();
    const { dir, runId } = await runWithWorkLeft(box, 2);
    const metaPath = join(dir, 'run.json');
    const meta = await readFile(metaPath, 'utf8');
    const before = patchRequests(box.emulator.stats());
    const refused = async (said: RegExp) => {
      for (const args of [
        ['update', '--resume', runId, '--yes'],
        ['rollback', runId, '--yes'],
      ]) {
        const r = await box!.cli(args);
        expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
        expect(r.stderr).toMatch(said);
      }
    };

    await writeFile(metaPath, JSON.stringify({ ...JSON.parse(meta), schemaVersion: 2 }));
    await refused(/run\.json has schema version 2; this version of genesys-bulk reads version 1 only/);
    await writeFile(metaPath, 'null');
    await refused(/run\.json is not a JSON object/);
    await writeFile(metaPath, meta);

    await writeFile(join(dir, 'journal.jsonl'), '{"t":"header","schemaVersion":2}\n');
    await refused(/journal\.jsonl has journal schema version 2; .*with the version of genesys-bulk that made it/);
    await writeFile(join(dir, 'journal.jsonl'), '{"t":"header","schemaVersion":1}\n{"t":"intent-v2","row":1}\n');
    await refused(/journal\.jsonl line 2 holds a record of a kind it does not know \("intent-v2"\)/);

    expect(patchRequests(box.emulator.stats())).toBe(before);
    await expect(readFile(join(dir, 'lock'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
  it('a rollback of a run whose journal was lost or emptied since: exit 2 saying so, not "nothing to do"', async () => {
    box = await sandbox();
    const users = activeUsers(box).slice(0, 2);
    const file = await writeInput(
      box,
      'titles.csv',
      csv([['id', 'title'], ...users.map((u, i) => [u.id, `Lost ${i}`])]),
    );
    expect((await box.cli(['update', file, '--yes'])).code).toBe(0);
    const [runId] = await runIds(join(box.dir, STATE));
    const dir = join(box.dir, STATE, 'runs', runId!);
    const before = patchRequests(box.emulator.stats());
    for (const lose of [() => writeFile(join(dir, 'journal.jsonl'), ''), () => rm(join(dir, 'journal.jsonl'))]) {
      await lose();
      const r = await box.cli(['rollback', runId!, '--yes']);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(`Run ${runId} says it wrote to 2 user(s), but its journals`);
    }
    expect(patchRequests(box.emulator.stats())).toBe(before);
    for (const [i, u] of users.entries()) expect(box.emulator.user(u.id)!.title).toBe(`Lost ${i}`);
  });

  it('resume and rollback refuse a journal copied from another run folder: exit 2, nothing written', async () => {
    box = await sandbox();
    const users = activeUsers(box).slice(0, 4);
    const titles = csv([['id', 'title'], ...users.slice(0, 2).map((u, i) => [u.id, `Mine ${i}`])]);
    const departments = csv([['id', 'department'], ...users.slice(2).map((u, i) => [u.id, `Theirs ${i}`])]);
    expect((await box.cli(['update', await writeInput(box, 'mine.csv', titles), '--yes'])).code).toBe(0);
    const [mine] = await runIds(join(box.dir, STATE));
    expect((await box.cli(['update', await writeInput(box, 'theirs.csv', departments), '--yes'])).code).toBe(0);
    const theirs = (await runIds(join(box.dir, STATE))).find((id) => id !== mine)!;
    const runs = join(box.dir, STATE, 'runs');
    await writeFile(join(runs, mine!, 'journal.jsonl'), await readFile(join(runs, theirs, 'journal.jsonl')));
    const before = patchRequests(box.emulator.stats());
    for (const args of [
      ['update', '--resume', mine!, '--yes'],
      ['rollback', mine!, '--yes'],
    ]) {
      const r = await box.cli(args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toContain(`journal.jsonl is the journal of run ${theirs}, not of run ${mine}`);
    }
    // The other run's writes stay: a rollback by its journal would have undone them.
    expect(patchRequests(box.emulator.stats())).toBe(before);
    for (const [i, u] of users.slice(2).entries()) expect(box.emulator.user(u.id)!.department).toBe(`Theirs ${i}`);
  });
});
