/**
 * Routing runs that stop and are resumed, and runs that are rolled back (issue #6): no routing call whose outcome is
 * journaled is sent again, and a rollback puts back every kind of assignment.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { type CallRecord, readRoutingJournal } from '../../src/run/journal.js';
import { asAnotherAdmin, csv, type ReportRecordJson, readJsonlReport, runIdOf, writeInput } from './helpers.js';
import { runIds, STATE, soleRunId, spawnCli, waitFor } from './resilience/helpers.js';
import {
  language,
  queue,
  type RoutingOrg,
  role,
  routingCalls,
  routingOrg,
  routingSnapshot,
  skill,
  skillsOf,
  writeRequests,
} from './routing-helpers.js';

let org: RoutingOrg | undefined;
afterEach(async () => {
  await org?.box.close();
  org = undefined;
});

describe('rollback of routing', () => {
  it('puts back skills, languages, queues, roles and division; leaves what someone changed since', async () => {
    org = await routingOrg({
      assign: (people, home) =>
        Object.fromEntries(
          people.slice(0, 5).map((u) => [
            u.id,
            {
              skills: [
                { id: skill('Billing'), proficiency: 3 },
                { id: skill('Spanish'), proficiency: 2 },
              ],
              languages: [
                { id: language('English'), proficiency: 5 },
                { id: language('French'), proficiency: 2 },
              ],
              queues: [queue('Retention Desk')],
              grants: [
                { roleId: role('Employee'), divisionId: home },
                { roleId: role('Agent'), divisionId: home },
              ],
            },
          ]),
        ),
    });
    const { box, emu } = org;
    const p = org.people.slice(0, 5);
    const initial = p.map((u) => routingSnapshot(emu, u.id));
    const file = await writeInput(
      box,
      'all.csv',
      csv([
        ['email', 'title', 'skills', 'languages', 'queues', 'roles', 'division'],
        [p[0]!.email!, '', 'Sales:4', '', '', '', ''],
        [p[1]!.email!, '', '', 'German:3', '', '', ''],
        [p[2]!.email!, '', '', '', '+Sales Inbound;-Retention Desk', '', ''],
        // A user with no role at all in between would be locked out: the rollback must get back to both.
        [p[3]!.email!, '', '', '', '', 'Supervisor@Support', ''],
        [p[4]!.email!, 'E2E Rolled Back', '+Billing:5', '-French', '+VIP Customers', '+Admin', 'Support'],
      ]),
    );
    const r = await box.cli(['update', file, '--yes']);
    expect(r.code, r.stderr).toBe(0);
    const runId = runIdOf(r.stderr)!;
    expect(p.map((u) => routingSnapshot(emu, u.id))).not.toEqual(initial);
    expect(skillsOf(emu, p[0]!.id)).toEqual({ Sales: 4 });

    // Another admin gives p4 Billing 1 and French back at 1 after the run: the rollback must leave both.
    await asAnotherAdmin(emu, 'PATCH', `/api/v2/users/${p[4]!.id}/routingskills/bulk`, [
      { id: skill('Billing'), proficiency: 1 },
    ]);
    await asAnotherAdmin(emu, 'PATCH', `/api/v2/users/${p[4]!.id}/routinglanguages/bulk`, [
      { id: language('French'), proficiency: 1 },
    ]);

    const read = emu.stats().byRoute['GET /api/v2/users'] ?? {};
    const rb = await box.cli(['rollback', runId, '--yes', '--report', 'rollback.jsonl']);
    expect(rb.code, rb.stderr).toBe(0);
    // The 5 users in one read by id, their skills and languages with them: not read again for those. The second
    // read is their skills and languages again just before they are written (run/recheck-items.ts), the third the
    // division move's re-read of its users just before the move (run/recheck.ts).
    const count = (byStatus: Record<string, number>) => Object.values(byStatus).reduce((a, b) => a + b, 0);
    expect(count(emu.stats().byRoute['GET /api/v2/users'] ?? {}) - count(read)).toBe(3);
    const after = p.map((u) => routingSnapshot(emu, u.id));
    expect(after.slice(0, 4)).toEqual(initial.slice(0, 4));
    expect(after[4]).toEqual({
      ...initial[4],
      skills: { Billing: 1, Spanish: 2 },
      languages: { ...initial[4]!.languages, French: 1 },
    });
    expect(emu.user(p[4]!.id)!.title).toBe(p[4]!.title);

    const report = await readJsonlReport(box, 'rollback.jsonl');
    expect(report.map((x) => x.status)).toEqual(Array(5).fill('updated'));
    const last = report.find((x) => x.userId === p[4]!.id)!;
    expect(last.message).toContain('skill:Billing is now "1" (the run set "5")');
    // A value removed reads as the plan shows it, not as JSON's null.
    expect(last.message).toContain('language:French is now "1" (the run set (none))');
    expect(last.changes.map((c) => c.field)).toEqual(['title', 'queue:VIP Customers', 'role:Admin@Home', 'division']);

    // Rolled back is rolled back: a second rollback of the same run finds nothing left to restore.
    const before = emu.stats();
    const again = await box.cli(['rollback', runId, '--yes']);
    expect(again.code, again.stderr).toBe(0);
    expect(writeRequests(emu.stats())).toBe(writeRequests(before));
  });
});

describe('stopping and resuming a routing run', () => {
  const ROWS = 150;
  /** Slow enough to stop part-way: every request takes 30–80 ms. */
  const slow = () =>
    routingOrg({ users: 200, latencyMs: [30, 80], assign: (people) => ({ [people[0]!.id]: { queues: [] } }) });

  async function setup() {
    org = await slow();
    const { box } = org;
    const targets = org.people.slice(0, ROWS);
    const file = await writeInput(
      box,
      'slow.csv',
      csv([
        ['email', 'title', 'skills', 'queues'],
        ...targets.map((u, i) => [u.email!, i % 3 === 0 ? `E2E Resume ${i}` : '', '+Billing:4', '+Sales Inbound']),
      ]),
    );
    return { box, emu: org.emu, targets, file, stateDir: join(box.dir, STATE) };
  }

  async function expectConverged(
    emu: RunningEmulator,
    targets: { id: string }[],
    reportPath: string,
    box: RoutingOrg['box'],
  ) {
    for (const u of targets) expect(skillsOf(emu, u.id)).toEqual({ Billing: 4 });
    expect(emu.queueMembers(queue('Sales Inbound'))!.sort()).toEqual(targets.map((u) => u.id).sort());
    // No call sent twice: one skills PATCH per user, one queue call per 100 users, across both attempts.
    const calls = routingCalls(emu.stats());
    expect(calls.skillsPatch).toBe(ROWS);
    expect(emu.stats().routingWrites.skills).toBe(ROWS);
    expect(calls.queueMembersPost).toBe(2);
    expect(calls.userPatch).toBe(ROWS / 3);
    const report: ReportRecordJson[] = await readJsonlReport(box, reportPath);
    expect(report).toHaveLength(ROWS);
    for (const rec of report) expect(rec.status).toBe('updated');
    const titled = report.find((x) => x.row === 1)!;
    expect(titled.changes.map((c) => c.field)).toEqual(['title', 'skill:Billing', 'queue:Sales Inbound']);
  }

  it('after SIGKILL mid-routing, --resume re-reads, re-plans and sends no call twice', async () => {
    const { box, emu, targets, file, stateDir } = await setup();
    const cli = spawnCli(['update', file, '--yes'], { cwd: box.dir, env: box.env });
    const outcome = await Promise.race([
      waitFor('routing writes under way', () => emu.stats().routingWrites.skills >= 40, 30_000, 5),
      cli.done.then((r) => `exited early (${r.code}): ${r.stderr}`),
    ]);
    expect(outcome).toBe(true);
    cli.child.kill('SIGKILL');
    expect((await cli.done).signal).toBe('SIGKILL');
    const runId = (await soleRunId(stateDir))!;
    // Requests the killed process had sent are still being answered (into a closed socket): let them land.
    await waitFor('the emulator to finish what was sent', () => emu.stats().inFlight === 0, 5_000, 5);
    const landed = emu.stats().routingWrites.skills;
    expect(landed).toBeLessThan(ROWS);

    // A dry run of the resume shows what is left, read afresh, and writes nothing.
    const writes = writeRequests(emu.stats());
    const peek = await box.cli(['update', '--resume', runId, '--dry-run']);
    expect(peek.code, peek.stderr).toBe(0);
    expect(peek.stdout).toContain('skill:Billing: (none) → "4"');
    expect(peek.stdout).toContain('queue:Sales Inbound: (none) → "member"');
    expect(peek.stdout).toMatch(/Routing and access: \d+ call\(s\)/);
    expect(writeRequests(emu.stats())).toBe(writes);
    // The users left are read by id with their skills: no second read of them for the skills, nor one per user.
    const json = await box.cli(['update', '--resume', runId, '--dry-run', '--json']);
    expect(json.code, json.stderr).toBe(0);
    const reads = (JSON.parse(json.stdout) as { api: { reads: { routing: Record<string, number> } } }).api.reads;
    expect(reads.routing).toMatchObject({ expanded: 0, skills: 0 });

    const resumed = await box.cli(['update', '--resume', runId, '--yes', '--report', 'resume.jsonl']);
    expect(resumed.code, resumed.stderr).toBe(0);
    await expectConverged(emu, targets, 'resume.jsonl', box);

    const journal = await readRoutingJournal(join(stateDir, 'runs', runId));
    const seqs = journal.filter((x): x is CallRecord => x.t === 'call').map((c) => c.seq);
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(await runIds(stateDir)).toEqual([runId]);
  });

  it('on SIGINT, stops starting routing calls, lets those in flight finish, exits 130; --resume finishes', async () => {
    const { box, emu, targets, file, stateDir } = await setup();
    const cli = spawnCli(['update', file, '--yes', '--report', 'first.jsonl'], { cwd: box.dir, env: box.env });
    const outcome = await Promise.race([
      waitFor('routing writes under way', () => emu.stats().routingWrites.skills >= 40, 30_000, 5),
      cli.done.then((r) => `exited early (${r.code}): ${r.stderr}`),
    ]);
    expect(outcome).toBe(true);
    cli.child.kill('SIGINT');
    const first = await cli.done;
    expect(first.code, first.stderr).toBe(130);
    expect(first.stderr).toContain('To finish the run: genesys-bulk update --resume');
    const runId = (await soleRunId(stateDir))!;

    // Every call that was sent has its outcome: the drain waited for it.
    const journal = await readRoutingJournal(join(stateDir, 'runs', runId));
    const sent = journal.filter((x) => x.t === 'call').length;
    expect(journal.filter((x) => x.t === 'call-outcome')).toHaveLength(sent);
    expect(emu.stats().routingWrites.skills).toBe(sent);
    const report = await readJsonlReport(box, 'first.jsonl');
    const interrupted = report.filter((x) => x.errorCode === 'interrupted');
    expect(interrupted.length).toBeGreaterThan(0);
    expect(report.filter((x) => x.errorCode === 'in_flight')).toEqual([]);
    expect(writeRequests(emu.stats())).toBeGreaterThan(0);

    const resumed = await box.cli(['update', '--resume', runId, '--yes', '--report', 'resume.jsonl']);
    expect(resumed.code, resumed.stderr).toBe(0);
    await expectConverged(emu, targets, 'resume.jsonl', box);
  });
});

