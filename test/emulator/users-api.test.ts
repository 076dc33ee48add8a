/** Every Users API route and error body, driven through the official SDK by way of the project's adapter. */
import { describe, expect, it } from 'vitest';
import { unexpanded } from '../../src/emulator/profile.js';
import type { GenesysUser, UserEntityListing } from '../../src/genesys/types.js';
import { clientFor, defined, emulator, loggedIn, token } from './helpers.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const byName = (a: GenesysUser, b: GenesysUser) => {
  const x = (a.name ?? '').toLowerCase();
  const y = (b.name ?? '').toLowerCase();
  return x < y ? -1 : x > y ? 1 : a.id < b.id ? -1 : 1;
};

async function raw(url: string, init: RequestInit & { token?: string } = {}) {
  const headers = new Headers(init.headers);
  if (init.token) headers.set('authorization', `Bearer ${init.token}`);
  const res = await fetch(url, { ...init, headers });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {}
  return { status: res.status, headers: res.headers, body: body as Record<string, unknown> };
}

const platformBody = (status: number, code: string) => ({
  status,
  code,
  message: expect.any(String),
  contextId: expect.stringMatching(UUID),
  details: [],
  errors: [],
});

describe('login', () => {
  it('issues a token through the SDK, and rejects a wrong secret as the platform does', async () => {
    const emu = await emulator({ users: 5 });
    const ok = await clientFor(emu).authenticate();
    expect(ok).toMatchObject({ ok: true, body: { expiresInSeconds: 86_400 } });

    const bad = await clientFor(emu, { clientSecret: 'wrong-secret-value' }).authenticate();
    expect(bad).toMatchObject({ ok: false, kind: 'auth', status: 401, code: 'invalid_client' });

    const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const wrong = await raw(`${emu.url}/oauth/token`, {
      method: 'POST',
      headers: { ...form, authorization: basic(emu.clientId, 'nope') },
      body: 'grant_type=client_credentials',
    });
    expect(wrong).toMatchObject({ status: 401 });
    expect(wrong.body).toEqual({
      error: 'invalid_client',
      description: 'authentication failed',
      error_description: 'authentication failed',
    });
    const good = { ...form, authorization: basic(emu.clientId, emu.clientSecret) };
    const noGrant = await raw(`${emu.url}/oauth/token`, { method: 'POST', headers: good, body: '' });
    expect(noGrant).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
    const badGrant = await raw(`${emu.url}/oauth/token`, {
      method: 'POST',
      headers: good,
      body: 'grant_type=password',
    });
    expect(badGrant).toMatchObject({ status: 400, body: { error: 'unsupported_grant_type' } });
    const noAuth = await raw(`${emu.url}/oauth/token`, {
      method: 'POST',
      headers: form,
      body: 'grant_type=client_credentials',
    });
    expect(noAuth.status).toBe(401);
    // The login path the SDK uses when the gateway has path_params_login = "login".
    const prefixed = await raw(`${emu.url}/login/oauth/token`, {
      method: 'POST',
      headers: good,
      body: 'grant_type=client_credentials',
    });
    expect(prefixed).toMatchObject({
      status: 200,
      body: { access_token: expect.any(String), token_type: 'bearer', expires_in: 86_400 },
    });
    expect(emu.stats().tokensIssued).toBe(2);
  });
});

