/**
 * Another admin writing the same users between a run's read and its writes: a division move carries no version, so
 * the run reads its users again just before the move and judges each as a profile field on a version conflict (the
 * file wins with a note in an update; a rollback leaves what someone changed since).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { applyUpdate, rollback } from '../../src/index.js';
import { asAnotherAdmin, csv, readJsonlReport, routeCount, runIdOf, writeInput } from './helpers.js';
import {
  divisionOf,
  grantsOf,
  language,
  languagesOf,
  queue,
  queuesOf,
  ROUTES,
  type RoutingOrg,
  role,
  routingCalls,
  routingOrg,
  SUPPORT,
  skill,
  skillsOf,
} from './routing-helpers.js';

let org: RoutingOrg | undefined;

/** The library's connection to the org's emulator. */
const connectionOf = (emu: RoutingOrg['emu']) => ({
  clientId: emu.clientId,
  clientSecret: emu.clientSecret,
  baseUrl: emu.url,
});
afterEach(async () => {
  await org?.box.close();
  org = undefined;
});

/** Three users in a division other than Home and Support, and a third division to be moved to by someone else. */
async function start() {
  org = await routingOrg();
  const { emu } = org;
  const p = org.people.filter((u) => !['Support', 'Home'].includes(u.division!.name!)).slice(0, 3);
  const other = emu.catalogue().divisions.find((d) => ![SUPPORT.id, org!.homeId, p[0]!.division!.id].includes(d.id))!;
  return { ...org, p, other };
}

describe('a division someone else moves between the plan and the move', () => {
  it("update: the file wins with a note, and a rollback puts back the other admin's division; one moved to the file division already is not moved", async () => {
    const { box, emu, p, other } = await start();
    const file = await writeInput(
      box,
      'move.csv',
      csv([
        ['email', 'title', 'division'],
        [p[0]!.email!, 'E2E Moved', 'Support'],
        [p[1]!.email!, 'E2E Moved', 'Support'],
        [p[2]!.email!, 'E2E Moved', 'Support'],
      ]),
    );
    // Between the run's read and its writes: p0 to another division, p1 to Support itself.
    emu.beforeNextUserWrite(p[0]!.id, { moveTo: other.id });
    emu.beforeNextUserWrite(p[1]!.id, { moveTo: SUPPORT.id });
    const r = await box.cli(['update', file, '--yes', '--report', 'report.jsonl']);
    expect(r.code, r.stderr).toBe(0);
    expect(p.map((u) => divisionOf(emu, u.id))).toEqual(['Support', 'Support', 'Support']);
    const report = await readJsonlReport(box, 'report.jsonl');
    expect(report.map((x) => x.status)).toEqual(['updated', 'updated', 'updated']);
    expect(report[0]!.conflict).toContain(
      `division was set to ${JSON.stringify(other.name)} by someone else after the plan; the file's value ("Support") was applied`,
    );
    expect(report[1]!.conflict ?? '').not.toContain('division');
    // One move call, for p0 and p2 (p1 is there already), after one read of the three again.
    expect(routingCalls(emu.stats()).divisionMove).toBe(1);
    expect(emu.stats().routingWrites.divisions).toBe(1);

    // The rollback puts p0 back where the move found it (the other admin's division), as a PATCH's before-value is
    // the user it was sent against; p1, which the run did not move, stays.
    const rb = await box.cli(['rollback', runIdOf(r.stderr)!, '--yes']);
    expect(rb.code, rb.stderr).toBe(0);
    expect(p.map((u) => divisionOf(emu, u.id))).toEqual([other.name, 'Support', p[2]!.division!.name]);
    expect(p.map((u) => emu.user(u.id)!.title)).toEqual(p.map((u) => u.title));
  });

  it('rollback: a user someone else moved since the run stays where they put it, reported; the others go back', async () => {
    const { box, emu, p, other } = await start();
    const before = p.map((u) => divisionOf(emu, u.id));
    const file = await writeInput(
      box,
      'move.csv',
      csv([
        ['email', 'title', 'division'],
        [p[0]!.email!, 'E2E Moved', 'Support'],
        [p[1]!.email!, 'E2E Moved', 'Support'],
      ]),
    );
    const r = await box.cli(['update', file, '--yes']);
    expect(r.code, r.stderr).toBe(0);
    const runId = runIdOf(r.stderr)!;
    expect(divisionOf(emu, p[0]!.id)).toBe('Support');

    // After the rollback has read p0 and before it writes: another admin moves p0 on.
    emu.beforeNextUserWrite(p[0]!.id, { moveTo: other.id });
    const rb = await box.cli(['rollback', runId, '--yes', '--report', 'rollback.jsonl']);
    expect(rb.code, rb.stderr).toBe(0);
    expect(divisionOf(emu, p[0]!.id)).toBe(other.name);
    expect(divisionOf(emu, p[1]!.id)).toBe(before[1]);
    expect(emu.user(p[0]!.id)!.title).toBe(p[0]!.title);
    const report = await readJsonlReport(box, 'rollback.jsonl');
    expect(report[0]!.message).toContain(
      `changed by someone else after the plan, left as is: division is now ${JSON.stringify(other.name)}`,
    );
    expect(rb.stderr).toMatch(
      /Left as is because someone changed them since the run: 1 field\(s\) \(1 found while applying\): \S+ division/,
    );
    // Only what was written counts: both titles and p1's move, not p0's division, left as the other admin set it.
    expect(rb.stderr).toContain('Changes made: 2 updates, 1 division move.');
    expect(report[0]!.changes.map((c) => c.field)).toEqual(['title']);
    expect(routeCount(emu.stats(), ROUTES.divisionMove)).toBe(2);
  });

  it('a user deleted between the plan and the move fails its row alone; the others in the same call are moved', async () => {
    const { box, emu, p } = await start();
    const result = await applyUpdate(
      { rows: p.map((u) => ({ email: u.email, division: 'Support' })) },
      {
        connection: connectionOf(emu),
        cwd: box.dir,
        // While the plan is read by whoever confirms it, another admin deletes p1.
        confirm: async () => {
          await asAnotherAdmin(emu, 'DELETE', `/api/v2/users/${p[1]!.id}`, undefined);
          return true;
        },
      },
    );
    expect(result.exitCode).toBe(1);
    expect(result.records.map((r) => r.status)).toEqual(['updated', 'not_found', 'updated']);
    expect(result.records[1]!.message).toContain('the user no longer exists (deleted after the plan); not moved');
    expect([p[0], p[2]].map((u) => divisionOf(emu, u!.id))).toEqual(['Support', 'Support']);
    expect(routingCalls(emu.stats()).divisionMove).toBe(1);
  });
});

