/**
 * Another admin writing the same users between a run's read and its writes: a division move carries no version, so
 * the run reads its users again just before the move and judges each as a profile field on a version conflict (the
 * file wins with a note in an update; a rollback leaves what someone changed since).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { applyUpdate } from '../../src/index.js';
import { asAnotherAdmin, csv, readJsonlReport, routeCount, runIdOf, writeInput } from './helpers.js';
import {
  divisionOf,
  grantsOf,
  queue,
  queuesOf,
  ROUTES,
  type RoutingOrg,
  role,
  routingCalls,
  routingOrg,
  SUPPORT,
} from './routing-helpers.js';

let org: RoutingOrg | undefined;
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
        connection: { clientId: emu.clientId, clientSecret: emu.clientSecret, baseUrl: emu.url },
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
    const connection = { clientId: emu.clientId, clientSecret: emu.clientSecret, baseUrl: emu.url };
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