describe('GET /api/v2/users', () => {
  it('pages active users in name order, with the platform paging links', async () => {
    const emu = await emulator({ users: 60, seed: 3, limit: 10_000 });
    const client = await loggedIn(emu);
    const active = emu
      .users()
      .filter((u) => u.state === 'active')
      .sort(byName);
    expect(active.length).toBeGreaterThan(40);
    const pageCount = Math.ceil(active.length / 10);

    const page2 = await client.listUsers({ pageNumber: 2, pageSize: 10 });
    expect(page2.ok).toBe(true);
    const listing = (page2 as { body: UserEntityListing }).body;
    expect(listing).toMatchObject({
      pageSize: 10,
      pageNumber: 2,
      total: active.length,
      pageCount,
      firstUri: '/api/v2/users?pageSize=10&pageNumber=1',
      selfUri: '/api/v2/users?pageSize=10&pageNumber=2',
      nextUri: '/api/v2/users?pageSize=10&pageNumber=3',
      previousUri: '/api/v2/users?pageSize=10&pageNumber=1',
      lastUri: `/api/v2/users?pageSize=10&pageNumber=${pageCount}`,
    });
    expect(listing.entities).toEqual(active.slice(10, 20).map(unexpanded));

    const seen: string[] = [];
    for (let page = 1; page <= pageCount + 1; page++) {
      const outcome = await client.listUsers({ pageNumber: page, pageSize: 10 });
      if (!outcome.ok) throw new Error(outcome.message);
      seen.push(...outcome.body.entities.map((u) => u.id));
      if (page === pageCount) expect(outcome.body.nextUri).toBeUndefined();
      if (page === pageCount + 1) expect(outcome.body.entities).toEqual([]);
    }
    expect(seen).toEqual(active.map((u) => u.id));

    const first = await client.listUsers({ pageNumber: 1, pageSize: 10 });
    expect(first.ok && first.body.previousUri).toBeUndefined();
  });

  it('filters by state', async () => {
    const emu = await emulator({ users: 200, seed: 5, limit: 10_000 });
    const client = await loggedIn(emu);
    const all = emu.users();
    const inactive = await client.listUsers({ pageNumber: 1, pageSize: 500, state: 'inactive' });
    if (!inactive.ok) throw new Error(inactive.message);
    expect(inactive.body.entities.map((u) => u.state)).toEqual(inactive.body.entities.map(() => 'inactive'));
    expect(inactive.body.total).toBe(all.filter((u) => u.state === 'inactive').length);
    expect(inactive.body.total).toBeGreaterThan(0);
    const any = await client.listUsers({ pageNumber: 1, pageSize: 500, state: 'any' });
    expect(any.ok && any.body.total).toBe(200);
    const deleted = await client.listUsers({ pageNumber: 1, pageSize: 25, state: 'deleted' });
    expect(deleted.ok && deleted.body.total).toBe(0);
  });

  it('rejects a page size over 500 and accepts 500', async () => {
    const emu = await emulator({ users: 10 });
    const client = await loggedIn(emu);
    const over = await client.listUsers({ pageNumber: 1, pageSize: 501 });
    expect(over).toMatchObject({ ok: false, kind: 'invalid', status: 400, code: 'bad.request' });
    expect(!over.ok && over.message).toContain("'pageSize': the maximum is 500");
    expect((await client.listUsers({ pageNumber: 1, pageSize: 500 })).ok).toBe(true);
    const t = await token(emu);
    const zero = await raw(`${emu.url}/api/v2/users?pageNumber=0`, { token: t });
    expect(zero).toMatchObject({ status: 400, body: platformBody(400, 'bad.request') });
    const state = await raw(`${emu.url}/api/v2/users?state=gone`, { token: t });
    expect(state.status).toBe(400);
    const defaults = await raw(`${emu.url}/api/v2/users`, { token: t });
    expect(defaults.body).toMatchObject({ pageSize: 25, pageNumber: 1 });
  });

  it('fetches users by id (up to 100), honouring the state filter', async () => {
    const emu = await emulator({ users: 300, seed: 9, limit: 10_000 });
    const client = await loggedIn(emu);
    const users = emu.users();
    const inactive = defined(users.find((u) => u.state === 'inactive'));
    const actives = users.filter((u) => u.state === 'active').slice(0, 2);
    const ids = [...actives.map((u) => u.id), inactive.id, 'no-such-user'];

    const byDefault = await client.getUsersByIds(ids);
    if (!byDefault.ok) throw new Error(byDefault.message);
    expect(byDefault.body.entities.map((u) => u.id).sort()).toEqual(actives.map((u) => u.id).sort());
    expect(byDefault.body.total).toBe(2);
    const any = await client.getUsersByIds(ids, { state: 'any' });
    expect(any.ok && any.body.entities.map((u) => u.id).sort()).toEqual([...actives, inactive].map((u) => u.id).sort());

    const hundred = await client.getUsersByIds(
      users.slice(0, 100).map((u) => u.id),
      { state: 'any' },
    );
    expect(hundred.ok && hundred.body.entities).toHaveLength(100);
    const tooMany = await client.getUsersByIds(users.slice(0, 101).map((u) => u.id));
    expect(tooMany).toMatchObject({ ok: false, kind: 'invalid', status: 400, code: 'bad.request' });
    expect(!tooMany.ok && tooMany.message).toContain('at most 100');

    // Repeated id parameters, as other clients send them.
    const t = await token(emu);
    const repeated = await raw(`${emu.url}/api/v2/users?id=${actives[0]?.id}&id=${actives[1]?.id}`, { token: t });
    expect((repeated.body.entities as GenesysUser[]).map((u) => u.id).sort()).toEqual(actives.map((u) => u.id).sort());
  });
});