describe('a grant, a revocation or a queue membership someone else makes between the plan and the write', () => {
  it("is not journaled as the run's: the rollback keeps the other admin's grants and queue member", async () => {
    org = await routingOrg({
      assign: (people, home) =>
        Object.fromEntries(
          people.slice(0, 2).map((u) => [
            u.id,
            {
              grants: [
                { roleId: role('Employee'), divisionId: home },
                { roleId: role('Agent'), divisionId: home },
              ],
            },
          ]),
        ),
    });
    const { box, emu, homeId } = org;
    const p = org.people.slice(0, 2);
    const connection = connectionOf(emu);
    const result = await applyUpdate(
      { rows: p.map((u) => ({ email: u.email, roles: '+Supervisor;-Agent', queues: '+VIP Customers' })) },
      {
        connection,
        cwd: box.dir,
        // While the plan waits, another admin makes p0's change itself: Supervisor granted, Agent revoked.
        confirm: async () => {
          const subject = `/api/v2/authorization/subjects/${p[0]!.id}`;
          await asAnotherAdmin(emu, 'POST', `${subject}/bulkadd`, {
            grants: [{ roleId: role('Supervisor'), divisionId: homeId }],
          });
          await asAnotherAdmin(emu, 'POST', `${subject}/bulkremove`, {
            grants: [{ roleId: role('Agent'), divisionId: homeId }],
          });
          await asAnotherAdmin(emu, 'POST', `/api/v2/routing/queues/${queue('VIP Customers')}/members`, [
            { id: p[0]!.id },
          ]);
          return true;
        },
      },
    );
    expect(result.exitCode).toBe(0);
    expect(p.map((u) => grantsOf(emu, u.id))).toEqual([
      ['Employee@Home', 'Supervisor@Home'],
      ['Employee@Home', 'Supervisor@Home'],
    ]);

    const rb = await box.cli(['rollback', result.runId!, '--yes']);
    expect(rb.code, rb.stderr).toBe(0);
    // p0's change was the other admin's, not the run's: it stays. p1's goes back.
    expect(p.map((u) => grantsOf(emu, u.id))).toEqual([
      ['Employee@Home', 'Supervisor@Home'],
      ['Agent@Home', 'Employee@Home'],
    ]);
    expect(p.map((u) => queuesOf(emu, u.id))).toEqual([['VIP Customers'], []]);
  });
});

