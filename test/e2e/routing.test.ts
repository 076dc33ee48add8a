/**
 * End-to-end tests of the routing and access columns (issue #6): the built CLI against the emulator, every
 * expectation checked against the emulator's assignments and its per-route counters.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { GenesysUser } from '../../src/genesys/types.js';
import { csv, PATCH_ROUTE, type ReportRecordJson, readJsonlReport, writeInput } from './helpers.js';
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
  routingSnapshot,
  routingWritesApplied,
  SUPPORT,
  skill,
  skillsOf,
  writeRequests,
} from './routing-helpers.js';

let org: RoutingOrg | undefined;
afterEach(async () => {
  await org?.box.close();
  org = undefined;
});

/** The first `n` active users get starting assignments (`given` is called with each one's index). */
async function start(
  n: number,
  given: (
    home: string,
    i: number,
  ) => {
    skills?: [string, number][];
    languages?: [string, number][];
    queues?: string[];
    grants?: [string, string | 'home'][];
  },
): Promise<RoutingOrg & { p: GenesysUser[] }> {
  org = await routingOrg({
    assign: (people, home) => {
      const assigned = (i: number) => {
        const g = given(home, i);
        return {
          ...(g.skills ? { skills: g.skills.map(([name, proficiency]) => ({ id: skill(name), proficiency })) } : {}),
          ...(g.languages
            ? { languages: g.languages.map(([name, proficiency]) => ({ id: language(name), proficiency })) }
            : {}),
          ...(g.queues ? { queues: g.queues.map(queue) } : {}),
          ...(g.grants
            ? { grants: g.grants.map(([r, d]) => ({ roleId: role(r), divisionId: d === 'home' ? home : d })) }
            : {}),
        };
      };
      return Object.fromEntries(people.slice(0, n).map((u, i) => [u.id, assigned(i)]));
    },
  });
  return { ...org, p: org.people.slice(0, n) };
}

const byRow = (records: ReportRecordJson[]) => new Map(records.map((r) => [r.row, r]));