describe('GET /api/v2/users/{id}', () => {
  it('returns the user, and 404 with the platform error body for an unknown id', async () => {
    const emu = await emulator({ users: 20, seed: 2 });
    const client = await loggedIn(emu);
    const user = defined(emu.users()[7]);
    expect(await client.getUser(user.id)).toMatchObject({ ok: true, status: 200, body: unexpanded(user) });

    const missing = await client.getUser('00000000-0000-4000-8000-000000000000');
    expect(missing).toMatchObject({ ok: false, kind: 'not_found', status: 404, code: 'not.found' });
    expect(!missing.ok && missing.contextId).toMatch(UUID);
    const t = await token(emu);
    const a = await raw(`${emu.url}/api/v2/users/nobody`, { token: t });
    const b = await raw(`${emu.url}/api/v2/users/nobody`, { token: t });
    expect(a).toMatchObject({ status: 404, body: platformBody(404, 'not.found') });
    expect(a.headers.get('inin-correlation-id')).toBe(a.body.contextId);
    expect(a.body.contextId).not.toBe(b.body.contextId);
  });

  it('finds inactive users, and deleted ones only when asked for by state', async () => {
    const users: GenesysUser[] = [
      { id: 'u1', name: 'Active One', state: 'active', version: 1 },
      { id: 'u2', name: 'Inactive Two', state: 'inactive', version: 4 },
      { id: 'u3', name: 'Deleted Three', state: 'deleted', version: 2 },
    ];
    const emu = await emulator({ users });
    const client = await loggedIn(emu);
    expect(await client.getUser('u2')).toMatchObject({ ok: true, body: { state: 'inactive', version: 4 } });
    expect(await client.getUser('u3')).toMatchObject({ ok: false, status: 404 });
    const t = await token(emu);
    expect((await raw(`${emu.url}/api/v2/users/u3?state=deleted`, { token: t })).status).toBe(200);
    const listing = await client.listUsers({ pageNumber: 1, pageSize: 25, state: 'deleted' });
    expect(listing.ok && listing.body.entities.map((u) => u.id)).toEqual(['u3']);
  });
});

