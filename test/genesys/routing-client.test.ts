/**
 * The adapter's routing and authorization methods against a scripted server: what the SDK puts on the wire for each
 * (method, path, query, body), how bodies are accepted, and how failures are classified.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { GenesysClient } from '../../src/genesys/api.js';
import { createGenesysClient } from '../../src/genesys/client.js';
import type { ApiOutcome } from '../../src/genesys/types.js';
import { type FakeServer, json, type RecordedRequest, startFakeServer, withLogin } from './fake-server.js';

let server: FakeServer;

beforeEach(async () => {
  server = await startFakeServer();
});

afterEach(async () => {
  await server.close();
});

async function loggedIn(): Promise<GenesysClient> {
  const client = createGenesysClient({
    clientId: 'client-id',
    clientSecret: 'client-secret-0451',
    baseUrl: server.url,
  });
  const login = await client.authenticate();
  expect(login.ok).toBe(true);
  return client;
}

/** The API requests after the login. */
const apiRequests = (): RecordedRequest[] => server.requests.filter((r) => !r.url.endsWith('/oauth/token'));

const LISTING = { entities: [{ id: 'e1', name: 'One' }], pageSize: 25, pageNumber: 1, total: 1, pageCount: 1 };

interface WireCase {
  name: string;
  call: (c: GenesysClient) => Promise<ApiOutcome<unknown>>;
  method: string;
  url: string;
  body?: unknown;
  /** What the server answers: a JSON body with 200, or nothing with 204. */
  reply?: unknown;
}

const page = { pageNumber: 2, pageSize: 50 };

const wire: WireCase[] = [
  {
    name: 'listRoutingSkills',
    call: (c) => c.listRoutingSkills({ ...page, name: 'Bill ing' }),
    method: 'GET',
    url: '/api/v2/routing/skills?pageSize=50&pageNumber=2&name=Bill+ing',
  },
  {
    name: 'listRoutingLanguages',
    call: (c) => c.listRoutingLanguages(page),
    method: 'GET',
    url: '/api/v2/routing/languages?pageSize=50&pageNumber=2',
  },
  {
    name: 'listQueues',
    call: (c) => c.listQueues({ ...page, name: 'Sales*' }),
    method: 'GET',
    url: '/api/v2/routing/queues?pageNumber=2&pageSize=50&name=Sales*',
  },
  {
    name: 'listRoles',
    call: (c) => c.listRoles(page),
    method: 'GET',
    url: '/api/v2/authorization/roles?pageSize=50&pageNumber=2',
  },
  {
    name: 'listDivisions',
    call: (c) => c.listDivisions({ ...page, name: 'Home' }),
    method: 'GET',
    url: '/api/v2/authorization/divisions?pageSize=50&pageNumber=2&name=Home',
  },
  {
    name: 'getUserRoutingSkills',
    call: (c) => c.getUserRoutingSkills('u/1', page),
    method: 'GET',
    url: '/api/v2/users/u%2F1/routingskills?pageSize=50&pageNumber=2',
  },
  {
    name: 'getUserRoutingLanguages',
    call: (c) => c.getUserRoutingLanguages('u1', page),
    method: 'GET',
    url: '/api/v2/users/u1/routinglanguages?pageSize=50&pageNumber=2',
  },
  {
    name: 'getQueueMembers',
    call: (c) => c.getQueueMembers('q1', page),
    method: 'GET',
    url: '/api/v2/routing/queues/q1/members?pageNumber=2&pageSize=50',
  },
  {
    name: 'getSubject',
    call: (c) => c.getSubject('u1'),
    method: 'GET',
    url: '/api/v2/authorization/subjects/u1',
    reply: { id: 'u1', grants: [] },
  },
  {
    name: 'patchUserRoutingSkills',
    call: (c) => c.patchUserRoutingSkills('u1', [{ id: 's1', proficiency: 3 }]),
    method: 'PATCH',
    url: '/api/v2/users/u1/routingskills/bulk',
    body: [{ id: 's1', proficiency: 3 }],
  },
  {
    name: 'patchUserRoutingLanguages',
    call: (c) => c.patchUserRoutingLanguages('u1', [{ id: 'l1', proficiency: 5 }]),
    method: 'PATCH',
    url: '/api/v2/users/u1/routinglanguages/bulk',
    body: [{ id: 'l1', proficiency: 5 }],
  },
  {
    name: 'deleteUserRoutingLanguage',
    call: (c) => c.deleteUserRoutingLanguage('u1', 'l1'),
    method: 'DELETE',
    url: '/api/v2/users/u1/routinglanguages/l1',
    reply: null,
  },
  {
    name: 'postQueueMembers (add)',
    call: (c) => c.postQueueMembers('q1', ['u1', 'u2'], { remove: false }),
    method: 'POST',
    url: '/api/v2/routing/queues/q1/members?delete=false',
    body: [{ id: 'u1' }, { id: 'u2' }],
    reply: null,
  },
  {
    name: 'postQueueMembers (remove)',
    call: (c) => c.postQueueMembers('q1', ['u1'], { remove: true }),
    method: 'POST',
    url: '/api/v2/routing/queues/q1/members?delete=true',
    body: [{ id: 'u1' }],
    reply: null,
  },
  ...(['add', 'remove'] as const).map(
    (op): WireCase => ({
      name: `grantsBulk ${op}`,
      call: (c) => c.grantsBulk('u1', op, [{ roleId: 'r1', divisionId: 'd1' }]),
      method: 'POST',
      url: `/api/v2/authorization/subjects/u1/bulk${op}`,
      body: { grants: [{ roleId: 'r1', divisionId: 'd1' }] },
      reply: null,
    }),
  ),
  {
    name: 'moveUsersToDivision',
    call: (c) => c.moveUsersToDivision('d1', ['u1', 'u2']),
    method: 'POST',
    url: '/api/v2/authorization/divisions/d1/objects/USER',
    body: ['u1', 'u2'],
    reply: null,
  },
];

