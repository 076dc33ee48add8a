/**
 * The `groups` column end to end (issue #11, item 3): the CLI in-process against the emulator over real HTTP through
 * the SDK; every expectation read back from the emulator's group state and its per-route counters.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { GenesysUser } from '../../src/genesys/types.js';
import { asAnotherAdmin, csv, type ReportRecordJson, readJsonlReport, routeCount, writeInput } from './helpers.js';
import {
  activeWithEmail,
  directory,
  fixedId,
  grantsOf,
  queue,
  queuesOf,
  type RoutingOrg,
  role,
  routingOrg,
} from './routing-helpers.js';

const SALES = fixedId(9, 1);
const BILLING = fixedId(9, 2);
const NIGHT = fixedId(9, 3);
const CREW = fixedId(9, 4);
const POST = 'POST /api/v2/groups/{groupId}/members';
const DELETE = 'DELETE /api/v2/groups/{groupId}/members';
const GET_GROUP = 'GET /api/v2/groups/{groupId}';

let org: RoutingOrg | undefined;
afterEach(async () => {
  await org?.box.close();
  org = undefined;
});

/**
 * Sales Team (p0, p1) is a member of the Sales Inbound queue and gives Agent@Home; Billing Team (p2); Night Shift
 * (nobody); Support Crew (p5). Everyone among p0–p9 has Employee@Home of their own.
 */
async function start(options: { versionConflictStatus?: 400 | 409 } = {}) {
  const people = activeWithEmail(directory(60));
  const p = people.slice(0, 10);
  const home = directory(60)[0]!.division!.id;
  org = await routingOrg({
    ...options,
    users: 60,
    assign: (ps, homeId) =>
      Object.fromEntries(
        ps.slice(0, 10).map((u) => [u.id, { grants: [{ roleId: role('Employee'), divisionId: homeId }] }]),
      ),
    groups: [
      {
        id: SALES,
        name: 'Sales Team',
        members: [p[0]!.id, p[1]!.id],
        queues: [queue('Sales Inbound')],
        grants: [{ roleId: role('Agent'), divisionId: home }],
        version: 3,
      },
      { id: BILLING, name: 'Billing Team', members: [p[2]!.id] },
      { id: NIGHT, name: 'Night Shift', members: [] },
      { id: CREW, name: 'Support Crew', members: [p[5]!.id] },
    ],
  });
  return { ...org, p };
}

const membersOf = (o: RoutingOrg, groupId: string) =>
  new Set(o.emu.groups().find((g) => g.id === groupId)?.members ?? []);
const ids = (...users: GenesysUser[]) => new Set(users.map((u) => u.id));
const byRow = (records: ReportRecordJson[]) => new Map(records.map((r) => [r.row, r]));

