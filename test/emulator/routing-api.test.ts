/** Routing and authorization endpoints, driven through the SDK via the adapter. */
import { describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/index.js';
import type { GenesysClient } from '../../src/genesys/api.js';
import type { ApiOutcome } from '../../src/genesys/types.js';
import { defined, emulator, loggedIn, send, token } from './helpers.js';

function ok<T>(outcome: ApiOutcome<T>): T {
  if (!outcome.ok) throw new Error(`expected success, got ${outcome.status}: ${outcome.message}`);
  return outcome.body;
}

/** PUT …/routingskills/bulk, which the emulator serves as the platform does though the tool never sends it. */
const putSkills = (emu: RunningEmulator, userId: string, skills: { id: string; proficiency: number }[]) =>
  send(emu, 'PUT', `/api/v2/users/${userId}/routingskills/bulk`, skills);

/** POST …/bulkreplace, likewise served but never sent (a plain list is written as grants and revocations). */
const replaceGrants = (emu: RunningEmulator, userId: string, grants: { roleId: string; divisionId: string }[]) =>
  send(emu, 'POST', `/api/v2/authorization/subjects/${userId}/bulkreplace`, { grants });

const ids = (entities: { id: string }[]) => entities.map((e) => e.id);

/** A user and the first catalogue entries they do not have. */
function freeOf(emu: RunningEmulator, userId: string) {
  const catalogue = emu.catalogue();
  const skills = new Set(ids(emu.userSkills(userId) ?? []));
  const languages = new Set(ids(emu.userLanguages(userId) ?? []));
  const queues = new Set(emu.userQueues(userId));
  return {
    skills: catalogue.skills.filter((s) => !skills.has(s.id)),
    languages: catalogue.languages.filter((l) => !languages.has(l.id)),
    queues: catalogue.queues.filter((q) => !queues.has(q.id)),
  };
}

async function setup(users = 30): Promise<{ emu: RunningEmulator; client: GenesysClient }> {
  const emu = await emulator({ users, seed: 11 });
  return { emu, client: await loggedIn(emu) };
}

describe('catalogue lists', () => {
  it('pages routing skills like the platform, 25 by default, with links', async () => {
    const { emu, client } = await setup(5);
    const first = ok(await client.listRoutingSkills({ pageNumber: 1, pageSize: 15 }));
    expect(first).toMatchObject({ pageSize: 15, pageNumber: 1, total: 40, pageCount: 3 });
    expect(first.nextUri).toBe('/api/v2/routing/skills?pageSize=15&pageNumber=2');
    expect(first.previousUri).toBeUndefined();
    const last = ok(await client.listRoutingSkills({ pageNumber: 3, pageSize: 15 }));
    expect(last.entities).toHaveLength(10);
    expect(last.nextUri).toBeUndefined();
    expect(last.previousUri).toBe('/api/v2/routing/skills?pageSize=15&pageNumber=2');
    const middle = ok(await client.listRoutingSkills({ pageNumber: 2, pageSize: 15 }));
    const walked = [...first.entities, ...middle.entities, ...last.entities];
    expect(new Set(ids(walked))).toEqual(new Set(ids(emu.catalogue().skills)));
    const names = walked.map((s) => s.name.toLowerCase());
    expect(names).toEqual([...names].sort());
    expect(walked[0]).toMatchObject({ state: 'active', selfUri: `/api/v2/routing/skills/${walked[0]?.id}` });
  });

  it('filters skills by name prefix and queues by whole name, with * at either end', async () => {
    const { client } = await setup(5);
    const skills = ok(await client.listRoutingSkills({ pageNumber: 1, pageSize: 100, name: 'bill' }));
    expect(skills.entities.map((s) => s.name)).toEqual(['Billing']);
    const exact = ok(await client.listQueues({ pageNumber: 1, pageSize: 100, name: 'technical support tier 1' }));
    expect(exact.entities.map((q) => q.name)).toEqual(['Technical Support Tier 1']);
    const prefix = ok(await client.listQueues({ pageNumber: 1, pageSize: 100, name: 'Technical*' }));
    expect(prefix.entities.map((q) => q.name)).toEqual(['Technical Support Tier 1', 'Technical Support Tier 2']);
    const partial = ok(await client.listQueues({ pageNumber: 1, pageSize: 100, name: 'Technical' }));
    expect(partial.entities).toEqual([]);
    const contains = ok(await client.listQueues({ pageNumber: 1, pageSize: 100, name: '*support*' }));
    expect(contains.entities.length).toBeGreaterThanOrEqual(4);
    expect(contains.entities.every((q) => /support/i.test(q.name))).toBe(true);
  });

  it('lists languages, queues with their division, roles and divisions with Home as the home division', async () => {
    const { emu, client } = await setup(5);
    const languages = ok(await client.listRoutingLanguages({ pageNumber: 1, pageSize: 100 }));
    expect(languages.total).toBe(10);
    expect(languages.entities.map((l) => l.name)).toContain('Spanish');
    const queues = ok(await client.listQueues({ pageNumber: 1, pageSize: 100 }));
    expect(queues.total).toBe(20);
    const divisionIds = new Set(ids(emu.catalogue().divisions));
    for (const queue of queues.entities as unknown as { division: { id: string } }[]) {
      expect(divisionIds.has(queue.division.id)).toBe(true);
    }
    const roles = ok(await client.listRoles({ pageNumber: 1, pageSize: 100 }));
    expect(roles.total).toBe(12);
    expect(roles.entities.map((r) => r.name)).toEqual(expect.arrayContaining(['Agent', 'Supervisor', 'Admin']));
    const divisions = ok(await client.listDivisions({ pageNumber: 1, pageSize: 100 }));
    expect(divisions.total).toBe(5);
    const home = divisions.entities.find((d) => d.name === 'Home') as unknown as { id: string; homeDivision: boolean };
    expect(home.homeDivision).toBe(true);
    expect(emu.users()[0]?.division?.id).toBe(home.id);
  });

  it('rejects a page size over 100 and a bad page number with 400', async () => {
    const { client } = await setup(1);
    expect(await client.listRoles({ pageNumber: 1, pageSize: 101 })).toMatchObject({ ok: false, status: 400 });
    expect(await client.listDivisions({ pageNumber: 0, pageSize: 10 })).toMatchObject({ ok: false, status: 400 });
  });
});

describe("a user's routing skills", () => {
  it('are listed by name and paged', async () => {
    const emu = await emulator({ users: 3, seed: 11, assignments: {} });
    const client = await loggedIn(emu);
    const user = defined(emu.users()[1]);
    const skills = emu.catalogue().skills.slice(0, 7);
    expect(
      await putSkills(
        emu,
        user.id,
        skills.map((s, i) => ({ id: s.id, proficiency: i % 6 })),
      ),
    ).toMatchObject({ status: 200 });
    const page1 = ok(await client.getUserRoutingSkills(user.id, { pageNumber: 1, pageSize: 5 }));
    expect(page1).toMatchObject({ total: 7, pageCount: 2, pageSize: 5 });
    const page2 = ok(await client.getUserRoutingSkills(user.id, { pageNumber: 2, pageSize: 5 }));
    expect(page2.entities).toHaveLength(2);
    const all = [...page1.entities, ...page2.entities];
    expect(all.map((s) => s.name)).toEqual(skills.map((s) => s.name).sort((a, b) => a.localeCompare(b)));
    expect(all.find((s) => s.id === skills[2]?.id)).toMatchObject({ proficiency: 2, state: 'active' });
  });

  it('PATCH adds new skills and updates proficiencies, keeping the rest', async () => {
    const { emu, client } = await setup();
    const user = defined(emu.users().find((u) => (emu.userSkills(u.id) ?? []).length >= 2));
    const before = defined(emu.userSkills(user.id));
    const kept = defined(before[0]);
    const updated = defined(before[1]);
    const added = defined(freeOf(emu, user.id).skills[0]);
    const body = ok(
      await client.patchUserRoutingSkills(user.id, [
        { id: updated.id, proficiency: updated.proficiency === 5 ? 1 : 5 },
        { id: added.id, proficiency: 3.5 },
      ]),
    );
    const after = defined(emu.userSkills(user.id));
    expect(after).toHaveLength(before.length + 1);
    expect(after.find((s) => s.id === kept.id)).toEqual(kept);
    expect(after.find((s) => s.id === updated.id)?.proficiency).toBe(updated.proficiency === 5 ? 1 : 5);
    expect(after.find((s) => s.id === added.id)).toEqual({ id: added.id, name: added.name, proficiency: 3.5 });
    expect(body.total).toBe(after.length);
    expect(new Set(ids(body.entities))).toEqual(new Set(ids(after)));
  });

  it('PUT replaces every skill with the body', async () => {
    const { emu } = await setup();
    const user = defined(emu.users().find((u) => (emu.userSkills(u.id) ?? []).length >= 1));
    const fresh = freeOf(emu, user.id).skills.slice(0, 2);
    expect(
      await putSkills(
        emu,
        user.id,
        fresh.map((s) => ({ id: s.id, proficiency: 4 })),
      ),
    ).toMatchObject({ status: 200 });
    expect(
      emu
        .userSkills(user.id)
        ?.map((s) => s.id)
        .sort(),
    ).toEqual(ids(fresh).sort());
    expect(await putSkills(emu, user.id, [])).toMatchObject({ status: 200 });
    expect(emu.userSkills(user.id)).toEqual([]);
  });

  it('refuses 51 skills, an unknown skill or a proficiency out of 0-5 with 400 and changes nothing', async () => {
    const emu = await emulator({ users: 3, seed: 11, skills: 60 });
    const client = await loggedIn(emu);
    const user = defined(emu.users()[2]);
    const before = emu.userSkills(user.id);
    const many = emu
      .catalogue()
      .skills.slice(0, 51)
      .map((s) => ({ id: s.id, proficiency: 1 }));
    const fifty = many.slice(0, 50);
    const known = defined(many[0]).id;
    for (const refused of [
      await putSkills(emu, user.id, many),
      await putSkills(emu, user.id, [...fifty.slice(0, 3), { id: 'no-such-skill', proficiency: 1 }]),
    ]) {
      expect(refused).toMatchObject({ status: 400 });
    }
    for (const outcome of [
      await client.patchUserRoutingSkills(user.id, many),
      await client.patchUserRoutingSkills(user.id, [{ id: 'no-such-skill', proficiency: 1 }]),
      await client.patchUserRoutingSkills(user.id, [{ id: known, proficiency: 6 }]),
      await client.patchUserRoutingSkills(user.id, [{ id: known, proficiency: -1 }]),
    ]) {
      expect(outcome).toMatchObject({ ok: false, status: 400, kind: 'invalid' });
    }
    expect(emu.userSkills(user.id)).toEqual(before);
    expect(await putSkills(emu, user.id, fifty)).toMatchObject({ status: 200 });
    expect(emu.userSkills(user.id)).toHaveLength(50);
  });

  it('answers 404 for an unknown user', async () => {
    const { client } = await setup(2);
    expect(await client.getUserRoutingSkills('no-such-user', { pageNumber: 1, pageSize: 25 })).toMatchObject({
      ok: false,
      status: 404,
      kind: 'not_found',
    });
    expect(await client.patchUserRoutingSkills('no-such-user', [])).toMatchObject({ ok: false, status: 404 });
  });
});

describe("a user's routing languages", () => {
  it('PATCH adds and updates, DELETE removes one; a second DELETE is 404', async () => {
    const { emu, client } = await setup();
    const user = defined(emu.users()[4]);
    const language = defined(freeOf(emu, user.id).languages[0]);
    const listing = ok(await client.patchUserRoutingLanguages(user.id, [{ id: language.id, proficiency: 2 }]));
    expect(listing.entities.find((l) => l.id === language.id)).toMatchObject({ name: language.name, proficiency: 2 });
    ok(await client.patchUserRoutingLanguages(user.id, [{ id: language.id, proficiency: 4 }]));
    const read = ok(await client.getUserRoutingLanguages(user.id, { pageNumber: 1, pageSize: 25 }));
    expect(read.entities.find((l) => l.id === language.id)?.proficiency).toBe(4);

    expect(await client.deleteUserRoutingLanguage(user.id, language.id)).toMatchObject({ ok: true, status: 204 });
    expect(ids(emu.userLanguages(user.id) ?? [])).not.toContain(language.id);
    expect(await client.deleteUserRoutingLanguage(user.id, language.id)).toMatchObject({ ok: false, status: 404 });
    expect(await client.deleteUserRoutingLanguage('no-such-user', language.id)).toMatchObject({
      ok: false,
      status: 404,
    });
  });

  it('refuses 51 languages and an unknown language with 400', async () => {
    const emu = await emulator({ users: 2, seed: 11, languages: 51 });
    const client = await loggedIn(emu);
    const user = defined(emu.users()[1]);
    const all = emu.catalogue().languages.map((l) => ({ id: l.id, proficiency: 3 }));
    expect(await client.patchUserRoutingLanguages(user.id, all)).toMatchObject({ ok: false, status: 400 });
    expect(await client.patchUserRoutingLanguages(user.id, [{ id: 'klingon', proficiency: 3 }])).toMatchObject({
      ok: false,
      status: 400,
    });
    ok(await client.patchUserRoutingLanguages(user.id, all.slice(0, 50)));
    expect(emu.userLanguages(user.id)?.length).toBeGreaterThanOrEqual(50);
  });
});

describe('queue members', () => {
  it('are paged by name with ids that are user ids, and no total, as the platform lists them', async () => {
    const { emu, client } = await setup(60);
    const queue = defined(emu.catalogue().queues.find((q) => (emu.queueMembers(q.id) ?? []).length > 3));
    const members = defined(emu.queueMembers(queue.id));
    const seen: string[] = [];
    let pageNumber = 1;
    for (;;) {
      const page = ok(await client.getQueueMembers(queue.id, { pageNumber, pageSize: 2 }));
      expect(page.total).toBeUndefined();
      expect(page.pageCount).toBeUndefined();
      seen.push(...ids(page.entities));
      if (!page.nextUri) break;
      expect(page.nextUri).toBe(`/api/v2/routing/queues/${queue.id}/members?pageSize=2&pageNumber=${pageNumber + 1}`);
      pageNumber++;
    }
    expect(seen).toEqual(members);
    const names = seen.map((id) => defined(emu.user(id)?.name).toLowerCase());
    expect(names).toEqual([...names].sort());
  });

  it('are added, and removed with delete=true', async () => {
    const { emu, client } = await setup();
    const queue = defined(emu.catalogue().queues[0]);
    const outsiders = emu
      .users()
      .filter((u) => !emu.queueMembers(queue.id)?.includes(u.id))
      .slice(0, 3)
      .map((u) => u.id);
    const before = defined(emu.queueMembers(queue.id));
    expect(await client.postQueueMembers(queue.id, outsiders, { remove: false })).toMatchObject({ ok: true });
    expect(new Set(emu.queueMembers(queue.id))).toEqual(new Set([...before, ...outsiders]));
    const read = ok(await client.getQueueMembers(queue.id, { pageNumber: 1, pageSize: 100 }));
    expect(ids(read.entities)).toEqual(expect.arrayContaining(outsiders));

    ok(await client.postQueueMembers(queue.id, outsiders.slice(0, 2), { remove: true }));
    expect(new Set(emu.queueMembers(queue.id))).toEqual(new Set([...before, defined(outsiders[2])]));
    expect(emu.userQueues(defined(outsiders[0]))).not.toContain(queue.id);
  });

  it('refuses 101 members and an unknown user with 400, and an unknown queue with 404', async () => {
    const { emu, client } = await setup(101);
    const queue = defined(emu.catalogue().queues[1]);
    const before = emu.queueMembers(queue.id);
    const all = emu.users().map((u) => u.id);
    expect(all).toHaveLength(101);
    expect(await client.postQueueMembers(queue.id, all, { remove: false })).toMatchObject({ ok: false, status: 400 });
    expect(await client.postQueueMembers(queue.id, all, { remove: true })).toMatchObject({ ok: false, status: 400 });
    const withUnknown = [...all.slice(0, 3), 'no-such-user'];
    expect(await client.postQueueMembers(queue.id, withUnknown, { remove: false })).toMatchObject({
      ok: false,
      status: 400,
    });
    expect(emu.queueMembers(queue.id)).toEqual(before);
    expect(await client.postQueueMembers('no-such-queue', all.slice(0, 1), { remove: false })).toMatchObject({
      ok: false,
      status: 404,
    });
    expect(await client.getQueueMembers('no-such-queue', { pageNumber: 1, pageSize: 25 })).toMatchObject({
      ok: false,
      status: 404,
    });
    ok(await client.postQueueMembers(queue.id, all.slice(0, 100), { remove: false }));
    expect(new Set(emu.queueMembers(queue.id))).toEqual(new Set([...(before ?? []), ...all.slice(0, 100)]));
  });
});

describe('grants', () => {
  it('reads a subject, then adds, removes and replaces grants', async () => {
    const { emu, client } = await setup();
    const { roles, divisions } = emu.catalogue();
    const home = defined(divisions[0]);
    const employee = defined(roles.find((r) => r.name === 'Employee'));
    const supervisor = { roleId: defined(roles.find((r) => r.name === 'Supervisor')).id, divisionId: home.id };
    const evaluator = {
      roleId: defined(roles.find((r) => r.name === 'Quality Evaluator')).id,
      divisionId: defined(divisions[2]).id,
    };
    const user = defined(
      emu.users().find((u) => !emu.grants(u.id)?.some((g) => [supervisor.roleId, evaluator.roleId].includes(g.roleId))),
    );
    const subject = ok(await client.getSubject(user.id));
    expect(subject.id).toBe(user.id);
    expect(subject.grants.map((g) => ({ roleId: g.role.id, divisionId: g.division.id }))).toEqual(emu.grants(user.id));
    expect(subject.grants.find((g) => g.role.id === employee.id)).toMatchObject({
      role: { name: 'Employee' },
      division: { id: home.id, name: 'Home' },
    });

    const before = defined(emu.grants(user.id));
    expect(await client.grantsBulk(user.id, 'add', [supervisor, evaluator])).toMatchObject({ ok: true, status: 204 });
    expect(emu.grants(user.id)).toEqual([...before, supervisor, evaluator]);
    ok(await client.grantsBulk(user.id, 'add', [supervisor]));
    expect(emu.grants(user.id)).toHaveLength(before.length + 2);

    ok(await client.grantsBulk(user.id, 'remove', [supervisor]));
    expect(emu.grants(user.id)).toEqual([...before, evaluator]);

    expect(await replaceGrants(emu, user.id, [supervisor])).toMatchObject({ status: 204 });
    expect(emu.grants(user.id)).toEqual([supervisor]);
    const reread = ok(await client.getSubject(user.id));
    expect(reread.grants.map((g) => g.role.name)).toEqual(['Supervisor']);
  });

  it('refuses an unknown role or division with 400 and an unknown subject with 404', async () => {
    const { emu, client } = await setup(3);
    const user = defined(emu.users()[1]);
    const role = defined(emu.catalogue().roles[0]).id;
    const division = defined(emu.catalogue().divisions[0]).id;
    const before = emu.grants(user.id);
    for (const op of ['add', 'remove'] as const) {
      expect(await client.grantsBulk(user.id, op, [{ roleId: 'no-role', divisionId: division }])).toMatchObject({
        ok: false,
        status: 400,
      });
      expect(await client.grantsBulk(user.id, op, [{ roleId: role, divisionId: 'no-division' }])).toMatchObject({
        ok: false,
        status: 400,
      });
      expect(await client.grantsBulk('no-such-user', op, [{ roleId: role, divisionId: division }])).toMatchObject({
        ok: false,
        status: 404,
      });
    }
    expect(await replaceGrants(emu, user.id, [{ roleId: 'no-role', divisionId: division }])).toMatchObject({
      status: 400,
    });
    expect(await replaceGrants(emu, 'no-such-user', [{ roleId: role, divisionId: division }])).toMatchObject({
      status: 404,
    });
    expect(emu.grants(user.id)).toEqual(before);
    expect(await client.getSubject('no-such-user')).toMatchObject({ ok: false, status: 404 });
  });
});

describe('moving users to a division', () => {
  it('shows on GET user with the version one higher; moving into the same division changes nothing', async () => {
    const { emu, client } = await setup();
    const target = defined(emu.catalogue().divisions.find((d) => d.name === 'Back Office'));
    const movers = emu
      .users()
      .filter((u) => u.division?.id !== target.id)
      .slice(0, 3);
    expect(await client.moveUsersToDivision(target.id, ids(movers))).toMatchObject({ ok: true, status: 204 });
    for (const mover of movers) {
      const read = ok(await client.getUser(mover.id));
      expect(read.division).toMatchObject({ id: target.id, name: 'Back Office' });
      expect(read.version).toBe(mover.version + 1);
    }
    ok(await client.moveUsersToDivision(target.id, [defined(movers[0]).id]));
    expect(emu.user(defined(movers[0]).id)?.version).toBe(defined(movers[0]).version + 1);
  });

  it('refuses more than 50 users or an unknown user with 400, and an unknown division with 404', async () => {
    const { emu, client } = await setup(51);
    const target = defined(emu.catalogue().divisions[3]);
    const before = emu.users();
    const all = before.map((u) => u.id);
    expect(await client.moveUsersToDivision(target.id, all)).toMatchObject({ ok: false, status: 400 });
    expect(await client.moveUsersToDivision(target.id, [defined(all[0]), 'no-such-user'])).toMatchObject({
      ok: false,
      status: 400,
    });
    expect(await client.moveUsersToDivision('no-such-division', [defined(all[0])])).toMatchObject({
      ok: false,
      status: 404,
    });
    expect(emu.users()).toEqual(before);
    ok(await client.moveUsersToDivision(target.id, all.slice(0, 50)));
    for (const id of all.slice(0, 50)) expect(emu.user(id)?.division?.id).toBe(target.id);
  });
});

describe('the pipeline on routing routes', () => {
  it('authenticates, rate-limits per token, and counts by route', async () => {
    const { emu, client } = await setup(3);
    emu.setLimit(2, 60);
    const user = defined(emu.users()[0]);
    ok(await client.getUserRoutingSkills(user.id, { pageNumber: 1, pageSize: 25 }));
    ok(await client.listQueues({ pageNumber: 1, pageSize: 25 }));
    const limited = await client.patchUserRoutingSkills(user.id, []);
    expect(limited).toMatchObject({ ok: false, status: 429, kind: 'rate_limited' });
    expect(limited.retryAfterSeconds).toBeGreaterThan(0);

    const res = await fetch(`${emu.url}/api/v2/routing/skills`);
    expect(res.status).toBe(401);
    const stats = emu.stats();
    expect(stats.byRoute['GET /api/v2/users/{userId}/routingskills']).toEqual({ '200': 1 });
    expect(stats.byRoute['PATCH /api/v2/users/{userId}/routingskills/bulk']).toEqual({ '429': 1 });
    expect(stats.byRoute['GET /api/v2/routing/skills']).toEqual({ '401': 1 });
    expect(stats.routingWrites.skills).toBe(0);
  });

  it('answers 503 faults on routing routes and drops the response of an applied write', async () => {
    const { emu, client } = await setup(3);
    const user = defined(emu.users()[1]);
    const queue = defined(emu.catalogue().queues[0]);
    emu.setFaults({ error503Rate: 1, error503RetryAfterRate: 0 });
    expect(await client.listRoles({ pageNumber: 1, pageSize: 25 })).toMatchObject({ ok: false, status: 503 });
    emu.setFaults({ error503Rate: 0, dropAfterWriteRate: 1 });
    const dropped = await client.postQueueMembers(queue.id, [user.id], { remove: false });
    expect(dropped).toMatchObject({ ok: false, kind: 'network' });
    expect(emu.queueMembers(queue.id)).toContain(user.id);
    expect(emu.stats()).toMatchObject({ routingWrites: { queueMembers: 1 }, faults: { droppedAfterWrite: 1 } });
  });

  it('serves 405 for a known path and another method', async () => {
    const { emu } = await setup(1);
    const bearer = await token(emu);
    const res = await fetch(`${emu.url}/api/v2/routing/skills`, {
      method: 'POST',
      headers: { authorization: `Bearer ${bearer}` },
    });
    expect(res.status).toBe(405);
  });
});

describe('state, reset and dump', () => {
  it('restores every assignment on reset and dumps them at /__emulator/routing', async () => {
    const { emu, client } = await setup(8);
    const user = defined(emu.users()[3]);
    const initial = emu.routing();
    const queue = defined(emu.catalogue().queues[0]);
    expect(await putSkills(emu, user.id, [])).toMatchObject({ status: 200 });
    ok(
      await client.patchUserRoutingLanguages(user.id, [
        { id: defined(emu.catalogue().languages[5]).id, proficiency: 1 },
      ]),
    );
    ok(await client.postQueueMembers(queue.id, [user.id], { remove: false }));
    expect(await replaceGrants(emu, user.id, [])).toMatchObject({ status: 204 });
    ok(await client.moveUsersToDivision(defined(emu.catalogue().divisions[4]).id, [user.id]));
    expect(emu.routing()).not.toEqual(initial);

    const served = (await (await fetch(`${emu.url}/__emulator/routing`)).json()) as unknown;
    expect(served).toEqual(emu.routing());
    expect(emu.routing().users.find((u) => u.id === user.id)).toMatchObject({ skills: [], grants: [] });

    emu.reset();
    expect(emu.routing()).toEqual(initial);
    expect(emu.user(user.id)?.version).toBe(1);
    expect(emu.stats().routingWrites).toEqual({
      skills: 0,
      languages: 0,
      queueMembers: 0,
      grants: 0,
      divisions: 0,
      groupMembers: 0,
    });
  });
});

describe('routing expansions of users', () => {
  it('expand=skills,languages,groups puts them inline; expandOmitRate leaves them out of lists only', async () => {
    const { emu, client } = await setup(40);
    const users = emu.users().filter((u) => u.state !== 'deleted');
    const some = users.slice(0, 30).map((u) => u.id);
    const expand = ['skills', 'languages', 'groups'];
    type Expanded = { id: string; skills?: { id: string }[]; languages?: { id: string }[]; groups?: { id: string }[] };
    const full = ok(await client.getUsersByIds(some, { state: 'any', expand })).entities as Expanded[];
    expect(full).toHaveLength(30);
    for (const u of full) {
      expect(ids(u.skills ?? [])).toEqual(ids(emu.userSkills(u.id) ?? []));
      expect(ids(u.languages ?? [])).toEqual(ids(emu.userLanguages(u.id) ?? []));
      expect(ids(u.groups ?? [])).toEqual(emu.userGroups(u.id));
    }

    emu.setFaults({ expandOmitRate: 0.5 });
    const listed = ok(await client.getUsersByIds(some, { state: 'any', expand })).entities as Expanded[];
    const given = (field: 'skills' | 'languages' | 'groups') => listed.filter((u) => Array.isArray(u[field])).length;
    for (const field of ['skills', 'languages', 'groups'] as const) {
      expect(given(field)).toBeGreaterThan(0);
      expect(given(field)).toBeLessThan(30);
    }
    // An entry given is whole.
    for (const u of listed.filter((x) => x.skills))
      expect(ids(u.skills ?? [])).toEqual(ids(emu.userSkills(u.id) ?? []));

    emu.setFaults({ expandOmitRate: 1 });
    const none = ok(await client.listUsers({ pageNumber: 1, pageSize: 10, expand })).entities as Expanded[];
    expect(none.every((u) => u.skills === undefined && u.languages === undefined && u.groups === undefined)).toBe(true);
    const one = ok(await client.getUser(some[0]!, { expand })) as Expanded;
    expect([Array.isArray(one.skills), Array.isArray(one.languages), Array.isArray(one.groups)]).toEqual([
      true,
      true,
      true,
    ]);
  });
});
