/**
 * update --create (issue #11, item 2): users created over real HTTP through the SDK against the emulator, each
 * expectation checked on the emulator's state and its per-route counters.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { GenesysUser } from '../../src/genesys/types.js';
import { applyUpdate, rollback } from '../../src/index.js';
import { BIN, requireFreshBuild } from './harness.js';
import {
  asAnotherAdmin,
  csv,
  expectNoWrites,
  type ReportRecordJson,
  readJsonlReport,
  routeCount,
  writeInput,
} from './helpers.js';
import {
  activeWithEmail,
  directory,
  fixedId,
  grantsOf,
  queuesOf,
  type RoutingOrg,
  routingOrg,
  SUPPORT,
  skillsOf,
} from './routing-helpers.js';

const CREATE_ROUTE = 'POST /api/v2/users';
const DELETE_ROUTE = 'DELETE /api/v2/users/{userId}';
const INVITE_ROUTE = 'POST /api/v2/users/{userId}/invite';

let org: RoutingOrg | undefined;
afterEach(async () => {
  await org?.box.close();
  org = undefined;
});

const newEmail = (i: number) => `new.hire${i}@newco.example`;

/** Rows for `n` people who do not exist: name, title, a work phone, two skills, a queue, a role. */
function newHires(n: number, from = 0): string[][] {
  const rows = [['email', 'name', 'title', 'phone.work', 'skills', 'queues', 'roles']];
  for (let i = from; i < from + n; i++)
    rows.push([
      newEmail(i),
      `New Hire ${i}`,
      'Agent',
      `+1 317 555 ${String(1000 + i).slice(-4)}`,
      'Billing:4;Spanish:3',
      '+Sales Inbound',
      'Agent@Support;Employee',
    ]);
  return rows;
}

const byEmail = (emu: RoutingOrg['emu'], email: string): GenesysUser[] =>
  emu.users().filter((u) => u.email === email && u.state !== 'deleted');

