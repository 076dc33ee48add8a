/**
 * End-to-end tests of `genesys-bulk export` (issue #11 item 1): the built CLI against the emulator. The round trip is
 * checked through `update` itself, and the calls against the bound the README documents.
 */
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDirectory } from '../../src/emulator/index.js';
import { USER_PAGE_SIZE } from '../../src/export/run.js';
import { json, startFakeServer, withLogin } from '../genesys/fake-server.js';
import { runCli, type Sandbox, sandbox } from './harness.js';
import { csv } from './helpers.js';
import { writeRequests } from './routing-helpers.js';

const USERS = 300;
const TOKEN = 'POST /oauth/token';

type Row = Record<string, string>;
const readCsv = async (path: string): Promise<Row[]> =>
  parse(await readFile(path, 'utf8'), { columns: true, bom: true }) as Row[];
const total = (box: Sandbox): number =>
  Object.entries(box.emulator.stats().byRoute)
    .filter(([route]) => route !== TOKEN)
    .reduce((n, [, byStatus]) => n + Object.values(byStatus).reduce((a, b) => a + b, 0), 0);

interface DryRun {
  summary: Record<string, number>;
  rows: { status: string; key: string; changes?: { field: string }[] }[];
}
async function dryRun(box: Sandbox, file: string): Promise<DryRun> {
  const r = await box.cli(['update', file, '--dry-run', '--json']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as DryRun;
}

describe('export: the round trip on 300 users with routing assignments', () => {
  let box: Sandbox;
  let rows: Row[];
  let exportCalls: Record<string, number>;
  let exportTotal: number;
  beforeAll(async () => {
    box = await sandbox({ users: USERS });
    const r = await box.cli(['export', 'users.csv']);
    expect(r.code, r.stderr).toBe(0);
    exportCalls = Object.fromEntries(
      Object.entries(box.emulator.stats().byRoute).map(([route, s]) => [
        route,
        Object.values(s).reduce((a, b) => a + b, 0),
      ]),
    );
    exportTotal = total(box);
    rows = await readCsv(join(box.dir, 'users.csv'));
  }, 120_000);
  afterAll(() => box?.close());

  it('writes every user, owner-only, in the columns update reads, with their routing and access', async () => {
    expect(rows).toHaveLength(box.emulator.users().filter((u) => u.state !== 'deleted').length);
    expect((await stat(join(box.dir, 'users.csv'))).mode & 0o777).toBe(0o600);
    const catalogue = box.emulator.catalogue();
    const queueName = new Map(catalogue.queues.map((q) => [q.id, q.name]));
    const roleName = new Map(catalogue.roles.map((q) => [q.id, q.name]));
    const divisionName = new Map(catalogue.divisions.map((q) => [q.id, q.name]));
    for (const row of rows) {
      const id = row.id!;
      const user = box.emulator.user(id)!;
      expect(row.email).toBe(user.email ?? '');
      expect(row.state).toBe(user.state);
      expect(row.division).toBe(user.division?.name);
      const skills = (box.emulator.userSkills(id) ?? []).map((s) => `${s.name}:${s.proficiency}`).sort();
      expect(row.skills === '' ? [] : row.skills!.split(';').sort()).toEqual(skills);
      const queues = (box.emulator.userQueues(id) ?? []).map((q) => `+${queueName.get(q)}`).sort();
      expect(row.queues === '' ? [] : row.queues!.split(';').sort()).toEqual(queues);
      const grants = (box.emulator.grants(id) ?? [])
        .map((g) => `${roleName.get(g.roleId)}@${divisionName.get(g.divisionId)}`)
        .sort();
      expect(row.roles === '' ? [] : row.roles!.split(';').sort()).toEqual(grants);
    }
    expect(rows.filter((r) => r.skills !== '').length).toBeGreaterThan(USERS / 2);
    expect(rows.filter((r) => r.queues !== '').length).toBeGreaterThan(USERS / 2);
  });

  it('reads within 5% of the documented bound, each queue listing once', () => {
    const catalogue = box.emulator.catalogue();
    const pages = (n: number, size: number) => Math.max(1, Math.ceil(n / size));
    const memberPages = catalogue.queues.reduce(
      (n, q) => n + pages(rows.filter((r) => r.queues!.split(';').includes(`+${q.name}`)).length, 100),
      0,
    );
    const catalogues = [
      catalogue.skills,
      catalogue.languages,
      catalogue.queues,
      catalogue.roles,
      catalogue.divisions,
    ].reduce((n, list) => n + pages(list.length, 100), 0);
    // README "Export": listing pages (skills and languages expanded in them) + catalogue pages + member pages of
    // every queue + 1 call per user for the grants.
    const bound = pages(USERS, USER_PAGE_SIZE) + catalogues + memberPages + rows.length;
    expect(exportTotal).toBeLessThanOrEqual(bound * 1.05);
    expect(exportTotal).toBeGreaterThanOrEqual(bound * 0.95);
    expect(exportCalls['GET /api/v2/routing/queues/{queueId}/members']).toBe(memberPages);
    expect(exportCalls['GET /api/v2/users']).toBe(pages(USERS, USER_PAGE_SIZE));
    expect(exportCalls['GET /api/v2/authorization/subjects/{subjectId}']).toBe(rows.length);
    expect(exportCalls['GET /api/v2/users/{userId}/routingskills']).toBeUndefined();
    expect(exportCalls['GET /api/v2/users/{userId}/routinglanguages']).toBeUndefined();
  });

  it('update of the unedited export changes nothing', async () => {
    const plan = await dryRun(box, 'users.csv');
    expect(plan.summary.planned).toBe(0);
    expect(plan.summary.unchanged).toBe(rows.length);
  }, 120_000);

  it('editing 3 cells (a title, a skill, a queue) makes exactly those 3 changes', async () => {
    const edited = rows.map((r) => ({ ...r }));
    const a = edited[5]!;
    a.title = `${a.title} (acting)`;
    const b = edited.find((r, i) => i !== 5 && r.skills!.includes(':'))!;
    const [first, ...rest] = b.skills!.split(';');
    const [skillName, level] = first!.split(':');
    const newLevel = level === '5' ? '4' : '5';
    b.skills = [`${skillName}:${newLevel}`, ...rest].join(';');
    const queueNames = box.emulator.catalogue().queues.map((q) => q.name);
    const c = edited.find((r) => r !== a && r !== b && r.queues!.split(';').length < queueNames.length)!;
    const missing = queueNames.find((q) => !c.queues!.split(';').includes(`+${q}`))!;
    c.queues = c.queues === '' ? `+${missing}` : `${c.queues};+${missing}`;
    const columns = Object.keys(rows[0]!);
    await writeFile(join(box.dir, 'edited.csv'), csv([columns, ...edited.map((r) => columns.map((k) => r[k]!))]));

    const plan = await dryRun(box, 'edited.csv');
    expect(plan.summary.planned).toBe(3);
    const diffs = plan.rows.flatMap((r) => (r.changes ?? []).map((d) => `${r.key} ${d.field}`)).sort();
    expect(diffs).toEqual([`${a.id} title`, `${b.id} skill:${skillName}`, `${c.id} queue:${missing}`].sort());

    const before = writeRequests(box.emulator.stats());
    const applied = await box.cli(['update', 'edited.csv', '--yes']);
    expect(applied.code, applied.stderr).toBe(0);
    expect(writeRequests(box.emulator.stats()) - before).toBe(3);
    expect(box.emulator.user(a.id!)?.title).toBe(a.title);
    expect(box.emulator.userSkills(b.id!)?.find((s) => s.name === skillName)?.proficiency).toBe(Number(newLevel));
    const missingId = box.emulator.catalogue().queues.find((q) => q.name === missing)!.id;
    expect(box.emulator.userQueues(c.id!)).toContain(missingId);
  }, 120_000);
});

describe('export: a manager no read finds', () => {
  it('an unedited export of users whose manager was deleted (or never read) plans nothing; an edit plans only itself', async () => {
    const users = generateDirectory({ users: 30, seed: 11 });
    const [gone, kept] = users.filter((u) => u.state === 'active' && u.manager);
    gone!.state = 'deleted';
    const orphans = users.filter((u) => u.manager?.id === gone!.id);
    kept!.manager = { id: '11111111-2222-4333-8444-555555555555' };
    const box = await sandbox({ users });
    try {
      const r = await box.cli(['export', 'users.csv', '--columns', 'id,email,title,manager']);
      expect(r.code, r.stderr).toBe(0);
      const rows = await readCsv(join(box.dir, 'users.csv'));
      expect(rows.find((row) => row.id === kept!.id)?.manager).toBe(kept!.manager.id);
      const plan = await dryRun(box, 'users.csv');
      expect(plan.summary.planned ?? 0).toBe(0);
      expect(plan.summary.unchanged).toBe(rows.length);

      const orphan = orphans.find((u) => u.state === 'active') ?? kept!;
      const edited = rows.map((row) => (row.id === orphan.id ? { ...row, title: 'Orphan Title' } : row));
      const columns = Object.keys(rows[0]!);
      await writeFile(join(box.dir, 'edited.csv'), csv([columns, ...edited.map((row) => columns.map((k) => row[k]!))]));
      const changed = await dryRun(box, 'edited.csv');
      expect(changed.rows.flatMap((row) => (row.changes ?? []).map((d) => `${row.key} ${d.field}`))).toEqual([
        `${orphan.id} title`,
      ]);
    } finally {
      await box.close();
    }
  });
});

describe('export: a directory that changes while it is read', () => {
  it('a user added on a page read already shifts the rest: the user twice on the pages is written once, and said', async () => {
    // Two pages or more, the second read after the user is added.
    const users = USER_PAGE_SIZE + 250;
    const box = await sandbox({ users });
    try {
      const early = {
        id: '00000000-0000-4000-8000-000000000001',
        name: 'Aaa Early',
        email: 'aaa.early@example.com',
        username: 'aaa.early@example.com',
        state: 'active' as const,
        version: 1,
      };
      box.emulator.duringNextListing({ create: [early] });
      const r = await box.cli(['export', 'users.csv', '--columns', 'id,email,title', '--state', 'any']);
      expect(r.code, r.stderr).toBe(0);
      const ids = (await readCsv(join(box.dir, 'users.csv'))).map((row) => row.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids).toHaveLength(users);
      expect(r.stderr).toContain(
        `The user listing changed while it was read (its total went from ${users} to ${users + 1}; `,
      );
      expect(r.stderr).toContain('1 user came on two pages, written once');
      expect(r.stderr).toContain('run it again to be sure');
      const again = await box.cli(['export', 'again.csv', '--columns', 'id,email,title', '--state', 'any']);
      expect(again.stderr).not.toContain('The user listing changed');
      expect((await readCsv(join(box.dir, 'again.csv'))).length).toBe(users + 1);
    } finally {
      await box.close();
    }
  });
});

describe('export: the listing in the largest page the platform takes', () => {
  it.each([
    ['takes 500', { usersPageSizeMax: 500 }, [500, 500, 500]],
    [
      'refuses 500 (400), takes 100',
      { usersPageSizeMax: 100 },
      [500, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100],
    ],
    ['cuts 500 to 250', { usersPageSizeMax: 250, pageSizeAboveMax: 'clamp' as const }, [500, 250, 250, 250, 250]],
  ])('a platform that %s: every user once, in as few pages as it allows', async (_what, options, asked) => {
    const box = await sandbox({ users: 1200, ...options });
    try {
      const r = await box.cli(['export', 'users.csv', '--columns', 'id,email,title', '--state', 'any']);
      expect(r.code, r.stderr).toBe(0);
      const listed = box.emulator.users().filter((u) => u.state !== 'deleted').length;
      const ids = (await readCsv(join(box.dir, 'users.csv'))).map((row) => row.id);
      expect(new Set(ids).size).toBe(listed);
      expect(ids).toHaveLength(listed);
      const byStatus = box.emulator.stats().byRoute['GET /api/v2/users'] ?? {};
      expect(Object.values(byStatus).reduce((a, b) => a + b, 0)).toBe(asked.length);
    } finally {
      await box.close();
    }
  });
});

describe('export: a server that repeats a page', () => {
  it('stops at a page of users all listed already, instead of reading the pageCount it claims, and says so', async () => {
    const entities = Array.from({ length: USER_PAGE_SIZE }, (_, i) => ({
      id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      name: `User ${i}`,
      email: `user${i}@example.com`,
      state: 'active',
      version: 1,
    }));
    const server = await startFakeServer(
      withLogin((_req, res) =>
        json(res, 200, { entities, pageSize: USER_PAGE_SIZE, pageNumber: 1, total: 1e8, pageCount: 1e6 }),
      ),
    );
    const dir = await mkdtemp(join(tmpdir(), 'genesys-bulk-export-'));
    try {
      const r = await runCli(['export', 'users.csv', '--columns', 'id,email,title'], {
        cwd: dir,
        env: { GENESYS_BASE_URL: server.url, GENESYS_CLIENT_ID: 'id', GENESYS_CLIENT_SECRET: 'secret-0123456789' },
      });
      expect(r.code, r.stderr).toBe(0);
      expect(server.requests.filter((q) => q.url.startsWith('/api/v2/users')).length).toBe(2);
      expect(await readCsv(join(dir, 'users.csv'))).toHaveLength(USER_PAGE_SIZE);
      expect(r.stderr).toContain(`${USER_PAGE_SIZE} users came on two pages, written once`);
      expect(r.stderr).toContain(`it said 100000000 users, ${USER_PAGE_SIZE} were listed`);
    } finally {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