describe('what the SDK sends', () => {
  it.each(wire)('$name: $method $url', async ({ call, method, url, body, reply }) => {
    server.handle(
      withLogin((_req, res) => {
        if (reply === null) {
          res.writeHead(204);
          res.end();
        } else {
          json(res, 200, reply ?? LISTING);
        }
      }),
    );
    const client = await loggedIn();
    const outcome = await call(client);
    expect(outcome).toMatchObject({ ok: true, status: reply === null ? 204 : 200 });
    const [request] = apiRequests();
    expect(request).toMatchObject({ method, url });
    expect(request?.headers.authorization).toMatch(/^Bearer /);
    if (body === undefined) expect(request?.body).toBe('');
    else expect(JSON.parse(request?.body ?? '')).toEqual(body);
  });
});

describe('accepting bodies', () => {
  it('fills in entities and grants the platform leaves out', async () => {
    server.handle(
      withLogin((req, res) =>
        json(res, 200, req.url.includes('subjects') ? { id: 'u1' } : { pageSize: 25, pageNumber: 1 }),
      ),
    );
    const client = await loggedIn();
    expect(await client.listRoutingSkills({ pageNumber: 1, pageSize: 25 })).toMatchObject({
      ok: true,
      body: { entities: [] },
    });
    expect(await client.getQueueMembers('q1', { pageNumber: 1, pageSize: 25 })).toMatchObject({
      ok: true,
      body: { entities: [] },
    });
    expect(await client.getSubject('u1')).toMatchObject({ ok: true, body: { id: 'u1', grants: [] } });
  });

  it('treats a body that is not a listing as unexpected (never retried)', async () => {
    server.handle(withLogin((_req, res) => json(res, 200, { entities: 'nope' })));
    const client = await loggedIn();
    expect(await client.listRoles({ pageNumber: 1, pageSize: 25 })).toMatchObject({ ok: false, kind: 'unexpected' });
    expect(await client.getSubject('u1')).toMatchObject({ ok: false, kind: 'unexpected' });
  });

  it('fails a listing or a subject holding an entry of the wrong shape, naming it; reads a null field as absent', async () => {
    let body: unknown;
    server.handle(withLogin((_req, res) => json(res, 200, body)));
    const client = await loggedIn();
    const cases: [unknown, string][] = [
      [[{ id: 's1', name: 5 }], 'entry "s1" has a malformed name (a number)'],
      [[null], 'an entry is null instead of an object'],
      [[{ name: 'Billing' }], 'an entry has no id (undefined)'],
      [[{ id: 's1', name: 'Billing', proficiency: '4' }], 'entry "s1" has a malformed proficiency (a string)'],
    ];
    for (const [entities, why] of cases) {
      body = { ...LISTING, entities };
      const outcome = await client.listRoutingSkills({ pageNumber: 1, pageSize: 25 });
      expect(outcome).toMatchObject({ ok: false, kind: 'unexpected', status: 200 });
      expect(outcome.ok ? '' : outcome.message).toContain(`returns (${why})`);
    }
    body = { id: 'u1', grants: [{ role: { id: 'r1' }, division: { name: 'Home' } }] };
    const subject = await client.getSubject('u1');
    expect(subject.ok ? '' : subject.message).toContain('(a grant lacks a role or a division id (an object))');
    body = { ...LISTING, entities: [{ id: 's1', name: null, state: null }] };
    const cleaned = await client.listRoutingSkills({ pageNumber: 1, pageSize: 25 });
    expect(cleaned.ok && cleaned.body.entities).toEqual([{ id: 's1' }]);
  });

  it('accepts a 200 with an empty body for a write that returns nothing', async () => {
    server.handle(
      withLogin((_req, res) => {
        res.writeHead(200, { 'inin-ratelimit-count': '7', 'inin-ratelimit-allowed': '300' });
        res.end();
      }),
    );
    const client = await loggedIn();
    const outcome = await client.postQueueMembers('q1', ['u1'], { remove: false });
    expect(outcome).toMatchObject({ ok: true, status: 200, rateLimit: { count: 7, allowed: 300 } });
  });
});