describe('lost responses', () => {
  it('retries routing writes whose response was lost; sets, not increments, so each lands once', async () => {
    org = await routingOrg({
      dropAfterWriteRate: 0.1,
      assign: (people) =>
        Object.fromEntries(
          people.slice(0, 30).map((u) => [
            u.id,
            {
              languages: [
                { id: language('English'), proficiency: 5 },
                { id: language('French'), proficiency: 2 },
              ],
            },
          ]),
        ),
    });
    const { box, emu } = org;
    const p = org.people.slice(0, 30);
    const file = await writeInput(
      box,
      'drops.csv',
      csv([
        ['email', 'skills', 'languages', 'queues', 'roles'],
        ...p.map((u) => [u.email!, '+Billing:4', '-French', '+Sales Inbound', '+Agent@Support']),
      ]),
    );
    const r = await box.cli(['update', file, '--yes', '--report', 'report.jsonl']);
    expect(r.code, r.stderr).toBe(0);
    const stats = emu.stats();
    expect(stats.faults.droppedAfterWrite).toBeGreaterThan(0);
    for (const u of p) {
      expect(routingSnapshot(emu, u.id)).toMatchObject({
        skills: { Billing: 4 },
        languages: { English: 5 },
        queues: ['Sales Inbound'],
        grants: ['Agent@Support'],
      });
    }
    const report = await readJsonlReport(box, 'report.jsonl');
    expect(report.map((x) => x.status)).toEqual(Array(30).fill('updated'));
    // A retried DELETE meets 404 (the language is already gone): read back, it counts as done.
    const deletes = stats.byRoute['DELETE /api/v2/users/{userId}/routinglanguages/{languageId}'] ?? {};
    expect((deletes['204'] ?? 0) + (deletes.dropped ?? 0)).toBe(30);
  });
});