describe('POST /api/v2/users/search', () => {
  it('searches by EXACT and TERM with value and values, over active and inactive users', async () => {
    const emu = await emulator({ users: 150, seed: 11, limit: 10_000 });
    const client = await loggedIn(emu);
    const users = emu.users();
    const inactive = defined(users.find((u) => u.state === 'inactive'));
    const [a, b] = users.filter((u) => u.state === 'active');

    const exact = await client.searchUsers({
      query: [{ type: 'EXACT', fields: ['email'], value: defined(a?.email).toUpperCase() }],
    });
    expect(exact).toMatchObject({ ok: true, body: { total: 1, pageCount: 1, pageSize: 25, pageNumber: 1 } });
    expect(exact.ok && exact.body.results).toEqual([a]);

    const values = await client.searchUsers({
      query: [
        { type: 'EXACT', fields: ['email', 'username'], values: [defined(b?.email), defined(inactive.username)] },
      ],
    });
    expect(values.ok && values.body.results.map((u) => u.id).sort()).toEqual([defined(b).id, inactive.id].sort());

    const lastName = defined(a?.name).split(' ').at(-1) as string;
    const term = await client.searchUsers({
      query: [{ type: 'TERM', fields: ['name'], value: lastName.toLowerCase() }],
    });
    const expected = users.filter((u) => u.state !== 'deleted' && u.name?.split(' ').includes(lastName));
    expect(term.ok && term.body.total).toBe(expected.length);

    const byIds = await client.searchUsers({
      query: [{ type: 'EXACT', fields: ['id'], values: users.slice(0, 30).map((u) => u.id) }],
      pageSize: 10,
      pageNumber: 3,
    });
    expect(byIds).toMatchObject({ ok: true, body: { total: 30, pageCount: 3, pageNumber: 3, pageSize: 10 } });
    expect(byIds.ok && byIds.body.results).toHaveLength(10);

    const none = await client.searchUsers({
      query: [{ type: 'EXACT', fields: ['email'], value: 'nobody@nowhere.test' }],
    });
    expect(none).toMatchObject({ ok: true, body: { total: 0, results: [] } });

    const tooBig = await client.searchUsers({ query: [{ type: 'TERM', fields: ['name'], value: 'x' }], pageSize: 101 });
    expect(tooBig).toMatchObject({ ok: false, kind: 'invalid', status: 400, code: 'bad.request' });
    const badType = await client.searchUsers({ query: [{ type: 'FUZZY' as never, fields: ['name'], value: 'x' }] });
    expect(badType).toMatchObject({ ok: false, status: 400 });

    // The paging links are served too.
    const t = await token(emu);
    const first = await client.searchUsers({
      query: [{ type: 'EXACT', fields: ['id'], values: users.slice(0, 30).map((u) => u.id) }],
      pageSize: 10,
    });
    const nextPage = first.ok ? defined(first.body.nextPage) : '';
    const page2 = await raw(`${emu.url}${nextPage}`, { token: t });
    expect(page2.body).toMatchObject({ pageNumber: 2, total: 30 });
  });
});