describe('routing columns: add, remove and replace, per column', () => {
  it('skills: +adds and updates with one PATCH, -removes by DELETE, a plain list replaces with both', async () => {
    const { box, emu, p } = await start(3, () => ({
      skills: [
        ['Billing', 3],
        ['Spanish', 2],
      ],
    }));
    const file = await writeInput(
      box,
      'skills.csv',
      csv([
        ['email', 'skills'],
        [p[0]!.email!, '+Retention:4;+Billing:5'],
        [p[1]!.email!, '-Spanish'],
        [p[2]!.email!, 'Sales:2;Technical Support:1'],
      ]),
    );
    const r = await box.cli(['update', file, '--yes', '--report', 'report.jsonl']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('3 updated');

    expect(skillsOf(emu, p[0]!.id)).toEqual({ Billing: 5, Spanish: 2, Retention: 4 });
    expect(skillsOf(emu, p[1]!.id)).toEqual({ Billing: 3 });
    expect(skillsOf(emu, p[2]!.id)).toEqual({ Sales: 2, 'Technical Support': 1 });
    const calls = routingCalls(emu.stats());
    // Never a PUT of the whole set, which would undo what someone did to the other skills since the read.
    expect([calls.skillsPatch, calls.skillDelete, calls.skillsPut]).toEqual([2, 3, 0]);
    expect(emu.stats().routingWrites.skills).toBe(5);

    const report = byRow(await readJsonlReport(box, 'report.jsonl'));
    expect(report.get(1)!.changes).toEqual([
      { field: 'skill:Billing', before: '3', after: '5' },
      { field: 'skill:Retention', before: null, after: '4' },
    ]);
    expect(report.get(2)!.changes).toEqual([{ field: 'skill:Spanish', before: '2', after: null }]);
    expect(
      report
        .get(3)!
        .changes.map((c) => c.field)
        .sort(),
    ).toEqual(['skill:Billing', 'skill:Sales', 'skill:Spanish', 'skill:Technical Support']);
    for (const rec of report.values()) expect(rec.status).toBe('updated');
  });

  it("skills: what another admin does to a user's other skills between the run's read and its write is kept", async () => {
    const { box, emu, p } = await start(2, () => ({
      skills: [
        ['Billing', 3],
        ['Spanish', 2],
      ],
    }));
    // The other admin raises Billing on the first user and gives the second Sales, neither of which the rows name.
    emu.beforeNextRoutingWrite(p[0]!.id, { skills: [{ id: skill('Billing'), proficiency: 5 }] });
    emu.beforeNextRoutingWrite(p[1]!.id, { skills: [{ id: skill('Sales'), proficiency: 4 }] });
    const file = await writeInput(
      box,
      'skills.csv',
      csv([
        ['email', 'skills'],
        [p[0]!.email!, '-Spanish'],
        [p[1]!.email!, '+Retention:1;-Spanish'],
      ]),
    );
    const r = await box.cli(['update', file, '--yes']);
    expect(r.code, r.stderr).toBe(0);
    // Before: the PUT of the set read put Billing back to 3 and took Sales away.
    expect(skillsOf(emu, p[0]!.id)).toEqual({ Billing: 5 });
    expect(skillsOf(emu, p[1]!.id)).toEqual({ Billing: 3, Retention: 1, Sales: 4 });
  });

  it('languages: +adds by PATCH, -removes by DELETE, a plain list replaces with both', async () => {
    const { box, emu, p } = await start(3, () => ({
      languages: [
        ['English', 5],
        ['French', 2],
      ],
    }));
    const file = await writeInput(
      box,
      'languages.csv',
      csv([
        ['email', 'languages'],
        [p[0]!.email!, '+German:3'],
        [p[1]!.email!, '-French'],
        [p[2]!.email!, 'Spanish:4'],
      ]),
    );
    const r = await box.cli(['update', file, '--yes']);
    expect(r.code, r.stderr).toBe(0);

    expect(languagesOf(emu, p[0]!.id)).toEqual({ English: 5, French: 2, German: 3 });
    expect(languagesOf(emu, p[1]!.id)).toEqual({ English: 5 });
    expect(languagesOf(emu, p[2]!.id)).toEqual({ Spanish: 4 });
    const calls = routingCalls(emu.stats());
    expect([calls.languagesPatch, calls.languageDelete]).toEqual([2, 3]);
  });

  it('queues: additions and removals grouped per queue across users, one call each', async () => {
    const { box, emu, p } = await start(3, (_, i) => (i < 2 ? { queues: ['Retention Desk'] } : {}));
    const file = await writeInput(
      box,
      'queues.csv',
      csv([
        ['email', 'queues'],
        [p[0]!.email!, '+Sales Inbound'],
        [p[1]!.email!, '-Retention Desk'],
        [p[2]!.email!, '+Sales Inbound;+Retention Desk'],
      ]),
    );
    const r = await box.cli(['update', file, '--yes']);
    expect(r.code, r.stderr).toBe(0);

    expect(queuesOf(emu, p[0]!.id)).toEqual(['Retention Desk', 'Sales Inbound']);
    expect(queuesOf(emu, p[1]!.id)).toEqual([]);
    expect(queuesOf(emu, p[2]!.id)).toEqual(['Retention Desk', 'Sales Inbound']);
    // Sales Inbound +[p0, p2], Retention Desk +[p2], Retention Desk −[p1].
    expect(emu.stats().byRoute[ROUTES.queueMembersPost]).toEqual({ 204: 3 });
  });

  it('roles: +grants with bulkadd, -revokes with bulkremove (Home by default), a plain list by both', async () => {
    const { box, emu, p } = await start(4, () => ({
      grants: [
        ['Employee', 'home'],
        ['Agent', 'home'],
      ],
    }));
    const file = await writeInput(
      box,
      'roles.csv',
      csv([
        ['email', 'roles'],
        [p[0]!.email!, '+Supervisor@Support'],
        [p[1]!.email!, '-Agent'],
        [p[2]!.email!, 'Admin@Support;Employee'],
        // Would leave the user with no role at all: refused for this row, nothing written to it.
        [p[3]!.email!, '-Agent@Home;-Employee@Home'],
      ]),
    );
    // Refused while planning, it is an invalid row like the file's: nothing written without --skip-invalid.
    const refused = await box.cli(['update', file, '--yes']);
    expect(refused.code, refused.stderr).toBe(2);
    expect(refused.stderr).toMatch(/row 4 \(line 5\): roles: the change would leave the user with no role at all/);
    expect(refused.stderr).toMatch(/nothing (was )?written/i);
    expect(grantsOf(emu, p[0]!.id)).toEqual(['Agent@Home', 'Employee@Home']);
    expect(grantsOf(emu, p[3]!.id)).toEqual(['Agent@Home', 'Employee@Home']);

    const r = await box.cli(['update', file, '--yes', '--skip-invalid', '--report', 'report.jsonl']);
    expect(r.code, r.stderr).toBe(1);

    expect(grantsOf(emu, p[0]!.id)).toEqual(['Agent@Home', 'Employee@Home', 'Supervisor@Support']);
    expect(grantsOf(emu, p[1]!.id)).toEqual(['Employee@Home']);
    expect(grantsOf(emu, p[2]!.id)).toEqual(['Admin@Support', 'Employee@Home']);
    expect(grantsOf(emu, p[3]!.id)).toEqual(['Agent@Home', 'Employee@Home']);
    const calls = routingCalls(emu.stats());
    // The plain list too is its grant and its revocation: a bulkreplace would take back what others granted since.
    expect([calls.grantsAdd, calls.grantsRemove, calls.grantsReplace]).toEqual([2, 2, 0]);

    const report = byRow(await readJsonlReport(box, 'report.jsonl'));
    expect(report.get(3)!.changes).toEqual([
      { field: 'role:Admin@Support', before: null, after: 'granted' },
      { field: 'role:Agent@Home', before: 'granted', after: null },
    ]);
    expect(report.get(4)).toMatchObject({ status: 'invalid', changes: [] });
    expect(report.get(4)!.message).toMatch(/no role at all/);
  });

  it("roles: a grant another admin gives between the run's read and its write is kept, by a plain list too", async () => {
    const { box, emu, p, homeId } = await start(2, () => ({
      grants: [
        ['Employee', 'home'],
        ['Agent', 'home'],
      ],
    }));
    const admin = { roleId: role('Admin'), divisionId: homeId };
    for (const u of p) emu.beforeNextRoutingWrite(u.id, { addGrants: [admin] });
    const file = await writeInput(
      box,
      'roles.csv',
      csv([
        ['email', 'roles'],
        [p[0]!.email!, 'Employee;Supervisor@Support'],
        [p[1]!.email!, '+Supervisor@Support;-Agent'],
      ]),
    );
    const r = await box.cli(['update', file, '--yes']);
    expect(r.code, r.stderr).toBe(0);
    // Before: the plain list's bulkreplace of the set it had planned revoked Admin@Home from the first user.
    for (const u of p) expect(grantsOf(emu, u.id)).toEqual(['Admin@Home', 'Employee@Home', 'Supervisor@Support']);
  });

  it('a grant the OAuth client may not give fails its row (403), the others are applied; rollback leaves it', async () => {
    const { box, emu, p } = await start(3, () => ({ grants: [['Employee', 'home']] }));
    emu.setFaults({ ungrantableRoles: [role('Admin')] });
    const file = await writeInput(
      box,
      'roles.csv',
      csv([
        ['email', 'title', 'roles'],
        [p[0]!.email!, 'Boss', '+Admin'],
        [p[1]!.email!, 'Boss', 'Admin;Agent@Support'],
        [p[2]!.email!, 'Agent', '+Agent@Support'],
      ]),
    );
    const r = await box.cli(['update', file, '--yes', '--report', 'report.jsonl']);
    expect(r.code, r.stderr).toBe(1);
    const report = byRow(await readJsonlReport(box, 'report.jsonl'));
    for (const row of [1, 2]) {
      expect(report.get(row)).toMatchObject({ status: 'failed', errorCode: 'not.authorized' });
      expect(report.get(row)!.message).toMatch(/HTTP 403.*role Admin/);
      // Not only a missing permission: the role itself may be beyond what the client may give.
      expect(report.get(row)!.message).toContain('may be one the OAuth client may not give or take away');
    }
    expect(report.get(3)).toMatchObject({ status: 'updated' });
    // The refused bulkadd carried both grants and changed nothing; the revocation after it was not sent.
    expect(grantsOf(emu, p[1]!.id)).toEqual(['Employee@Home']);
    expect(grantsOf(emu, p[2]!.id)).toEqual(['Agent@Support', 'Employee@Home']);

    const back = await box.cli(['rollback', '--last', '--yes']);
    expect(back.code, back.stderr).toBe(0);
    for (const u of p) {
      expect(grantsOf(emu, u.id)).toEqual(['Employee@Home']);
      expect(emu.user(u.id)!.title).toBe(u.title);
    }
  });

  it('division: moves the users that are elsewhere, grouped in one call, and leaves the one already there', async () => {
    org = await routingOrg();
    const { box, emu } = org;
    const elsewhere = org.people.filter((u) => !['Support', 'Home'].includes(u.division!.name!)).slice(0, 2);
    const home = org.people.find((u) => u.division?.name === 'Home')!;
    const file = await writeInput(
      box,
      'division.csv',
      csv([
        ['email', 'division'],
        [elsewhere[0]!.email!, 'Support'],
        [elsewhere[1]!.email!, 'support'],
        [home.email!, 'HOME'],
      ]),
    );
    const r = await box.cli(['update', file, '--yes', '--report', 'report.jsonl']);
    expect(r.code, r.stderr).toBe(0);
    expect(divisionOf(emu, elsewhere[0]!.id)).toBe('Support');
    expect(divisionOf(emu, elsewhere[1]!.id)).toBe('Support');
    expect(divisionOf(emu, home.id)).toBe('Home');
    expect(routingCalls(emu.stats()).divisionMove).toBe(1);
    expect(emu.stats().routingWrites.divisions).toBe(1);
    const report = byRow(await readJsonlReport(box, 'report.jsonl'));
    expect(report.get(1)!.changes).toEqual([
      { field: 'division', before: elsewhere[0]!.division!.name, after: SUPPORT.name },
    ]);
    expect(report.get(3)).toMatchObject({ status: 'unchanged', changes: [] });
  });
});

describe('routing columns: names', () => {
  it('an unknown name fails validation: exit 2, row and column named, a did-you-mean, nothing written', async () => {
    const { box, emu, p } = await start(5, () => ({ skills: [['Billing', 3]] }));
    const file = await writeInput(
      box,
      'typos.csv',
      csv([
        ['email', 'title', 'skills', 'queues', 'roles', 'division'],
        [p[0]!.email!, 'E2E Valid Title', '', '', '', ''],
        [p[1]!.email!, '', '+Biling:4', '', '', ''],
        [p[2]!.email!, '', '', '+Sales Inbund', '', ''],
        [p[3]!.email!, '', '', '', 'Agent@Suport', ''],
        [p[4]!.email!, '', 'Spanish:2', '', '', 'Nowhere At All'],
      ]),
    );
    const before = p.map((u) => routingSnapshot(emu, u.id));
    const r = await box.cli(['update', file, '--yes']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('row 2 (line 3), column "skills": no skill named "Biling"; did you mean "Billing"?\n');
    expect(r.stderr).toContain(
      'row 3 (line 4), column "queues": no queue named "Sales Inbund"; did you mean "Sales Inbound"?',
    );
    expect(r.stderr).toContain(
      'row 4 (line 5), column "roles": no division named "Suport" (in "Agent@Suport"); did you mean "Support"?',
    );
    expect(r.stderr).toContain('row 5 (line 6), column "division": no division named "Nowhere At All".');
    expect(r.stderr).toContain('nothing was written');

    const stats = emu.stats();
    expect(writeRequests(stats)).toBe(0);
    expect(routingWritesApplied(stats)).toBe(0);
    // Stopped before any user's assignments were read.
    const calls = routingCalls(stats);
    expect([calls.userSkills, calls.userLanguages, calls.subject, calls.queueMembers]).toEqual([0, 0, 0, 0]);
    expect(p.map((u) => routingSnapshot(emu, u.id))).toEqual(before);
  });

  it('with --skip-invalid, a row with an unknown name is reported invalid and the others are applied', async () => {
    const { box, emu, p } = await start(2, () => ({ skills: [['Billing', 3]] }));
    const file = await writeInput(
      box,
      'typo.csv',
      csv([
        ['email', 'skills'],
        [p[0]!.email!, '+Retention:2'],
        [p[1]!.email!, '+Retension:2'],
      ]),
    );
    const r = await box.cli(['update', file, '--yes', '--skip-invalid', '--report', 'report.jsonl']);
    expect(r.code, r.stderr).toBe(1);
    expect(skillsOf(emu, p[0]!.id)).toEqual({ Billing: 3, Retention: 2 });
    expect(skillsOf(emu, p[1]!.id)).toEqual({ Billing: 3 });
    const report = byRow(await readJsonlReport(box, 'report.jsonl'));
    expect(report.get(1)!.status).toBe('updated');
    expect(report.get(2)).toMatchObject({ status: 'invalid' });
    expect(report.get(2)!.message).toContain('did you mean "Retention"?');
  });
});

describe('routing columns: plan, rerun and economy', () => {
  async function mixedOrg() {
    return start(3, () => ({
      skills: [['Billing', 3]],
      languages: [['English', 5]],
      queues: ['Retention Desk'],
      grants: [['Employee', 'home']],
    }));
  }
  const mixedFile = (p: GenesysUser[]) =>
    csv([
      ['email', 'title', 'skills', 'languages', 'queues', 'roles', 'division'],
      [p[0]!.email!, 'E2E Routing Lead', '+Billing:5', '+French:3', '+Sales Inbound', '+Agent@Support', 'Support'],
      [p[1]!.email!, 'E2E Routing Agent', 'Sales:2', '', '-Retention Desk', '', ''],
      [p[2]!.email!, '', '', '-English', '', 'Supervisor', ''],
    ]);

  it('--dry-run shows the routing diffs and the calls they take, and writes nothing', async () => {
    const { box, emu, p } = await mixedOrg();
    const file = await writeInput(box, 'mixed.csv', mixedFile(p));
    const before = p.map((u) => routingSnapshot(emu, u.id));

    const r = await box.cli(['update', file, '--dry-run']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('skill:Billing: "3" → "5"');
    expect(r.stdout).toContain('queue:Retention Desk: "member" → (none)');
    expect(r.stdout).toContain('role:Agent@Support: (none) → "granted"');
    expect(r.stdout).toContain(`division: "${p[0]!.division!.name}" → "Support"`);
    expect(r.stdout).toMatch(/Plan: 3 to change/);
    expect(r.stdout).toMatch(/Routing and access: 11 call\(s\)/);

    const json = await box.cli(['update', file, '--dry-run', '--json']);
    expect(json.code).toBe(0);
    const plan = JSON.parse(json.stdout) as { plan: { requests: number; routingRequests: number } };
    // Two profile PATCHes; routing: p0 skills, languages, grants; p1 a skills PATCH and a skill DELETE; p2 language
    // DELETE, a grant and a revocation; queues Sales Inbound +p0, Retention Desk −p1; division p0.
    expect(plan.plan).toMatchObject({ requests: 2, routingRequests: 11 });

    expect(writeRequests(emu.stats())).toBe(0);
    expect(p.map((u) => routingSnapshot(emu, u.id))).toEqual(before);
  });

  it('a mixed profile + routing file: PATCHes and routing calls for the same users, both in the report; a rerun calls nothing', async () => {
    const { box, emu, p } = await mixedOrg();
    const file = await writeInput(box, 'mixed.csv', mixedFile(p));
    const r = await box.cli(['update', file, '--yes', '--report', 'report.jsonl', '--json']);
    expect(r.code, r.stderr).toBe(0);

    expect(emu.user(p[0]!.id)).toMatchObject({ title: 'E2E Routing Lead', division: { name: 'Support' } });
    expect(emu.user(p[1]!.id)!.title).toBe('E2E Routing Agent');
    expect(routingSnapshot(emu, p[0]!.id)).toEqual({
      skills: { Billing: 5 },
      languages: { English: 5, French: 3 },
      queues: ['Retention Desk', 'Sales Inbound'],
      grants: ['Agent@Support', 'Employee@Home'],
      division: 'Support',
    });
    expect(routingSnapshot(emu, p[1]!.id)).toMatchObject({ skills: { Sales: 2 }, queues: [] });
    expect(routingSnapshot(emu, p[2]!.id)).toMatchObject({ languages: {}, grants: ['Supervisor@Home'] });
    const stats = emu.stats();
    expect(stats.byRoute[PATCH_ROUTE]).toEqual({ 200: 2 });
    expect(routingWritesApplied(stats)).toBe(11);

    const report = byRow(await readJsonlReport(box, 'report.jsonl'));
    expect(report.get(1)!.status).toBe('updated');
    expect(report.get(1)!.changes.map((c) => c.field)).toEqual([
      'title',
      'skill:Billing',
      'language:French',
      'queue:Sales Inbound',
      'role:Agent@Support',
      'division',
    ]);
    expect(report.get(2)!.changes.map((c) => c.field)).toEqual([
      'title',
      'skill:Billing',
      'skill:Sales',
      'queue:Retention Desk',
    ]);
    expect(report.get(3)!.changes.map((c) => c.field)).toEqual([
      'language:English',
      'role:Employee@Home',
      'role:Supervisor@Home',
    ]);
    const result = JSON.parse(r.stdout) as { summary: { updated: number }; rows: ReportRecordJson[] };
    expect(result.summary.updated).toBe(3);
    expect(result.rows.map((x) => x.changes)).toEqual([...report.values()].map((x) => x.changes));

    const before = emu.stats();
    const again = await box.cli(['update', file, '--yes', '--report', 'again.jsonl']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain('3 unchanged');
    const after = emu.stats();
    expect(writeRequests(after) - writeRequests(before)).toBe(0);
    expect(routingWritesApplied(after)).toBe(routingWritesApplied(before));
  });

  it('reads economically: catalogues of the kinds used, per-user reads only for the kinds a row touches', async () => {
    const { box, emu, p } = await start(4, () => ({ skills: [['Billing', 3]], grants: [['Employee', 'home']] }));
    const file = await writeInput(
      box,
      'economy.csv',
      csv([
        ['email', 'title', 'skills', 'queues', 'roles'],
        [p[0]!.email!, 'E2E Profile Only', '', '', ''],
        [p[1]!.email!, '', '+Sales:1', '', ''],
        [p[2]!.email!, '', '', '+VIP Customers', ''],
        [p[3]!.email!, '', '', '', '+Agent'],
      ]),
    );
    const r = await box.cli(['update', file, '--yes', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const calls = routingCalls(emu.stats());
    expect(calls).toMatchObject({
      // 130 skills take two pages of 100; no language is named; roles need divisions.
      skillsList: 2,
      languagesList: 0,
      queuesList: 1,
      rolesList: 1,
      divisionsList: 1,
      // One user's skills come with a read by id (expand=skills); one queue's members, one user's grants (each again
      // just before it is written).
      userSkills: 0,
      userLanguages: 0,
      queueMembers: 2,
      subject: 2,
    });
    expect(skillsOf(emu, p[1]!.id)).toEqual({ Billing: 3, Sales: 1 });
    const result = JSON.parse(r.stdout) as { api: { reads: { routing: Record<string, number> } } };
    expect(result.api.reads.routing).toEqual({
      catalogue: 5,
      expanded: 1,
      skills: 0,
      languages: 0,
      grants: 1,
      queueMembers: 1,
      groupMembers: 0,
    });
  });

  it('a file without routing columns reads no catalogue and no assignment', async () => {
    const { box, emu, p } = await start(2, () => ({ skills: [['Billing', 3]] }));
    const file = await writeInput(
      box,
      'profile.csv',
      csv([
        ['email', 'title'],
        [p[0]!.email!, 'E2E Only Profile'],
      ]),
    );
    const r = await box.cli(['update', file, '--yes']);
    expect(r.code, r.stderr).toBe(0);
    const calls = routingCalls(emu.stats());
    const { userPatch, ...routing } = calls;
    expect(userPatch).toBe(1);
    expect(Object.values(routing).every((n) => n === 0)).toBe(true);
  });
});