describe('failures', () => {
  const forbidden = { message: 'Not authorized', code: 'not.authorized', status: 403 };

  it.each([
    ['patchUserRoutingSkills', (c: GenesysClient) => c.patchUserRoutingSkills('u1', []), 'routing:skill:assign'],
    [
      'patchUserRoutingLanguages',
      (c: GenesysClient) => c.patchUserRoutingLanguages('u1', []),
      'routing:language:assign',
    ],
    [
      'postQueueMembers',
      (c: GenesysClient) => c.postQueueMembers('q1', ['u1'], { remove: true }),
      'routing:queueMember:manage',
    ],
    ['grantsBulk add', (c: GenesysClient) => c.grantsBulk('u1', 'add', []), 'authorization:grant:add'],
    ['grantsBulk remove', (c: GenesysClient) => c.grantsBulk('u1', 'remove', []), 'authorization:grant:delete'],
    ['moveUsersToDivision', (c: GenesysClient) => c.moveUsersToDivision('d1', ['u1']), 'directory:user:edit'],
    ['getSubject', (c: GenesysClient) => c.getSubject('u1'), 'authorization:grant:view'],
  ])('a 403 on %s names %s', async (_name, call, permission) => {
    server.handle(withLogin((_req, res) => json(res, 403, forbidden)));
    const outcome = await call(await loggedIn());
    expect(outcome).toMatchObject({ ok: false, kind: 'permission', status: 403 });
    if (!outcome.ok) expect(outcome.message).toContain(permission);
  });

  it('a 403 naming its permission quotes the platform, and 429 on a void write carries Retry-After', async () => {
    server.handle(
      withLogin((req, res) =>
        req.method === 'DELETE'
          ? json(res, 429, { code: 'too.many.requests.retry.after', status: 429 }, { 'retry-after': '7' })
          : json(res, 403, { message: 'Missing permission(s): [routing:skill:assign]', status: 403 }),
      ),
    );
    const client = await loggedIn();
    const denied = await client.patchUserRoutingSkills('u1', []);
    expect(denied).toMatchObject({ ok: false, kind: 'permission' });
    if (!denied.ok) expect(denied.message).toContain('role lacks routing:skill:assign');
    expect(await client.deleteUserRoutingLanguage('u1', 'l1')).toMatchObject({
      ok: false,
      kind: 'rate_limited',
      retryAfterSeconds: 7,
    });
  });
});