describe('PATCH /api/v2/users/{id}', () => {
  it('applies the fields sent, replaces arrays whole, bumps the version and returns the full user', async () => {
    const emu = await emulator({ users: 40, seed: 4 });
    const client = await loggedIn(emu);
    const user = defined(emu.users().find((u) => u.manager && (u.addresses?.length ?? 0) >= 2));
    const newManager = defined(emu.users().find((u) => u.id !== user.id && u.id !== user.manager?.id));

    const patched = await client.patchUser(user.id, {
      version: user.version,
      title: 'Chief Emulation Officer',
      addresses: [{ address: '+13175550199', mediaType: 'PHONE', type: 'WORK' }],
      manager: newManager.id,
      employerInfo: { employeeId: 'X-1' },
    });
    if (!patched.ok) throw new Error(patched.message);
    expect(patched.body).toEqual({
      ...unexpanded(user),
      version: user.version + 1,
      title: 'Chief Emulation Officer',
      addresses: [{ address: '+13175550199', display: '+13175550199', mediaType: 'PHONE', type: 'WORK' }],
      manager: { id: newManager.id, selfUri: `/api/v2/users/${newManager.id}` },
      employerInfo: { employeeId: 'X-1' },
    });
    expect(await client.getUser(user.id)).toMatchObject({ ok: true, body: patched.body });

    const cleared = await client.patchUser(user.id, {
      version: user.version + 1,
      manager: '',
      email: 'Renamed.Person@Example.com',
    });
    if (!cleared.ok) throw new Error(cleared.message);
    expect(cleared.body.manager).toBeUndefined();
    expect(cleared.body.email).toBe('Renamed.Person@Example.com');
    expect(cleared.body.primaryContactInfo).toEqual([
      { address: 'Renamed.Person@Example.com', mediaType: 'EMAIL', type: 'PRIMARY' },
    ]);
    expect(cleared.body.version).toBe(user.version + 2);

    const deactivated = await client.patchUser(user.id, { version: user.version + 2, state: 'inactive' });
    expect(deactivated).toMatchObject({ ok: true, body: { state: 'inactive', version: user.version + 3 } });
    const stats = emu.stats();
    expect(stats.patchesApplied).toBe(3);
    expect(stats.patchesByUser).toEqual({ [user.id]: 3 });
  });

  it('answers every error as the platform does', async () => {
    const emu = await emulator({ users: 30, seed: 6 });
    const client = await loggedIn(emu);
    const [user, other] = emu.users();
    const id = defined(user).id;

    const noVersion = await client.patchUser(id, { title: 'x' } as never);
    expect(noVersion).toMatchObject({ ok: false, kind: 'invalid', status: 400, code: 'bad.request' });
    expect(!noVersion.ok && noVersion.message).toContain("Missing required field 'version'");

    const unknownField = await client.patchUser(id, { version: 1, nickname: 'x' } as never);
    expect(unknownField).toMatchObject({ ok: false, kind: 'invalid', status: 400, code: 'bad.request' });
    expect(!unknownField.ok && unknownField.message).toContain("'nickname'");

    const badContact = await client.patchUser(id, {
      version: 1,
      addresses: [{ address: '+13175550123', extension: '123', mediaType: 'PHONE', type: 'WORK' }],
    });
    expect(!badContact.ok && badContact.message).toContain("'addresses[0]'");

    const badDate = await client.patchUser(id, { version: 1, employerInfo: { dateHire: '2020/01/01' } });
    expect(!badDate.ok && badDate.message).toContain("'employerInfo.dateHire'");

    const notFound = await client.patchUser('no-such-user', { version: 1, title: 'x' });
    expect(notFound).toMatchObject({ ok: false, kind: 'not_found', status: 404, code: 'not.found' });

    const stale = await client.patchUser(id, { version: 7, title: 'x' });
    expect(stale).toMatchObject({ ok: false, kind: 'conflict', status: 409, code: 'general.conflict' });
    expect(!stale.ok && stale.message).toContain(
      'The version number of the modified resource must match the version number in the database.',
    );

    const duplicate = await client.patchUser(id, { version: 1, email: defined(other?.email).toUpperCase() });
    expect(duplicate).toMatchObject({ ok: false, status: 409, code: 'general.conflict' });
    expect(!duplicate.ok && duplicate.message).toContain('already in use');

    // Nothing above changed the user.
    expect(emu.user(id)).toEqual(user);

    const t = await token(emu);
    const body = await raw(`${emu.url}/api/v2/users/${id}`, {
      method: 'PATCH',
      token: t,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ version: 5 }),
    });
    expect(body).toMatchObject({ status: 409, body: platformBody(409, 'general.conflict') });
    expect(body.body.message).toBe(
      'The version number of the modified resource must match the version number in the database.',
    );
    const malformed = await raw(`${emu.url}/api/v2/users/${id}`, { method: 'PATCH', token: t, body: '{"version":' });
    expect(malformed).toMatchObject({ status: 400, body: platformBody(400, 'bad.request') });
    const huge = await raw(`${emu.url}/api/v2/users/${id}`, {
      method: 'PATCH',
      token: t,
      body: JSON.stringify({ version: 1, title: 'x'.repeat(600_000) }),
    });
    expect(huge.status).toBe(413);
  });

  it('can answer a stale version with a 400 saying the version does not match, read as a conflict', async () => {
    const emu = await emulator({ users: 5, versionConflictStatus: 400 });
    const client = await loggedIn(emu);
    const user = defined(emu.users()[0]);
    const stale = await client.patchUser(user.id, { version: 7, title: 'x' });
    expect(stale).toMatchObject({ ok: false, kind: 'conflict', status: 400, code: 'bad.request' });
    expect(!stale.ok && stale.message).toContain('The version 7 does not match the current version 1.');
    expect(emu.user(user.id)).toEqual(user);
  });

  it('refuses profile text longer than textMaxLength (255 by default) with 400 naming the field', async () => {
    const emu = await emulator({ users: 5 });
    const client = await loggedIn(emu);
    const user = defined(emu.users()[0]);
    for (const body of [
      { title: 'x'.repeat(256) },
      { name: 'x'.repeat(256) },
      { employerInfo: { officialName: 'x'.repeat(256) } },
    ]) {
      const long = await client.patchUser(user.id, { version: 1, ...body });
      expect(long).toMatchObject({ ok: false, kind: 'invalid', status: 400, code: 'bad.request' });
      expect(!long.ok && long.message).toMatch(
        /Invalid value for field '(title|name|employerInfo.officialName)': is 256 characters long; the maximum is 255/,
      );
    }
    expect(emu.user(user.id)).toEqual(user);
    expect((await client.patchUser(user.id, { version: 1, title: 'x'.repeat(255) })).ok).toBe(true);
  });

  it('can answer a duplicate e-mail with 400 instead', async () => {
    const emu = await emulator({ users: 5, duplicateEmailStatus: 400 });
    const client = await loggedIn(emu);
    const [a, b] = emu.users();
    const outcome = await client.patchUser(defined(a).id, { version: 1, username: defined(b?.username) });
    expect(outcome).toMatchObject({ ok: false, kind: 'invalid', status: 400, code: 'bad.request' });
  });
});