describe('update --create', () => {
  it('200 new rows with skills, queues and roles: all created and complete in one run', async () => {
    org = await routingOrg({ users: 50 });
    const { box, emu } = org;
    const file = await writeInput(box, 'hires.csv', csv(newHires(200)));
    const r = await box.cli(['update', file, '--create', '--yes', '--report', 'report.jsonl']);
    expect(r.stderr).toContain('200 created');
    expect(r.code).toBe(0);
    const stats = emu.stats();
    expect(routeCount(stats, CREATE_ROUTE)).toBe(200);
    // Per created user: the POST, its grants read, its skills PATCH, its grants write; the queue adds (100 users a
    // call) and the read-back by id (100 a call) are shared. Plus the plan's reads: login, catalogues, the search.
    expect(routeCount(stats, 'GET /api/v2/authorization/subjects/{subjectId}')).toBe(200);
    expect(routeCount(stats, 'GET /api/v2/users')).toBe(2);
    expect(stats.requests).toBeLessThanOrEqual(200 * 4 + 2 + 2 + 12);
    for (let i = 0; i < 200; i++) {
      const [user, ...others] = byEmail(emu, newEmail(i));
      expect(others).toEqual([]);
      expect(user).toMatchObject({ name: `New Hire ${i}`, title: 'Agent', state: 'active' });
      expect(user!.division?.name).toBe('Home');
      expect(user!.addresses?.find((a) => a.type === 'WORK')?.address).toBe(`+1317555${String(1000 + i).slice(-4)}`);
      expect(skillsOf(emu, user!.id)).toEqual({ Billing: 4, Spanish: 3 });
      expect(queuesOf(emu, user!.id)).toEqual(['Sales Inbound']);
      expect(grantsOf(emu, user!.id)).toEqual(['Agent@Support', 'Employee@Home']);
    }
    const report = await readJsonlReport(box, 'report.jsonl');
    expect(report.map((x) => x.status)).toEqual(Array(200).fill('created'));
    expect(report.every((x) => typeof x.userId === 'string')).toBe(true);
    // No PATCH is needed: the create body carries name, title and phone. Queue adds are 100 users a call.
    expect(routeCount(stats, 'PATCH /api/v2/users/{userId}')).toBe(0);
    expect(routeCount(stats, 'POST /api/v2/routing/queues/{queueId}/members')).toBe(2);
    // A second run of the same file with --create creates nobody and changes nothing.
    const again = await box.cli(['update', file, '--create', '--yes', '--json']);
    expect(again.code).toBe(0);
    const doc = JSON.parse(again.stdout);
    expect(doc.summary).toMatchObject({ unchanged: 200, created: 0, to_create: 0 });
    expect(routeCount(emu.stats(), CREATE_ROUTE)).toBe(200);
  });

  it('without --create the rows stay not_found, with a hint; --dry-run --create writes nothing and counts them', async () => {
    org = await routingOrg({ users: 20 });
    const { box, emu } = org;
    const file = await writeInput(box, 'hires.csv', csv(newHires(3)));
    const plain = await box.cli(['update', file, '--yes', '--report', 'plain.jsonl']);
    expect(plain.code).toBe(1);
    const report = await readJsonlReport(box, 'plain.jsonl');
    expect(report.map((x) => x.status)).toEqual(['not_found', 'not_found', 'not_found']);
    expect(report[0]!.message).toContain('--create');
    const dry = await box.cli(['update', file, '--create', '--dry-run', '--json']);
    expect(dry.code).toBe(0);
    const doc = JSON.parse(dry.stdout);
    expect(doc.summary).toMatchObject({ rows: 3, to_create: 3, created: 0 });
    expect(doc.rows[0].status).toBe('to_create');
    expect(doc.rows[0].changes).toContainEqual({ field: 'skill:Billing', before: null, after: '4' });
    const text = await box.cli(['update', file, '--create', '--dry-run']);
    expect(text.stdout).toContain(`+ ${newEmail(0)} (row 1): create`);
    expect(text.stdout).toContain('3 to create');
    expectNoWrites(emu.stats());
    for (const route of [CREATE_ROUTE, 'PATCH /api/v2/users/{userId}', INVITE_ROUTE])
      expect(routeCount(emu.stats(), route)).toBe(0);
    expect(byEmail(emu, newEmail(0))).toEqual([]);
  });

  it("a row whose email is an inactive user's updates that user, and its note says so (plan, report, --json)", async () => {
    org = await routingOrg({ users: 60 });
    const { box, emu, users } = org;
    const inactive = users.find((u) => u.state === 'inactive' && u.email);
    if (!inactive?.email) throw new Error('the directory has no inactive user with an email');
    const file = await writeInput(
      box,
      'hires.csv',
      csv([
        ['email', 'name', 'title'],
        [inactive.email, 'Back Again', 'Rehired'],
        [newEmail(0), 'New Hire 0', 'Agent'],
      ]),
    );
    const dry = await box.cli(['update', file, '--create', '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain(
      "note: this email is an inactive user's: the row updates that user, who stays inactive",
    );
    const r = await box.cli(['update', file, '--create', '--yes', '--json', '--report', 'report.jsonl']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.summary).toMatchObject({ updated: 1, created: 1 });
    const updated = doc.rows.find((row: { row: number }) => row.row === 1);
    expect(updated).toMatchObject({ status: 'updated', userId: inactive.id });
    expect(updated.message).toContain("inactive user's");
    const report = await readJsonlReport(box, 'report.jsonl');
    expect(report[0]!.message).toContain("inactive user's");
    expect(emu.user(inactive.id)).toMatchObject({ title: 'Rehired', state: 'inactive' });
    expect(byEmail(emu, inactive.email)).toHaveLength(1);
    expect(routeCount(emu.stats(), CREATE_ROUTE)).toBe(1);
  });

  it('a row to create without a name stops the run before any write (exit 2, row and column named)', async () => {
    org = await routingOrg({ users: 20 });
    const { box, emu } = org;
    const rows = newHires(2);
    rows[2]![1] = '';
    const file = await writeInput(box, 'hires.csv', csv(rows));
    const r = await box.cli(['update', file, '--create', '--yes']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('row 2 (line 3), column "name"');
    expect(routeCount(emu.stats(), CREATE_ROUTE)).toBe(0);
  });

  it('a password column is refused, saying why', async () => {
    org = await routingOrg({ users: 5 });
    const { box, emu } = org;
    const file = await writeInput(box, 'hires.csv', 'email,name,Password\nx@newco.example,X,hunter2\n');
    const r = await box.cli(['update', file, '--create', '--yes']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('passwords are never read from files');
    expect(r.stderr).not.toContain('hunter2');
    expect(routeCount(emu.stats(), CREATE_ROUTE)).toBe(0);
  });

  it('a create whose answer is lost is found by its email, never sent twice; --invite invites each user once', async () => {
    org = await routingOrg({ users: 20, dropAfterCreateRate: 0.5 });
    const { box, emu } = org;
    const file = await writeInput(box, 'hires.csv', csv(newHires(20)));
    const r = await box.cli(['update', file, '--create', '--invite', '--yes', '--report', 'report.jsonl']);
    expect(r.code).toBe(0);
    const stats = emu.stats();
    expect(stats.faults.droppedAfterWrite).toBeGreaterThan(0);
    expect(routeCount(stats, CREATE_ROUTE)).toBe(20);
    const invites = emu.invites();
    for (let i = 0; i < 20; i++) {
      const users = byEmail(emu, newEmail(i));
      expect(users).toHaveLength(1);
      expect(skillsOf(emu, users[0]!.id)).toEqual({ Billing: 4, Spanish: 3 });
      expect(invites[users[0]!.id]).toBe(1);
    }
    expect(Object.keys(invites)).toHaveLength(20);
    const report: ReportRecordJson[] = await readJsonlReport(box, 'report.jsonl');
    expect(report.every((x) => x.status === 'created')).toBe(true);
  });

  it('a lost create whose user the search index shows only 2 s later is found by searching again, not sent twice', async () => {
    org = await routingOrg({ users: 20, dropAfterCreateRate: 1, searchLagMs: 2000 });
    const { box, emu } = org;
    const file = await writeInput(box, 'hires.csv', csv(newHires(3)));
    const r = await box.cli(['update', file, '--create', '--yes', '--report', 'report.jsonl']);
    expect(r.code, r.stderr).toBe(0);
    const stats = emu.stats();
    expect(stats.byRoute[CREATE_ROUTE]).toEqual({ dropped: 3 });
    for (let i = 0; i < 3; i++) expect(byEmail(emu, newEmail(i))).toHaveLength(1);
    // Each lost creation was searched until the index showed it: more than once.
    expect(routeCount(stats, 'POST /api/v2/users/search')).toBeGreaterThan(3);
    const report: ReportRecordJson[] = await readJsonlReport(box, 'report.jsonl');
    expect(report.map((x) => x.status)).toEqual(['created', 'created', 'created']);
  });

  it('a lost create the index still hides after the last search: that row is unsettled, exit 1, with output to files', async () => {
    org = await routingOrg({ users: 20, dropAfterCreateRate: 1, searchLagMs: 60_000 });
    const { box, emu } = org;
    const file = await writeInput(box, 'hires.csv', csv(newHires(1)));
    // Output to files, as a CI job or `> out 2> err` gives it: no pipe keeps the process alive while it waits.
    requireFreshBuild();
    const out = openSync(join(box.dir, 'out.txt'), 'w');
    const err = openSync(join(box.dir, 'err.txt'), 'w');
    const child = spawn(process.execPath, ['--', BIN, 'update', file, '--create', '--yes', '--report', 'r.jsonl'], {
      cwd: box.dir,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...box.env },
      stdio: ['ignore', out, err],
    });
    closeSync(out);
    closeSync(err);
    const code = await new Promise((resolve) => child.on('close', resolve));
    const stderr = await readFile(join(box.dir, 'err.txt'), 'utf8');
    expect(code, stderr).toBe(1);
    const [record] = await readJsonlReport(box, 'r.jsonl');
    expect(record).toMatchObject({ row: 1, status: 'failed', errorCode: 'create_unsettled' });
    // One search before the POST, then three after it (at once, 1 s and 3 s later); never sent twice.
    expect(routeCount(emu.stats(), 'POST /api/v2/users/search')).toBe(1 + 3);
    expect(emu.stats().byRoute[CREATE_ROUTE]).toEqual({ dropped: 1 });
  });

  it.each([409, 400] as const)(
    'an email another admin takes between the plan and the POST (%s) fails that row, naming the user; no retry',
    async (duplicateEmailStatus) => {
      org = await routingOrg({ users: 20, duplicateEmailStatus });
      const { box, emu } = org;
      const home = emu.catalogue().divisions[0]!.id;
      const result = await applyUpdate(
        {
          rows: [
            { email: 'taken@newco.example', name: 'Taken Later' },
            { email: 'free@newco.example', name: 'Free' },
          ],
        },
        {
          create: true,
          cwd: box.dir,
          connection: connection(box.env),
          confirm: async () => {
            await asAnotherAdmin(emu, 'POST', '/api/v2/users', {
              name: 'Other Admin Made Me',
              email: 'taken@newco.example',
              divisionId: home,
            });
            return true;
          },
        },
      );
      expect(result.exitCode).toBe(1);
      const [taken, free] = result.records;
      expect(taken).toMatchObject({ status: 'failed', errorCode: 'email_taken' });
      expect(taken!.message).toContain(byEmail(emu, 'taken@newco.example')[0]!.id);
      expect(free!.status).toBe('created');
      expect(byEmail(emu, 'taken@newco.example')).toHaveLength(1);
      expect(routeCount(emu.stats(), CREATE_ROUTE)).toBe(3);
    },
  );

  it('--invite needs --create (exit 2, nothing read or written)', async () => {
    org = await routingOrg({ users: 5 });
    const { box, emu } = org;
    const file = await writeInput(box, 'hires.csv', csv(newHires(1)));
    const r = await box.cli(['update', file, '--invite', '--yes']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--invite');
    expect(emu.stats().requests).toBe(0);
  });

  it('a division column puts the user there; the library API creates too', async () => {
    org = await routingOrg({ users: 20 });
    const { box, emu } = org;
    const result = await applyUpdate(
      { rows: [{ email: 'lib.user@newco.example', name: 'Lib User', division: SUPPORT.name, preferredName: 'Lib' }] },
      { create: true, yes: true, cwd: box.dir, connection: { ...connection(box.env) } },
    );
    expect(result.exitCode).toBe(0);
    expect(result.summary.created).toBe(1);
    const [user] = byEmail(emu, 'lib.user@newco.example');
    expect(user).toMatchObject({ division: { id: SUPPORT.id }, preferredName: 'Lib' });
    expect(routeCount(emu.stats(), DELETE_ROUTE)).toBe(0);
  });

  it('a locations column is planned and set on the created user (it was refused as "not resolved")', async () => {
    org = await routingOrg({ users: 20 });
    const { box, emu } = org;
    const [hq, remote] = emu.locations();
    const file = await writeInput(
      box,
      'hires.csv',
      csv([
        ['email', 'name', 'locations', 'skills'],
        ['loc.hire@newco.example', 'Loc Hire', `${hq!.name};${remote!.name}`, 'Billing:4'],
      ]),
    );
    const dry = await box.cli(['update', file, '--create', '--dry-run']);
    expect(dry.stdout).toContain(`locations: "${[hq!.name, remote!.name].sort().join(';')}"`);
    expect(dry.code).toBe(0);
    const r = await box.cli(['update', file, '--create', '--yes']);
    expect(r.stderr).toContain('1 created');
    expect(r.code).toBe(0);
    const [user, ...others] = byEmail(emu, 'loc.hire@newco.example');
    expect(others).toEqual([]);
    expect(
      emu
        .user(user!.id)
        ?.locations?.map((l) => l.id)
        .sort(),
    ).toEqual([hq!.id, remote!.id].sort());
    expect((await box.cli(['update', file, '--create', '--dry-run'])).stdout).toContain('1 unchanged');
  });
});

const TEAMS = [
  { id: fixedId(9, 1), name: 'Sales Team' },
  { id: fixedId(9, 2), name: 'Billing Team' },
  { id: fixedId(9, 3), name: 'Night Shift' },
];

/** The hires' rows with a groups column: every hire in Sales Team, every third also in Night Shift. */
function newHiresInGroups(n: number): string[][] {
  return newHires(n).map((row, i) =>
    i === 0 ? [...row, 'groups'] : [...row, (i - 1) % 3 === 0 ? 'Sales Team;Night Shift' : '+Sales Team'],
  );
}
const groupsOfHire = (i: number) => (i % 3 === 0 ? ['Night Shift', 'Sales Team'] : ['Sales Team']);

describe('update --create with groups, a lost answer, and its rollback', () => {
  it('200 hires with skills, queues, roles and groups: each created once and complete; rollback deletes those unchanged since', async () => {
    // Someone already in Sales Team, who must stay there through the run and its rollback.
    const member = activeWithEmail(directory(50))[0]!;
    org = await routingOrg({
      users: 50,
      groups: TEAMS.map((g, i) => ({ ...g, members: i === 0 ? [member.id] : [] })),
      // Seeded: some of the 200 creations lose their answer (the user exists, the connection is cut).
      dropAfterCreateRate: 0.03,
    });
    const { box, emu } = org;
    const groupName = new Map(TEAMS.map((g) => [g.id, g.name]));
    const file = await writeInput(box, 'hires.csv', csv(newHiresInGroups(200)));
    const up = await box.cli(['update', file, '--create', '--yes', '--report', 'report.jsonl']);
    expect(up.code, up.stderr).toBe(0);
    const runId = /\(run (\d{8}-\d{6}-[0-9a-f]{6})\)/.exec(up.stderr)![1]!;
    const stats = emu.stats();
    expect(stats.byRoute[CREATE_ROUTE]?.dropped ?? 0).toBeGreaterThan(0);
    expect(routeCount(stats, CREATE_ROUTE)).toBe(200);
    const ids: string[] = [];
    for (let i = 0; i < 200; i++) {
      const users = byEmail(emu, newEmail(i));
      expect(users, newEmail(i)).toHaveLength(1);
      const id = users[0]!.id;
      ids.push(id);
      expect(skillsOf(emu, id)).toEqual({ Billing: 4, Spanish: 3 });
      expect(queuesOf(emu, id)).toEqual(['Sales Inbound']);
      expect(grantsOf(emu, id)).toEqual(['Agent@Support', 'Employee@Home']);
      expect((emu.userGroups(id) ?? []).map((g) => groupName.get(g)).sort()).toEqual(groupsOfHire(i));
    }
    const report = await readJsonlReport(box, 'report.jsonl');
    expect(report.map((x) => x.status)).toEqual(Array(200).fill('created'));
    // 200 hires join Sales Team and 67 Night Shift, 50 a call; the member already there stays.
    expect(routeCount(stats, 'POST /api/v2/groups/{groupId}/members')).toBe(4 + 2);
    expect(emu.groups().find((g) => g.id === TEAMS[0]!.id)!.members).toContain(member.id);

    // Another admin edits one hire after the run: the rollback leaves that one, with its groups.
    const edited = ids[3]!;
    await asAnotherAdmin(emu, 'PATCH', `/api/v2/users/${edited}`, {
      version: emu.user(edited)!.version,
      title: 'Edited by another admin',
    });
    const back = await box.cli(['rollback', runId, '--yes', '--json']);
    expect(back.code, back.stderr).toBe(0);
    expect(JSON.parse(back.stdout).summary).toMatchObject({ deleted: 199, skipped: 1 });
    expect(routeCount(emu.stats(), DELETE_ROUTE)).toBe(199);
    for (const id of ids) expect(emu.user(id)!.state).toBe(id === edited ? 'active' : 'deleted');
    expect(emu.user(edited)!.title).toBe('Edited by another admin');
    // The deleted hires are no longer members of any group as the platform lists them (deleted users are left out
    // of member listings); the one left and the member from before still are.
    for (const g of TEAMS) {
      const listed = new Set(
        emu
          .groups()
          .find((x) => x.id === g.id)!
          .members.filter((id) => emu.user(id)?.state !== 'deleted'),
      );
      for (const id of ids)
        expect(listed.has(id), `${g.name} ${id}`).toBe(id === edited && groupsOfHire(3).includes(g.name));
    }
    expect((emu.userGroups(edited) ?? []).map((g) => groupName.get(g)).sort()).toEqual(groupsOfHire(3));
    expect(emu.userGroups(member.id)).toEqual([TEAMS[0]!.id]);
  });
});

describe('resume after a crash between a creation and its answer', () => {
  it('settles each unanswered creation by searching its email: the one that landed is not created again', async () => {
    org = await routingOrg({ users: 20 });
    const { box, emu } = org;
    const file = await writeInput(box, 'hires.csv', csv(newHires(3)));
    const up = await box.cli(['update', file, '--create', '--yes']);
    expect(up.code).toBe(0);
    const runId = /\(run (\d{8}-\d{6}-[0-9a-f]{6})\)/.exec(up.stderr)![1]!;
    const ids = [0, 1, 2].map((i) => byEmail(emu, newEmail(i))[0]!.id);
    // The state a crash leaves: rows 1 and 2 have their POST journaled and no answer. Row 1's user exists (its POST
    // landed); row 2's does not (its POST never reached the platform: the deleted user frees its email). Row 3 was
    // finished before the crash.
    await asAnotherAdmin(emu, 'DELETE', `/api/v2/users/${ids[1]}`, undefined);
    const runDir = join(box.dir, '.genesys-bulk', 'runs', runId);
    const journal = join(runDir, 'lifecycle.jsonl');
    const intents = (await readFile(journal, 'utf8'))
      .split('\n')
      .filter((line) => line.includes('"t":"create"') || line.includes('"row":3,'));
    await writeFile(journal, `${intents.join('\n')}\n`);
    // Nor any write of the rest of their rows, which only follows an answer.
    await rm(join(runDir, 'routing.jsonl'), { force: true });
    await rm(join(runDir, 'journal.jsonl'), { force: true });
    const before = routeCount(emu.stats(), CREATE_ROUTE);

    const resumed = await box.cli(['update', '--resume', runId, '--yes', '--report', 'resumed.jsonl']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(routeCount(emu.stats(), CREATE_ROUTE) - before).toBe(1);
    expect(byEmail(emu, newEmail(0)).map((u) => u.id)).toEqual([ids[0]]);
    const [recreated] = byEmail(emu, newEmail(1));
    expect(recreated!.id).not.toBe(ids[1]);
    expect(skillsOf(emu, recreated!.id)).toEqual({ Billing: 4, Spanish: 3 });
    expect(queuesOf(emu, recreated!.id)).toEqual(['Sales Inbound']);
    const report = await readJsonlReport(box, 'resumed.jsonl');
    expect(report.map((r) => r.status)).toEqual(['created', 'created', 'created']);
    // The rollback deletes all three: each has the version journaled once its row was applied.
    const rb = await box.cli(['rollback', runId, '--yes']);
    expect(rb.code, rb.stderr).toBe(0);
    for (const id of [ids[0]!, recreated!.id, ids[2]!]) expect(emu.user(id)!.state).toBe('deleted');
  });
});

describe('a read the run cannot do without, failing once users are created', () => {
  it('says the users exist and how to finish the run (not "nothing was written"); the resume creates none again', async () => {
    let failing = false;
    org = await routingOrg({
      users: 20,
      // Once the three creations are answered, every request fails: first the new users' grants reads.
      onApiRequest: () => {
        const created = org?.emu.counters().byRoute[CREATE_ROUTE]?.['200'] ?? 0;
        if (!failing && created === 3) {
          failing = true;
          org!.emu.setFaults({ error502Rate: 1 });
        }
      },
    });
    const { box, emu } = org;
    const file = await writeInput(box, 'hires.csv', csv(newHires(3)));
    const up = await box.cli(['update', file, '--create', '--yes']);
    expect(up.code, up.stderr).toBe(1);
    const runId = /--resume (\d{8}-\d{6}-[0-9a-f]{6})/.exec(up.stderr)?.[1];
    expect(up.stderr).toContain(`Run ${runId} had created 3 user(s) by then, which exist.`);
    // Before: "The platform did not recover within the retry limits; nothing was written. Try again later."
    expect(up.stderr).not.toMatch(/nothing was written/i);
    for (const i of [0, 1, 2]) expect(byEmail(emu, newEmail(i))).toHaveLength(1);

    emu.setFaults({ error502Rate: 0 });
    const resumed = await box.cli(['update', '--resume', runId!, '--yes', '--report', 'resumed.jsonl']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(routeCount(emu.stats(), CREATE_ROUTE)).toBe(3);
    for (const i of [0, 1, 2]) expect(grantsOf(emu, byEmail(emu, newEmail(i))[0]!.id)).toHaveLength(2);
    expect((await readJsonlReport(box, 'resumed.jsonl')).map((r) => r.status)).toEqual(Array(3).fill('created'));
  });
});

describe('rollback of a run that created users', () => {
  it('deletes exactly the users unchanged since, leaves the one another admin edited, and says so first', async () => {
    org = await routingOrg({ users: 30 });
    const { box, emu, people } = org;
    const existing = people[0]!;
    const rows = [...newHires(5), [existing.email!, '', 'Lead', '', '', '', '']];
    const file = await writeInput(box, 'hires.csv', csv(rows));
    const up = await box.cli(['update', file, '--create', '--yes']);
    expect(up.code).toBe(0);
    const runId = /\(run (\d{8}-\d{6}-[0-9a-f]{6})\)/.exec(up.stderr)![1]!;
    const ids = Array.from({ length: 5 }, (_, i) => byEmail(emu, newEmail(i))[0]!.id);
    const edited = ids[2]!;
    await asAnotherAdmin(emu, 'PATCH', `/api/v2/users/${edited}`, {
      version: emu.user(edited)!.version,
      title: 'Edited by another admin',
    });

    const dry = await box.cli(['rollback', runId, '--dry-run', '--json']);
    expect(JSON.parse(dry.stdout).summary).toMatchObject({ to_delete: 4, planned: 1, skipped: 1 });
    expect(routeCount(emu.stats(), DELETE_ROUTE)).toBe(0);

    let question = '';
    const result = await rollback(runId, {
      cwd: box.dir,
      connection: connection(box.env),
      confirm: (q) => {
        question = q;
        return true;
      },
    });
    expect(question).toContain('delete 4 user(s) that run');
    expect(question).toContain('leaving 1 user(s) it created that changed since');
    expect(result.summary).toMatchObject({ deleted: 4, updated: 1, skipped: 1 });
    expect(result.exitCode).toBe(0);
    for (const id of ids) expect(emu.user(id)!.state).toBe(id === edited ? 'active' : 'deleted');
    expect(emu.user(edited)!.title).toBe('Edited by another admin');
    expect(emu.user(existing.id)!.title).toBe(existing.title);
    expect(routeCount(emu.stats(), DELETE_ROUTE)).toBe(4);
    const left = result.records.find((r) => r.userId === edited)!;
    expect(left).toMatchObject({ status: 'skipped', errorCode: 'changed_since' });
    expect(left.message).toContain('changed since run');
  });
});

function connection(env: Record<string, string>) {
  return { baseUrl: env.GENESYS_BASE_URL!, clientId: env.GENESYS_CLIENT_ID!, clientSecret: env.GENESYS_CLIENT_SECRET! };
}