describe('skills and languages someone else changes between the plan and the write', () => {
  it("are read again 100 users a call: the rollback restores the other admin's values, not the plan's", async () => {
    org = await routingOrg({
      assign: (people) =>
        Object.fromEntries(
          people.slice(0, 3).map((u) => [
            u.id,
            {
              skills: [
                { id: skill('Spanish'), proficiency: 3 },
                { id: skill('Retention'), proficiency: 2 },
                { id: skill('Sales'), proficiency: 1 },
              ],
              languages: [{ id: language('French'), proficiency: 2 }],
            },
          ]),
        ),
    });
    const { box, emu } = org;
    const p = org.people.slice(0, 3);
    const connection = connectionOf(emu);
    const row = { skills: '+Billing:4;+Spanish:5;+Sales:2;-Retention', languages: '+German:3;-French' };
    const result = await applyUpdate(
      { rows: p.map((u) => ({ email: u.email, ...row })) },
      {
        connection,
        cwd: box.dir,
        // While the plan waits, another admin gives p0 Billing 4 (as the file does) and Collections, sets Spanish
        // to 4, takes Sales and Retention away, and sets French to 1.
        confirm: async () => {
          const user = `/api/v2/users/${p[0]!.id}`;
          await asAnotherAdmin(emu, 'PATCH', `${user}/routingskills/bulk`, [
            { id: skill('Billing'), proficiency: 4 },
            { id: skill('Collections'), proficiency: 1 },
            { id: skill('Spanish'), proficiency: 4 },
          ]);
          await asAnotherAdmin(emu, 'DELETE', `${user}/routingskills/${skill('Sales')}`, undefined);
          await asAnotherAdmin(emu, 'DELETE', `${user}/routingskills/${skill('Retention')}`, undefined);
          await asAnotherAdmin(emu, 'PATCH', `${user}/routinglanguages/bulk`, [
            { id: language('French'), proficiency: 1 },
          ]);
          return true;
        },
      },
    );
    expect(result.exitCode).toBe(0);
    // The file's values everywhere; p0 keeps the Collections it was given meanwhile.
    expect(skillsOf(emu, p[0]!.id)).toEqual({ Billing: 4, Collections: 1, Sales: 2, Spanish: 5 });
    expect(skillsOf(emu, p[1]!.id)).toEqual({ Billing: 4, Sales: 2, Spanish: 5 });
    expect(p.map((u) => languagesOf(emu, u.id))).toEqual([{ German: 3 }, { German: 3 }, { German: 3 }]);
    expect(result.records[0]!.conflict).toContain(
      `skill:Spanish was set to "4" by someone else after the plan; the file's value ("5") was applied`,
    );
    expect(result.records[0]!.conflict).toContain('language:French was set to "1" by someone else after the plan');
    expect(result.records[1]!.conflict).toBeUndefined();
    // The 3 users read again once, just before their writes: p0's Billing and Retention are neither sent nor
    // journaled (its skills PATCH carries Sales and Spanish), the others' as planned. The other admin's PATCH and
    // two DELETEs count too.
    expect(routingCalls(emu.stats()).skillsPatch).toBe(3 + 1);
    expect(routingCalls(emu.stats()).skillDelete).toBe(2 + 2);

    const reads = routeCount(emu.stats(), 'GET /api/v2/users');
    const rb = await box.cli(['rollback', result.runId!, '--yes']);
    expect(rb.code, rb.stderr).toBe(0);
    // p0 goes back to what the other admin left, not to the plan's read: Billing and Collections theirs, Spanish at
    // 4, no Sales nor Retention, French at 1. The others go back to the plan's read.
    expect(skillsOf(emu, p[0]!.id)).toEqual({ Billing: 4, Collections: 1, Spanish: 4 });
    expect(languagesOf(emu, p[0]!.id)).toEqual({ French: 1 });
    expect(skillsOf(emu, p[1]!.id)).toEqual({ Retention: 2, Sales: 1, Spanish: 3 });
    expect(languagesOf(emu, p[2]!.id)).toEqual({ French: 2 });
    // The rollback's own read of the 3, and the same again just before its writes.
    expect(routeCount(emu.stats(), 'GET /api/v2/users') - reads).toBe(2);
  });

  it('rollback: a skill someone else sets between its read and its write is left as they set it, reported', async () => {
    org = await routingOrg({
      assign: (people) =>
        Object.fromEntries(
          people.slice(0, 2).map((u) => [u.id, { skills: [{ id: skill('Billing'), proficiency: 3 }] }]),
        ),
    });
    const { box, emu } = org;
    const p = org.people.slice(0, 2);
    const connection = connectionOf(emu);
    const result = await applyUpdate(
      { rows: p.map((u) => ({ email: u.email, skills: '+Billing:5;+Sales:1' })) },
      { connection, cwd: box.dir, yes: true },
    );
    expect(result.exitCode).toBe(0);
    const rb = await rollback(result.runId!, {
      connection,
      cwd: box.dir,
      // While the rollback's plan waits, another admin sets p0's Billing to 2.
      confirm: async () => {
        await asAnotherAdmin(emu, 'PATCH', `/api/v2/users/${p[0]!.id}/routingskills/bulk`, [
          { id: skill('Billing'), proficiency: 2 },
        ]);
        return true;
      },
    });
    expect(rb.exitCode).toBe(0);
    expect(p.map((u) => skillsOf(emu, u.id))).toEqual([{ Billing: 2 }, { Billing: 3 }]);
    expect(rb.records[0]!.message).toContain(
      'changed by someone else after the plan, left as is: skill:Billing is now "2"',
    );
  });

  it('a platform that takes fewer than 100 ids a GET: the reads by id with skills halve, no user is read alone', async () => {
    org = await routingOrg({ users: 400, usersMaxIds: 50 });
    const { box, emu } = org;
    const p = org.people.slice(0, 150);
    const connection = connectionOf(emu);
    const result = await applyUpdate(
      { rows: p.map((u) => ({ id: u.id, skills: '+Billing:4' })) },
      { connection, cwd: box.dir, yes: true },
    );
    expect(result.exitCode).toBe(0);
    expect(p.every((u) => skillsOf(emu, u.id).Billing === 4)).toBe(true);
    // The users' read, the plan's skills read and the re-read before the writes: 100 refused, 50 + 50, then 50 each.
    // Before, each 100 refused was read one user at a time: 8 and 200.
    expect([routeCount(emu.stats(), 'GET /api/v2/users'), routeCount(emu.stats(), ROUTES.userSkills)]).toEqual([12, 0]);
  });

  it('a user the re-read gives without its skills is read alone: 1 call for 3 users, or 1 + 1 per user', async () => {
    org = await routingOrg();
    const { box, emu } = org;
    const p = org.people.slice(0, 3);
    const connection = connectionOf(emu);
    const apply = (skills: string, omit: number) =>
      applyUpdate(
        { rows: p.map((u) => ({ id: u.id, skills })) },
        {
          connection,
          cwd: box.dir,
          // After the plan's read: the re-read's list leaves the expansion out (best effort) or not.
          confirm: async () => {
            emu.setFaults({ expandOmitRate: omit });
            return true;
          },
        },
      );
    const users = () => routeCount(emu.stats(), 'GET /api/v2/users');
    const alone = () => routeCount(emu.stats(), ROUTES.userSkills);
    const [u0, a0] = [users(), alone()];
    expect((await apply('+Billing:4', 0)).exitCode).toBe(0);
    // The plan's read of the 3 by id, and the re-read of the 3 just before their writes.
    expect([users() - u0, alone() - a0]).toEqual([2, 0]);
    const [u1, a1] = [users(), alone()];
    expect((await apply('+Billing:5', 1)).exitCode).toBe(0);
    expect([users() - u1, alone() - a1]).toEqual([2, 3]);
    expect(p.map((u) => skillsOf(emu, u.id).Billing)).toEqual([5, 5, 5]);
    emu.setFaults({ expandOmitRate: 0 });
  });
});