describe('groups column', () => {
  it('adds and removes exactly the memberships the cells ask for, one call per group and direction', async () => {
    const o = await start();
    const { box, emu, p } = o;
    const file = await writeInput(
      box,
      'groups.csv',
      csv([
        ['email', 'groups'],
        [p[0]!.email!, '-Sales Team;+Billing Team'],
        [p[1]!.email!, 'Night Shift'],
        [p[2]!.email!, '+billing team'],
        [p[3]!.email!, '+Sales Team;+Night Shift'],
      ]),
    );
    const r = await box.cli(['update', file, '--yes', '--report', 'report.jsonl']);
    expect(r.code, r.stderr).toBe(0);
    expect(membersOf(o, SALES)).toEqual(ids(p[3]!));
    expect(membersOf(o, BILLING)).toEqual(ids(p[2]!, p[0]!));
    expect(membersOf(o, NIGHT)).toEqual(ids(p[1]!, p[3]!));
    expect(membersOf(o, CREW)).toEqual(ids(p[5]!));
    const stats = emu.stats();
    // Sales: one add (p3) and one removal (p0, p1); Billing: one add; Night Shift: one add (p1, p3).
    expect([routeCount(stats, POST), routeCount(stats, DELETE), routeCount(stats, GET_GROUP)]).toEqual([3, 1, 0]);

    const report = byRow(await readJsonlReport(box, 'report.jsonl'));
    expect(report.get(1)!.changes).toEqual([
      { field: 'group:Billing Team', before: null, after: 'member' },
      { field: 'group:Sales Team', before: 'member', after: null },
    ]);
    expect(report.get(3)!.status).toBe('unchanged');
    const again = await box.cli(['update', file, '--dry-run', '--json']);
    expect((JSON.parse(again.stdout) as { summary: { planned: number } }).summary.planned).toBe(0);
  });

  it('an unknown group is exit 2 with the closest name, in the same pass as the other name problems', async () => {
    const { box, p, emu } = await start();
    const file = await writeInput(
      box,
      'bad.csv',
      csv([
        ['email', 'groups', 'queues'],
        [p[0]!.email!, '+Biling Team', ''],
        [p[1]!.email!, '', '+Sales Inbond'],
      ]),
    );
    const r = await box.cli(['update', file, '--yes']);
    expect(r.code).toBe(2);
    expect(r.stdout + r.stderr).toContain('did you mean "Billing Team"?');
    expect(r.stdout + r.stderr).toContain('did you mean "Sales Inbound"?');
    expect(routeCount(emu.stats(), POST) + routeCount(emu.stats(), DELETE)).toBe(0);
  });

  it.each([409, 400] as const)(
    'another admin changes a group between the plan and the write: the stale version answered %i is handled, reported, nobody lost',
    async (versionConflictStatus) => {
      const o = await start({ versionConflictStatus });
      const { box, emu, p } = o;
      emu.beforeNextGroupWrite(SALES, { addMember: p[7]!.id });
      const file = await writeInput(
        box,
        'late.csv',
        csv([
          ['email', 'groups'],
          [p[3]!.email!, '+Sales Team'],
        ]),
      );
      const r = await box.cli(['update', file, '--yes', '--report', 'late.jsonl']);
      expect(r.code, r.stderr).toBe(0);
      expect(membersOf(o, SALES)).toEqual(ids(p[0]!, p[1]!, p[3]!, p[7]!));
      expect(routeCount(emu.stats(), GET_GROUP)).toBe(1);
      expect(r.stderr).toMatch(/Sales Team.*changed/);
      const [record] = await readJsonlReport(box, 'late.jsonl');
      expect(record!.conflict).toMatch(/Sales Team/);
      expect(emu.stats().byRoute[POST]?.[String(versionConflictStatus)]).toBe(1);
    },
  );

  it('rollback restores exactly the memberships the run changed and keeps what others did since', async () => {
    const o = await start();
    const { box, emu, p } = o;
    const file = await writeInput(
      box,
      'g.csv',
      csv([
        ['email', 'groups'],
        [p[0]!.email!, '-Sales Team;+Billing Team'],
        [p[4]!.email!, '+Night Shift'],
      ]),
    );
    const r = await box.cli(['update', file, '--yes', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const runId = (JSON.parse(r.stdout) as { runId: string }).runId;
    // Someone else adds p8 to Billing Team after the run.
    const billing = emu.groups().find((g) => g.id === BILLING)!;
    expect(billing.members).toContain(p[0]!.id);
    await asAnotherAdmin(emu, 'POST', `/api/v2/groups/${BILLING}/members`, {
      memberIds: [p[8]!.id],
      version: billing.version,
    });
    const back = await box.cli(['rollback', runId, '--yes']);
    expect(back.code, back.stderr).toBe(0);
    expect(membersOf(o, SALES)).toEqual(ids(p[0]!, p[1]!));
    expect(membersOf(o, BILLING)).toEqual(ids(p[2]!, p[8]!));
    expect(membersOf(o, NIGHT)).toEqual(new Set());
    expect(membersOf(o, CREW)).toEqual(ids(p[5]!));
  });

  it('a group deleted since the run does not stop its rollback: the rest is restored, its rows say why', async () => {
    const o = await start();
    const { box, emu, p } = o;
    const file = await writeInput(
      box,
      'g.csv',
      csv([
        ['email', 'title', 'groups'],
        [p[0]!.email!, 'Moved', '-Sales Team;+Billing Team'],
        [p[4]!.email!, 'Night', '+Night Shift'],
        [p[6]!.email!, 'Crew', '+Support Crew'],
      ]),
    );
    const r = await box.cli(['update', file, '--yes', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const runId = (JSON.parse(r.stdout) as { runId: string }).runId;
    // Another admin deletes two groups the run changed: one it added users to, one it took a user out of.
    emu.deleteGroup(NIGHT);
    emu.deleteGroup(SALES);

    const back = await box.cli(['rollback', runId, '--yes', '--report', 'back.jsonl']);
    // Before: "the group no longer exists (it was deleted after the run listed groups); run again", nothing restored.
    expect(back.code, back.stderr).toBe(1);
    for (const u of [p[0]!, p[4]!, p[6]!]) expect(emu.user(u.id)!.title).toBe(u.title);
    expect(membersOf(o, BILLING)).toEqual(ids(p[2]!));
    expect(membersOf(o, CREW)).toEqual(ids(p[5]!));
    const report = byRow(await readJsonlReport(box, 'back.jsonl'));
    // p0 cannot be put back into the deleted Sales Team: the write's 404 fails its row, after its title is restored.
    expect(report.get(1)).toMatchObject({ status: 'failed' });
    expect(report.get(1)!.message).toMatch(/404|not found/i);
    // p4's membership went with the group, which is what the rollback would have done: only its title is written.
    expect(report.get(2)).toMatchObject({ status: 'updated', changes: [{ field: 'title' }] });
    expect(report.get(3)).toMatchObject({ status: 'updated' });
  });

  it('queue memberships and roles held through a group are shown as such and never removed by a user-level cell', async () => {
    const o = await start();
    const { box, emu, p } = o;
    expect(queuesOf(emu, p[0]!.id)).toEqual([]);
    const file = await writeInput(
      box,
      'derived.csv',
      csv([
        ['email', 'queues', 'roles'],
        [p[0]!.email!, '-Sales Inbound', 'Employee@Home'],
      ]),
    );
    const plan = await box.cli(['update', file, '--dry-run']);
    expect(plan.code, plan.stderr).toBe(0);
    // Without a groups column the group catalogue is not read: the note names the group by its id.
    expect(plan.stdout).toContain('queue "Sales Inbound" is held through a group');
    expect(plan.stdout).toContain(`role "Agent@Home" is held through group "${SALES}"`);
    const r = await box.cli(['update', file, '--yes']);
    expect(r.code, r.stderr).toBe(0);
    expect(routeCount(emu.stats(), 'POST /api/v2/authorization/subjects/{subjectId}/bulkreplace')).toBe(0);
    expect(routeCount(emu.stats(), 'POST /api/v2/routing/queues/{queueId}/members')).toBe(0);
    expect(grantsOf(emu, p[0]!.id)).toEqual(['Employee@Home']);
  });

  it('a user created in the run joins the groups of its row in the same run', async () => {
    const o = await start();
    const email = 'new.hire@nowhere.example.org';
    const file = await writeInput(
      o.box,
      'new.csv',
      csv([
        ['email', 'name', 'groups'],
        [email, 'New Hire', 'Sales Team;Night Shift'],
      ]),
    );
    const r = await o.box.cli(['update', file, '--create', '--yes']);
    expect(r.code, r.stderr).toBe(0);
    const created = o.emu.users().find((u) => u.email === email);
    expect(new Set(o.emu.userGroups(created!.id))).toEqual(new Set([SALES, NIGHT]));
  });

  it('export → update of the same file makes no write, groups, group queues and group roles included', async () => {
    const { box, emu } = await start();
    const r = await box.cli(['export', 'all.csv', '--columns', 'id,email,queues,roles,groups']);
    expect(r.code, r.stderr).toBe(0);
    const writesBefore = Object.values(emu.stats().routingWrites).reduce((a, b) => a + b, 0);
    const u = await box.cli(['update', 'all.csv', '--yes', '--json']);
    expect(u.code, u.stderr).toBe(0);
    expect((JSON.parse(u.stdout) as { summary: { updated: number } }).summary.updated).toBe(0);
    expect(Object.values(emu.stats().routingWrites).reduce((a, b) => a + b, 0)).toBe(writesBefore);
  });
});