describe('authentication on /api routes', () => {
  it('rejects an unknown or missing token with 401', async () => {
    const emu = await emulator({ users: 5 });
    const id = defined(emu.users()[0]).id;
    const unknown = await raw(`${emu.url}/api/v2/users/${id}`, { token: 'not-a-token' });
    expect(unknown).toMatchObject({ status: 401, body: platformBody(401, 'bad.credentials') });
    expect(unknown.headers.get('inin-ratelimit-count')).toBeNull();
    const missing = await raw(`${emu.url}/api/v2/users/${id}`);
    expect(missing).toMatchObject({ status: 401, body: platformBody(401, 'authentication.required') });
    expect(emu.stats().unauthorized).toBe(2);
  });

  it('rejects a token from the moment its lifetime is over', async () => {
    let now = 0;
    const emu = await emulator({ users: 5, tokenLifetimeSeconds: 300, clock: () => now });
    const client = await loggedIn(emu);
    const id = defined(emu.users()[0]).id;
    now = 299_999;
    expect((await client.getUser(id)).ok).toBe(true);
    now = 300_000;
    expect(await client.getUser(id)).toMatchObject({ ok: false, kind: 'auth', status: 401, code: 'bad.credentials' });
  });

  it('expires a short-lived token in real time; logging in again works', async () => {
    const emu = await emulator({ users: 5, tokenLifetimeSeconds: 1 });
    const client = await loggedIn(emu);
    const id = defined(emu.users()[0]).id;
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect(await client.getUser(id)).toMatchObject({ ok: false, kind: 'auth', status: 401, code: 'bad.credentials' });
    expect(await client.authenticate()).toMatchObject({ ok: true, body: { expiresInSeconds: 1 } });
    expect((await client.getUser(id)).ok).toBe(true);
  });
});

describe('unknown routes', () => {
  it('answers 404 for an unknown path and 405 for a wrong method', async () => {
    const emu = await emulator({ users: 3 });
    const t = await token(emu);
    expect(await raw(`${emu.url}/api/v2/nothing`, { token: t })).toMatchObject({
      status: 404,
      body: platformBody(404, 'not.found'),
    });
    const wrong = await raw(`${emu.url}/api/v2/users`, { method: 'DELETE', token: t });
    expect(wrong).toMatchObject({ status: 405, body: platformBody(405, 'method.not.allowed') });
    expect(wrong.headers.get('allow')).toBe('GET, POST');
    // Both were authenticated and counted first.
    expect(wrong.headers.get('inin-ratelimit-count')).toBe('2');
    expect((await raw(`${emu.url}/api/v2/nothing`)).status).toBe(401);
    expect((await raw(`${emu.url}/elsewhere`)).status).toBe(404);
    expect(emu.stats().byRoute.unmatched).toEqual({ '404': 2, '405': 1, '401': 1 });
  });
});
