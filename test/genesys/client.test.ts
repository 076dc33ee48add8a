import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { type AddressInfo, createServer as createNetServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import type { GenesysClient } from '../../src/genesys/api.js';
import { createGenesysClient } from '../../src/genesys/client.js';
import type { ApiOutcome, GenesysUser } from '../../src/genesys/types.js';
import { hasControls } from '../../src/text.js';
import { type FakeServer, json, startFakeServer, TOKEN_RESPONSE, withLogin } from './fake-server.js';

const CLIENT_ID = 'client-id-4f1e';
const SECRET = 'sEcReT-that-must-never-leak-0451';
const BASIC = Buffer.from(`${CLIENT_ID}:${SECRET}`).toString('base64');
const TOKEN = TOKEN_RESPONSE.access_token;

const USER = { id: 'u-1', name: 'Ada', state: 'active', version: 3 };
const LISTING = { entities: [USER], pageSize: 1, pageNumber: 1, total: 1, pageCount: 1 };

let server: FakeServer;
const cleanups: (() => Promise<void> | void)[] = [];

beforeEach(async () => {
  server = await startFakeServer();
  cleanups.push(() => server.close());
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  vi.restoreAllMocks();
});

function clientFor(baseUrl: string, timeoutMs?: number): GenesysClient {
  return createGenesysClient({
    clientId: CLIENT_ID,
    clientSecret: SECRET,
    baseUrl,
    ...(timeoutMs !== undefined && { timeoutMs }),
  });
}

async function loggedIn(timeoutMs?: number): Promise<GenesysClient> {
  const client = clientFor(server.url, timeoutMs);
  const login = await client.authenticate();
  expect(login.ok).toBe(true);
  return client;
}

function failureOf<T>(outcome: ApiOutcome<T>) {
  if (outcome.ok) throw new Error(`expected a failure, got ${JSON.stringify(outcome)}`);
  return outcome;
}

function expectNoCredentials(value: unknown): void {
  const text = JSON.stringify(value);
  expect(text).not.toContain(SECRET);
  expect(text).not.toContain(BASIC);
  expect(text).not.toContain(TOKEN);
}

function configErrorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('createGenesysClient', () => {
  it('targets the API host of a region given as a key or a domain', () => {
    expect(createGenesysClient({ clientId: CLIENT_ID, clientSecret: SECRET, region: 'eu_west_1' }).target).toBe(
      'https://api.mypurecloud.ie',
    );
    expect(createGenesysClient({ clientId: CLIENT_ID, clientSecret: SECRET, region: 'usw2.pure.cloud' }).target).toBe(
      'https://api.usw2.pure.cloud',
    );
  });

  it('lets a base URL replace the region', () => {
    const client = createGenesysClient({
      clientId: CLIENT_ID,
      clientSecret: SECRET,
      region: 'no-such-region',
      baseUrl: 'http://127.0.0.1:4010/',
    });
    expect(client.target).toBe('http://127.0.0.1:4010');
  });

  it('refuses bad configuration with a ConfigError that names the fix', () => {
    expect(
      configErrorOf(() => createGenesysClient({ clientId: '', clientSecret: SECRET, region: 'eu_west_1' })).message,
    ).toContain('GENESYS_CLIENT_ID');
    expect(
      configErrorOf(() => createGenesysClient({ clientId: CLIENT_ID, clientSecret: '  ', region: 'eu_west_1' }))
        .message,
    ).toContain('GENESYS_CLIENT_SECRET');
    expect(configErrorOf(() => createGenesysClient({ clientId: CLIENT_ID, clientSecret: SECRET })).message).toContain(
      'No region',
    );
    expect(
      configErrorOf(() => createGenesysClient({ clientId: CLIENT_ID, clientSecret: SECRET, region: 'eu_wset_1' }))
        .message,
    ).toContain('Did you mean eu_west_1?');
    expect(
      configErrorOf(() =>
        createGenesysClient({ clientId: CLIENT_ID, clientSecret: SECRET, baseUrl: 'http://api.example' }),
      ).message,
    ).toContain('TLS is required');
    for (const timeoutMs of [0, -1, 1.5, Number.NaN]) {
      expect(() =>
        createGenesysClient({ clientId: CLIENT_ID, clientSecret: SECRET, region: 'eu_west_1', timeoutMs }),
      ).toThrow(ConfigError);
    }
  });

  it('never puts the secret in a configuration error', () => {
    const error = configErrorOf(() =>
      createGenesysClient({ clientId: CLIENT_ID, clientSecret: SECRET, baseUrl: 'http://10.1.1.1:4010' }),
    );
    expect(`${error.message} ${error.stack}`).not.toContain(SECRET);
  });

  it('keeps credentials out of the client object', async () => {
    server.handle(withLogin((_req, res) => json(res, 200, USER)));
    const client = await loggedIn();
    expectNoCredentials(client);
    const shown = inspect(client, { depth: null, showHidden: true });
    expect(shown).not.toContain(SECRET);
    expect(shown).not.toContain(TOKEN);
  });
});

describe('login', () => {
  it('posts client credentials to /oauth/token at the base URL and then sends the bearer token', async () => {
    server.handle(withLogin((_req, res) => json(res, 200, USER)));
    const client = clientFor(server.url);
    expect(client.tokenExpiresAt()).toBeUndefined();

    const before = Date.now();
    const login = await client.authenticate();
    expect(login).toMatchObject({ ok: true, status: 200, body: { expiresInSeconds: 86_400 }, rateLimit: {} });
    expect(login.latencyMs).toBeGreaterThan(0);
    const expiresAt = client.tokenExpiresAt()!;
    expect(expiresAt).toBeGreaterThanOrEqual(before + 86_400_000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 86_400_000);

    const [token] = server.requests;
    expect(token).toMatchObject({ method: 'POST', url: '/oauth/token', body: 'grant_type=client_credentials' });
    expect(token!.headers.authorization).toBe(`Basic ${BASIC}`);
    expect(token!.headers['content-type']).toContain('application/x-www-form-urlencoded');

    expect((await client.getUser('u-1')).ok).toBe(true);
    expect(server.requests[1]!.headers.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it('uses a new token after logging in again', async () => {
    let issued = 0;
    server.handle((req, res) => {
      if (req.url === '/oauth/token')
        return json(res, 200, { ...TOKEN_RESPONSE, access_token: `token-number-${++issued}` });
      json(res, 200, USER);
    });
    const client = clientFor(server.url);
    await client.authenticate();
    await client.getUser('u-1');
    await client.authenticate();
    await client.getUser('u-1');
    expect(server.requests.map((r) => r.headers.authorization)).toEqual([
      `Basic ${BASIC}`,
      'Bearer token-number-1',
      `Basic ${BASIC}`,
      'Bearer token-number-2',
    ]);
  });

  it('sends no token before the first login', async () => {
    server.handle((_req, res) =>
      json(res, 401, { code: 'bad.credentials', status: 401, message: 'Invalid login credentials.' }),
    );
    const outcome = failureOf(await clientFor(server.url).getUser('u-1'));
    expect(server.requests[0]!.headers.authorization).toBeUndefined();
    expect(outcome).toMatchObject({ kind: 'auth', status: 401, code: 'bad.credentials' });
  });

  it('puts a base URL path prefix in front of both the login and the API paths', async () => {
    server.handle(withLogin((_req, res) => json(res, 200, USER)));
    const client = clientFor(`${server.url}/gw/`);
    await client.authenticate();
    await client.getUser('u-1');
    expect(server.requests.map((r) => r.url)).toEqual(['/gw/oauth/token', '/gw/api/v2/users/u-1']);
  });

  it('reports rejected credentials with what to check, and no secret', async () => {
    server.handle((_req, res) =>
      json(res, 401, {
        // A server that echoes what it was sent: the outcome must still not carry it.
        message: `Invalid client ${CLIENT_ID} with secret ${SECRET} (Basic ${BASIC})`,
        code: 'bad.credentials',
        status: 401,
      }),
    );
    const client = clientFor(server.url);
    const outcome = failureOf(await client.authenticate());
    expect(outcome).toMatchObject({ kind: 'auth', status: 401, code: 'bad.credentials' });
    expect(outcome.message).toMatch(
      new RegExp(
        `^authentication failed \\(401 bad\\.credentials\\): check GENESYS_CLIENT_ID / GENESYS_CLIENT_SECRET and that the base URL ${server.url} is the one`,
      ),
    );
    expect(outcome.message).toContain('[redacted]');
    expectNoCredentials(outcome);
    expect(client.tokenExpiresAt()).toBeUndefined();
  });

  it('reports an OAuth 400 invalid_client as an auth failure', async () => {
    server.handle((_req, res) => json(res, 400, { error: 'invalid_client', error_description: 'client not found' }));
    expect(failureOf(await clientFor(server.url).authenticate())).toMatchObject({
      kind: 'auth',
      status: 400,
      code: 'invalid_client',
    });
  });

  it('reports a 429 on login with its Retry-After', async () => {
    server.handle((_req, res) => json(res, 429, { code: 'too.many.requests' }, { 'retry-after': '9' }));
    expect(failureOf(await clientFor(server.url).authenticate())).toMatchObject({
      kind: 'rate_limited',
      retryAfterSeconds: 9,
    });
  });

  it('refuses a token response without expires_in', async () => {
    server.handle((_req, res) => json(res, 200, { access_token: 'some-token-value', token_type: 'bearer' }));
    const client = clientFor(server.url);
    // A login failure (exit 3, nothing tried), not a failed read (exit 1).
    expect(failureOf(await client.authenticate())).toMatchObject({ kind: 'unexpected', status: 200, login: true });
    expect(client.tokenExpiresAt()).toBeUndefined();
    server.handle((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html>captive portal</html>');
    });
    expect(failureOf(await client.authenticate())).toMatchObject({ kind: 'unexpected', status: 200, login: true });
  });

  it('reports a network failure on login without credentials', async () => {
    const closed = await startFakeServer();
    await closed.close();
    const outcome = failureOf(await clientFor(closed.url).authenticate());
    expect(outcome).toMatchObject({ kind: 'network', code: 'ECONNREFUSED' });
    expect(outcome.status).toBeUndefined();
    expectNoCredentials(outcome);
  });
});

describe('reads and writes', () => {
  const RATE_HEADERS = { 'inin-ratelimit-allowed': '300', 'inin-ratelimit-count': '17', 'inin-ratelimit-reset': '44' };

  it('fetches users by id in one page, with rate-limit headers', async () => {
    server.handle(withLogin((_req, res) => json(res, 200, LISTING, RATE_HEADERS)));
    const client = await loggedIn();
    const outcome = await client.getUsersByIds(['u-1', 'u-2'], { state: 'any' });
    expect(outcome).toMatchObject({
      ok: true,
      status: 200,
      body: LISTING,
      rateLimit: { allowed: 300, count: 17, resetSeconds: 44 },
    });
    expect(outcome.retryAfterSeconds).toBeUndefined();
    const request = server.requests[1]!;
    const url = new URL(request.url, server.url);
    expect(request.method).toBe('GET');
    expect(url.pathname).toBe('/api/v2/users');
    // The SDK sends the ids as one comma-joined parameter.
    expect(url.searchParams.getAll('id')).toEqual(['u-1,u-2']);
    expect(url.searchParams.get('pageSize')).toBe('2');
    expect(url.searchParams.get('pageNumber')).toBe('1');
    expect(url.searchParams.get('state')).toBe('any');
  });

  it('refuses an empty id list or an id with a comma without calling', async () => {
    const client = clientFor(server.url);
    expect(failureOf(await client.getUsersByIds([]))).toMatchObject({ kind: 'invalid', latencyMs: 0 });
    expect(failureOf(await client.getUsersByIds(['a', 'b,c']))).toMatchObject({ kind: 'invalid' });
    expect(failureOf(await client.getUsersByIds(['a', '']))).toMatchObject({ kind: 'invalid' });
    expect(server.requests).toHaveLength(0);
  });

  it('lists a page of users', async () => {
    server.handle(
      withLogin((_req, res) => json(res, 200, { entities: [], pageSize: 100, pageNumber: 3, total: 0, pageCount: 0 })),
    );
    const client = await loggedIn();
    const outcome = await client.listUsers({ pageNumber: 3, pageSize: 100, state: 'active' });
    expect(outcome).toMatchObject({ ok: true, body: { entities: [], pageNumber: 3 } });
    const url = new URL(server.requests[1]!.url, server.url);
    expect(Object.fromEntries(url.searchParams)).toEqual({ pageNumber: '3', pageSize: '100', state: 'active' });
  });

  it('projects each user of a listing, a read by id and a search as the answer is parsed, and only those', async () => {
    const full = { ...USER, email: 'ada@example.com', title: 'Engineer', chat: { jabberId: 'j' }, addresses: [] };
    server.handle(
      withLogin((req, res) =>
        req.url === '/api/v2/users/search'
          ? json(res, 200, { total: 1, pageCount: 1, pageSize: 25, pageNumber: 1, results: [full] })
          : req.url?.startsWith('/api/v2/users/u-1')
            ? json(res, 200, full)
            : json(res, 200, { ...LISTING, entities: [full] }),
      ),
    );
    const client = await loggedIn();
    const project = ({ id, version, state, title }: GenesysUser): GenesysUser => ({ id, version, state, title });
    const projected = { id: 'u-1', version: 3, state: 'active', title: 'Engineer' };
    const listed = await client.listUsers({ pageNumber: 1, pageSize: 1, project });
    expect(listed).toMatchObject({ ok: true, body: { total: 1 } });
    expect(listed.ok && listed.body.entities).toEqual([projected]);
    const byId = await client.getUsersByIds(['u-1'], { project });
    expect(byId.ok && byId.body.entities).toEqual([projected]);
    const query = { query: [{ type: 'EXACT' as const, fields: ['email'], value: 'ada@example.com' }] };
    const found = await client.searchUsers(query, { project });
    expect(found.ok && found.body.results).toEqual([projected]);
    // Without `project`, and for a single user, the answer is whole.
    const whole = await client.listUsers({ pageNumber: 1, pageSize: 1 });
    expect(whole.ok && whole.body.entities).toEqual([full]);
    const one = await client.getUser('u-1');
    expect(one.ok && one.body).toEqual(full);
  });

  it('fails a projected read as an unprojected one: an error answer, a body cut off, a body that is not JSON', async () => {
    const project = ({ id, version, state }: GenesysUser): GenesysUser => ({ id, version, state });
    const outcomes = async () => {
      const client = await loggedIn();
      return [
        await client.listUsers({ pageNumber: 1, pageSize: 1, project }),
        await client.listUsers({ pageNumber: 1, pageSize: 1 }),
      ].map((o) => ({ ...failureOf(o), latencyMs: 0 }));
    };
    const errorBody = { message: 'Nope', code: 'bad.request', status: 400 };
    server.handle(withLogin((_req, res) => json(res, 400, errorBody)));
    const [projected, whole] = await outcomes();
    expect(projected).toEqual(whole);
    expect(projected?.message).toContain('Nope');
    server.handle(
      withLogin((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '500' });
        res.write('{"entities":[{"id":"u-1",');
        setTimeout(() => res.socket?.destroy(), 20);
      }),
    );
    const [cut, cutWhole] = await outcomes();
    expect(cut).toMatchObject({ kind: 'network' });
    expect(cut).toEqual(cutWhole);
    server.handle(
      withLogin((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"entities":[{"id":"u-1"},]}');
      }),
    );
    const [notJson, notJsonWhole] = await outcomes();
    expect(notJson).toMatchObject({ kind: 'unexpected', status: 200 });
    expect(notJson).toEqual(notJsonWhole);
  });

  it('posts a search and gives an empty results array when the platform omits it', async () => {
    server.handle(withLogin((_req, res) => json(res, 200, { total: 0, pageCount: 0, pageSize: 25, pageNumber: 1 })));
    const client = await loggedIn();
    const query = { query: [{ type: 'EXACT' as const, fields: ['email'], value: 'ada@example.com' }], pageSize: 25 };
    const outcome = await client.searchUsers(query);
    expect(outcome).toMatchObject({ ok: true, body: { total: 0, results: [] } });
    const request = server.requests[1]!;
    expect(request).toMatchObject({ method: 'POST', url: '/api/v2/users/search' });
    expect(JSON.parse(request.body)).toEqual(query);
  });

  it('patches a user with exactly the given body', async () => {
    server.handle(withLogin((_req, res) => json(res, 200, { ...USER, title: 'Engineer', version: 4 })));
    const client = await loggedIn();
    const patch = {
      version: 3,
      title: 'Engineer',
      addresses: [{ address: '+3215551234', mediaType: 'PHONE' as const, type: 'WORK' as const }],
    };
    const outcome = await client.patchUser('u-1', patch);
    expect(outcome).toMatchObject({ ok: true, status: 200, body: { id: 'u-1', version: 4 } });
    const request = server.requests[1]!;
    expect(request).toMatchObject({ method: 'PATCH', url: '/api/v2/users/u-1' });
    expect(request.headers['content-type']).toBe('application/json');
    expect(JSON.parse(request.body)).toEqual(patch);
  });

  it('reports a missing id as an invalid call without a request', async () => {
    const client = clientFor(server.url);
    expect(failureOf(await client.getUser(''))).toMatchObject({
      kind: 'invalid',
      message: expect.stringContaining('userId'),
    });
    expect(server.requests).toHaveLength(0);
  });

  it('treats a success with a body that is not the API’s as unexpected (never retried), saying what was expected', async () => {
    server.handle(
      withLogin((_req, res) => {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('<html>captive portal</html>');
      }),
    );
    const client = await loggedIn();
    const failed = failureOf(await client.getUser('u-1'));
    expect(failed).toMatchObject({ kind: 'unexpected', status: 200 });
    expect(failed.message).toContain('(expected a user: a JSON object)');
    expect(failed.message).toContain('not retried');
  });

  it('fails an answer holding a user of the wrong shape, naming the user and the field; reads null as absent', async () => {
    let users: unknown[] = [];
    server.handle(
      withLogin((req, res) =>
        req.url === '/api/v2/users/search'
          ? json(res, 200, { total: users.length, results: users })
          : req.url?.startsWith('/api/v2/users/u-1')
            ? json(res, 200, users[0])
            : json(res, 200, { ...LISTING, entities: users }),
      ),
    );
    const client = await loggedIn();
    const project = ({ id, version, state, email }: GenesysUser): GenesysUser => ({ id, version, state, email });
    const query = { query: [{ type: 'EXACT' as const, fields: ['email'], value: 'ada@example.com' }] };
    const reads = async (): Promise<ApiOutcome<unknown>[]> => [
      await client.listUsers({ pageNumber: 1, pageSize: 1 }),
      await client.getUsersByIds(['u-1'], { project }),
      await client.searchUsers(query),
      await client.getUser('u-1'),
    ];
    const cases: [unknown, string][] = [
      [{ ...USER, email: 5 }, 'user "u-1" has a malformed email (a number)'],
      [{ ...USER, email: ['ada@example.com'] }, 'user "u-1" has a malformed email (a list)'],
      [{ ...USER, id: 7 }, 'a user has no id (a number)'],
      [{ ...USER, id: 'u-1\u001b[2J', email: {} }, 'user "u-1\\u001b[2J" has a malformed email (an object)'],
    ];
    for (const [user, why] of cases) {
      users = [user];
      for (const outcome of await reads()) {
        expect(failureOf(outcome)).toMatchObject({ kind: 'unexpected', status: 200 });
        expect(failureOf(outcome)!.message).toContain(`returns (${why})`);
      }
    }
    const notUsers: [unknown, string][] = [
      [{ ...USER, addresses: [{ mediaType: 'PHONE', type: 'WORK', address: 5 }] }, 'addresses (a list)'],
      [{ ...USER, addresses: [null] }, 'addresses (a list)'],
      [{ ...USER, title: true }, 'title (a boolean)'],
      [{ ...USER, version: '3' }, 'version (a string)'],
      [{ ...USER, division: { name: 'Home' } }, 'division (an object)'],
      [{ ...USER, skills: [{ id: 's', proficiency: '5' }] }, 'skills (a list)'],
    ];
    for (const [user, why] of notUsers) {
      users = [user];
      const listed = await client.listUsers({ pageNumber: 1, pageSize: 1 });
      expect(failureOf(listed)!.message).toContain(`has a malformed ${why}`);
    }
    users = [1];
    expect(failureOf(await client.listUsers({ pageNumber: 1, pageSize: 1 }))!.message).toContain(
      '(a user is a number instead of an object)',
    );
    users = [{ ...USER, email: null, addresses: null, division: null }];
    for (const outcome of await reads()) {
      expect(outcome.ok).toBe(true);
      const read = (outcome.ok ? outcome.body : {}) as { entities?: unknown[]; results?: unknown[] };
      const user = (read.entities?.[0] ?? read.results?.[0] ?? read) as Record<string, unknown>;
      expect(user.id).toBe('u-1');
      expect(Object.keys(user).filter((k) => user[k] === null)).toEqual([]);
    }
  });
});

describe('failures from the wire', () => {
  const cases: {
    name: string;
    status: number;
    body: unknown;
    headers?: Record<string, string>;
    expected: Record<string, unknown>;
  }[] = [
    {
      name: 'a normalised 429',
      status: 429,
      body: {
        message: 'Rate limit exceeded the maximum. Retry the request in [42] seconds',
        code: 'too.many.requests.retry.after',
        status: 429,
        contextId: 'ctx-429',
      },
      headers: { 'retry-after': '42' },
      expected: {
        kind: 'rate_limited',
        retryAfterSeconds: 42,
        code: 'too.many.requests.retry.after',
        contextId: 'ctx-429',
      },
    },
    {
      name: 'a 429 with an HTTP-date Retry-After',
      status: 429,
      body: {},
      headers: { 'retry-after': new Date(Date.now() + 120_000).toUTCString() },
      expected: { kind: 'rate_limited', retryAfterSeconds: expect.any(Number) },
    },
    {
      name: 'a stale version (409)',
      status: 409,
      body: {
        message: 'The version number of the modified resource must match the version number in the database.',
        code: 'general.conflict',
        status: 409,
      },
      expected: { kind: 'conflict', code: 'general.conflict' },
    },
    {
      name: 'a stale version (400)',
      status: 400,
      body: { message: 'Version 2 does not match the current version 3', code: 'bad.request', status: 400 },
      expected: { kind: 'conflict' },
    },
    { name: 'a 408', status: 408, body: {}, expected: { kind: 'conflict' } },
    {
      name: 'an expired token (401)',
      status: 401,
      body: { code: 'bad.credentials', status: 401 },
      expected: { kind: 'auth', code: 'bad.credentials' },
    },
    {
      name: 'a missing permission (403)',
      status: 403,
      body: {
        message: 'You are missing the following permission(s): [directory:user:edit]',
        code: 'missing.permissions',
        status: 403,
      },
      expected: { kind: 'permission', message: expect.stringContaining('role lacks directory:user:edit') },
    },
    { name: 'a 404', status: 404, body: { code: 'not.found', status: 404 }, expected: { kind: 'not_found' } },
    {
      name: 'an invalid value (400)',
      status: 400,
      body: { message: 'Invalid email address', code: 'bad.request', status: 400 },
      expected: { kind: 'invalid', message: expect.stringContaining('"Invalid email address"') },
    },
    { name: 'a 422', status: 422, body: {}, expected: { kind: 'invalid' } },
    { name: 'a 500', status: 500, body: { code: 'internal.server.error' }, expected: { kind: 'server' } },
    {
      name: 'a 503 with Retry-After and rate-limit headers',
      status: 503,
      body: {},
      headers: { 'retry-after': '3', 'inin-ratelimit-count': '5' },
      expected: { kind: 'server', retryAfterSeconds: 3, rateLimit: { count: 5 } },
    },
  ];

  it.each(cases)('classifies $name', async ({ status, body, headers, expected }) => {
    server.handle(withLogin((_req, res) => json(res, status, body, headers)));
    const client = await loggedIn();
    const outcome = failureOf(await client.patchUser('u-1', { version: 2, title: 'x' }));
    expect(outcome).toMatchObject({ status, ...expected });
    expect(outcome.latencyMs).toBeGreaterThan(0);
    expectNoCredentials(outcome);
  });

  it('reads an HTTP-date Retry-After as seconds from now', async () => {
    server.handle(
      withLogin((_req, res) => json(res, 429, {}, { 'retry-after': new Date(Date.now() + 120_000).toUTCString() })),
    );
    const client = await loggedIn();
    const seconds = failureOf(await client.getUser('u-1')).retryAfterSeconds!;
    expect(seconds).toBeGreaterThanOrEqual(118);
    expect(seconds).toBeLessThanOrEqual(120);
  });

  it('does not quote a proxy’s HTML error page', async () => {
    server.handle(
      withLogin((_req, res) => {
        res.writeHead(502, { 'content-type': 'text/html' });
        res.end('<html><body><h1>502 Bad Gateway</h1></body></html>');
      }),
    );
    const client = await loggedIn();
    const outcome = failureOf(await client.getUser('u-1'));
    expect(outcome).toMatchObject({ kind: 'server', status: 502 });
    expect(outcome.message).not.toContain('<');
  });

  it('blanks a token that a server echoes into an error', async () => {
    server.handle(
      withLogin((req, res) => json(res, 500, { message: `upstream rejected ${req.headers.authorization}` })),
    );
    const client = await loggedIn();
    const outcome = failureOf(await client.getUser('u-1'));
    expect(outcome.message).toContain('Bearer [redacted]');
    expectNoCredentials(outcome);
  });

  it('calls a connection cut mid-request a network failure', async () => {
    server.handle(
      withLogin((_req, res) => {
        res.socket?.destroy();
      }),
    );
    const client = await loggedIn();
    const outcome = failureOf(await client.patchUser('u-1', { version: 1, title: 'x' }));
    expect(outcome).toMatchObject({ kind: 'network', code: 'ECONNRESET', rateLimit: {} });
    expect(outcome.status).toBeUndefined();
    expect(outcome.message).toContain('may have been applied');
    expectNoCredentials(outcome);
  });

  it('calls a body cut off after the headers a network failure', async () => {
    server.handle(
      withLogin((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '500' });
        res.write('{"id":"u-1",');
        setTimeout(() => res.socket?.destroy(), 20);
      }),
    );
    const client = await loggedIn();
    const outcome = failureOf(await client.getUser('u-1'));
    expect(outcome.kind).toBe('network');
    expectNoCredentials(outcome);
  });

  it('calls a refused connection a network failure', async () => {
    const closed = await startFakeServer();
    await closed.close();
    const outcome = failureOf(await clientFor(closed.url).getUser('u-1'));
    expect(outcome).toMatchObject({ kind: 'network', code: 'ECONNREFUSED' });
    expect(outcome.message).toContain(closed.url);
  });

  it('times out a slow response after timeoutMs', async () => {
    server.handle(withLogin(() => undefined));
    const client = await loggedIn(300);
    const outcome = failureOf(await client.patchUser('u-1', { version: 1, title: 'x' }));
    expect(outcome).toMatchObject({ kind: 'timeout', code: 'ECONNABORTED' });
    expect(outcome.status).toBeUndefined();
    expect(outcome.latencyMs).toBeGreaterThanOrEqual(290);
    expect(outcome.latencyMs).toBeLessThan(1200);
    expect(outcome.message).toContain('no response within 300 ms on PATCH /api/v2/users/u-1');
    expectNoCredentials(outcome);
  });

  it('times out a stall that axios’s own timer misses (a proxy that never answers CONNECT)', async () => {
    // Accepts connections and never says a word: axios's timeout does not cover a CONNECT in flight; the deadline does.
    const sockets: Socket[] = [];
    const silent = createNetServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          for (const socket of sockets) socket.destroy();
          silent.close(() => resolve());
        }),
    );
    const proxy = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    vi.stubEnv('HTTPS_PROXY', proxy);
    vi.stubEnv('https_proxy', proxy);
    const client = createGenesysClient({
      clientId: CLIENT_ID,
      clientSecret: SECRET,
      region: 'eu_west_1',
      timeoutMs: 200,
    });
    const outcome = failureOf(await client.authenticate());
    vi.unstubAllEnvs();
    expect(sockets.length).toBeGreaterThan(0);
    expect(outcome).toMatchObject({ kind: 'timeout' });
    // With redirects off axios uses Node's own http client, whose timer covers the CONNECT; the deadline
    // (200 ms + 1 s of grace) backs it up. Either way the call ends after the timeout, not before.
    expect(outcome.latencyMs).toBeGreaterThanOrEqual(200);
    expect(outcome.latencyMs).toBeLessThan(3000);
    expectNoCredentials(outcome);
  });

  it('cancels a call when its signal aborts', async () => {
    server.handle(withLogin(() => undefined));
    const client = await loggedIn();
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const outcome = failureOf(await client.getUser('u-1', { signal: controller.signal }));
    expect(outcome).toMatchObject({ kind: 'network', code: 'ERR_CANCELED' });
    expect(outcome.latencyMs).toBeLessThan(1000);
  });

  it('aborts only the call whose signal fired when calls overlap', async () => {
    server.handle(withLogin((_req, res) => void setTimeout(() => json(res, 200, USER), 150)));
    const client = await loggedIn();
    const controller = new AbortController();
    const calls = [
      client.getUser('u-1'),
      client.getUser('u-1', { signal: controller.signal }),
      client.getUser('u-1', { signal: new AbortController().signal }),
    ];
    setTimeout(() => controller.abort(), 30);
    const [plain, aborted, other] = await Promise.all(calls);
    expect(plain).toMatchObject({ ok: true });
    expect(aborted).toMatchObject({ ok: false, kind: 'network', code: 'ERR_CANCELED' });
    expect(other).toMatchObject({ ok: true });
  });

  it('sends nothing when the signal has already aborted', async () => {
    server.handle(withLogin((_req, res) => json(res, 200, USER)));
    const client = await loggedIn();
    const outcome = failureOf(await client.getUser('u-1', { signal: AbortSignal.abort() }));
    expect(outcome).toMatchObject({ kind: 'network', code: 'ERR_CANCELED' });
    expect(server.requests).toHaveLength(1);
  });
});

describe('independence', () => {
  it('gives two clients their own token, target and timeout', async () => {
    const other = await startFakeServer();
    cleanups.push(() => other.close());
    const slowUser = (delayMs: number) => (_req: unknown, res: import('node:http').ServerResponse) =>
      void setTimeout(() => json(res, 200, USER), delayMs);
    server.handle(withLogin(slowUser(400), { ...TOKEN_RESPONSE, access_token: 'token-of-client-a' }));
    other.handle(withLogin(slowUser(400), { ...TOKEN_RESPONSE, access_token: 'token-of-client-b' }));

    const a = clientFor(server.url, 150);
    const b = createGenesysClient({
      clientId: 'client-b',
      clientSecret: 'secret-of-client-b',
      baseUrl: other.url,
      timeoutMs: 5000,
    });
    await Promise.all([a.authenticate(), b.authenticate()]);
    const [outcomeA, outcomeB] = await Promise.all([a.getUser('u-1'), b.getUser('u-1')]);

    expect(outcomeA).toMatchObject({ ok: false, kind: 'timeout' });
    expect(outcomeB).toMatchObject({ ok: true, body: USER });
    expect(server.requests.map((r) => r.headers.authorization)).toEqual([`Basic ${BASIC}`, 'Bearer token-of-client-a']);
    expect(other.requests.map((r) => r.headers.authorization)).toEqual([
      `Basic ${Buffer.from('client-b:secret-of-client-b').toString('base64')}`,
      'Bearer token-of-client-b',
    ]);
  });
});

describe('SDK config file', () => {
  async function homeWithConfig(decoyUrl: string): Promise<string> {
    const home = await mkdtemp(join(tmpdir(), 'genesys-home-'));
    cleanups.push(() => rm(home, { recursive: true, force: true }));
    const decoy = new URL(decoyUrl);
    await fs.promises.mkdir(join(home, '.genesyscloudjavascript'));
    await writeFile(
      join(home, '.genesyscloudjavascript', 'config'),
      [
        '[logging]',
        'log_level = trace',
        'log_to_console = true',
        'log_request_body = true',
        'log_response_body = true',
        '[general]',
        'live_reload_config = true',
        'host = mypurecloud.jp',
        '[gateway]',
        `host = ${decoy.hostname}`,
        `port = ${decoy.port}`,
        'protocol = http',
        '',
      ].join('\n'),
    );
    return home;
  }

  it('ignores ~/.genesyscloudjavascript/config and leaves no watcher on it', async () => {
    const decoy = await startFakeServer(withLogin((_req, res) => json(res, 200, USER)));
    cleanups.push(() => decoy.close());
    const home = await homeWithConfig(decoy.url);
    vi.stubEnv('HOME', home);
    const watched = new Map<string, number>();
    vi.spyOn(fs, 'watchFile').mockImplementation(((path: fs.PathLike) => {
      watched.set(String(path), (watched.get(String(path)) ?? 0) + 1);
      return {} as fs.StatWatcher;
    }) as typeof fs.watchFile);
    vi.spyOn(fs, 'unwatchFile').mockImplementation(((path: fs.PathLike) => {
      watched.set(String(path), 0);
    }) as typeof fs.unwatchFile);

    server.handle(withLogin((_req, res) => json(res, 200, USER)));
    const client = clientFor(server.url);
    const configPath = join(home, '.genesyscloudjavascript', 'config');
    // The SDK did read the file (so the test is real), and stopped watching it.
    expect(watched.has(configPath)).toBe(true);
    expect([...watched.values()].every((count) => count === 0)).toBe(true);

    expect((await client.authenticate()).ok).toBe(true);
    expect((await client.getUser('u-1')).ok).toBe(true);
    vi.unstubAllEnvs();

    expect(server.requests.map((r) => r.url)).toEqual(['/oauth/token', '/api/v2/users/u-1']);
    expect(decoy.requests).toHaveLength(0);
  });

  it('sends a region client to login.<domain> and api.<domain>, not to a gateway from the file', async () => {
    const decoy = await startFakeServer(withLogin((_req, res) => json(res, 200, USER)));
    cleanups.push(() => decoy.close());
    vi.stubEnv('HOME', await homeWithConfig(decoy.url));
    // The fake server as an HTTPS proxy: it sees the CONNECT target, which is where the SDK meant to go.
    vi.stubEnv('HTTPS_PROXY', server.url);
    vi.stubEnv('https_proxy', server.url);
    vi.stubEnv('NO_PROXY', '');
    vi.stubEnv('no_proxy', '');
    const client = createGenesysClient({ clientId: CLIENT_ID, clientSecret: SECRET, region: 'eu_west_1' });
    const login = failureOf(await client.authenticate());
    const read = failureOf(await client.getUser('u-1'));
    vi.unstubAllEnvs();

    expect(server.connects).toEqual(['login.mypurecloud.ie:443', 'api.mypurecloud.ie:443']);
    expect(decoy.requests).toHaveLength(0);
    // The fake proxy refuses each tunnel with a 502.
    expect(login).toMatchObject({ kind: 'server', status: 502 });
    expect(read).toMatchObject({ kind: 'server', status: 502 });
    expectNoCredentials([login, read]);
  });
});

describe('in a plain Node process', () => {
  it('prints nothing of its own despite a logging config file, and lets the process exit at once', async () => {
    server.handle(
      withLogin((req, res) =>
        req.method === 'PATCH' ? json(res, 409, { code: 'general.conflict', status: 409 }) : json(res, 200, USER),
      ),
    );
    const home = await mkdtemp(join(tmpdir(), 'genesys-home-'));
    cleanups.push(() => rm(home, { recursive: true, force: true }));
    await fs.promises.mkdir(join(home, '.genesyscloudjavascript'));
    await writeFile(
      join(home, '.genesyscloudjavascript', 'config'),
      '[logging]\nlog_level = trace\nlog_to_console = true\n[general]\nlive_reload_config = true\n',
    );
    const script = join(home, 'child.mts');
    await writeFile(
      script,
      [
        `import { createGenesysClient } from ${JSON.stringify(pathToFileURL(join(import.meta.dirname, '../../src/genesys/client.ts')).href)};`,
        `const client = createGenesysClient({ clientId: 'child-id', clientSecret: 'child-secret-value', baseUrl: process.env.BASE_URL });`,
        'const outcomes = [await client.authenticate(), await client.getUser("u-1"), await client.patchUser("u-1", { version: 1, title: "x" })];',
        'console.log(JSON.stringify({ done: outcomes.map((o) => o.ok) }));',
      ].join('\n'),
    );
    const child = spawn(process.execPath, ['--import', 'tsx', script], {
      cwd: join(import.meta.dirname, '../..'),
      env: { ...process.env, HOME: home, BASE_URL: server.url },
    });
    let stdout = '';
    let stderr = '';
    let doneAt: number | undefined;
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (doneAt === undefined && stdout.includes('"done"')) doneAt = performance.now();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    const exitedAt = performance.now();

    expect(stderr).toBe('');
    expect(stdout.trim()).toBe(JSON.stringify({ done: [true, true, false] }));
    expect(code).toBe(0);
    // Nothing (a config-file watcher, a keep-alive socket, a timer) holds the event loop open after the work.
    expect(exitedAt - doneAt!).toBeLessThan(500);
    expect(server.requests).toHaveLength(3);
  });
});

describe('redirects', () => {
  it.each([301, 302, 303, 307, 308])('follows no %s on login: the other host gets nothing', async (status) => {
    const other = await startFakeServer((_req, res) => json(res, 200, TOKEN_RESPONSE));
    cleanups.push(() => other.close());
    server.handle((_req, res) => {
      res.writeHead(status, { location: `${other.url}/oauth/token` });
      res.end();
    });
    const outcome = failureOf(await clientFor(server.url).authenticate());
    expect(outcome).toMatchObject({ kind: 'redirect', status, login: true });
    expect(outcome.message).toContain(`HTTP ${status} redirect to 127.0.0.1:${other.port}`);
    expect(server.requests).toHaveLength(1);
    expect(other.requests).toHaveLength(0);
    expectNoCredentials(outcome);
  });

  it('follows no redirect of an API call carrying a body, and names a relative target as such', async () => {
    const other = await startFakeServer();
    cleanups.push(() => other.close());
    server.handle(
      withLogin((_req, res) => {
        res.writeHead(307, { location: `${other.url}/api/v2/users/search` });
        res.end();
      }),
    );
    const client = await loggedIn();
    const outcome = failureOf(
      await client.searchUsers({ query: [{ type: 'EXACT', fields: ['email'], value: 'a@b' }] }),
    );
    expect(outcome).toMatchObject({ kind: 'redirect', status: 307 });
    expect(outcome.login).toBeUndefined();
    expect(other.requests).toHaveLength(0);
    server.handle((_req, res) => {
      res.writeHead(302, { location: '/elsewhere' });
      res.end();
    });
    expect(failureOf(await client.getUser('u-1')).message).toContain('redirect to a path on the same host');
    expect(server.requests.filter((r) => r.url === '/elsewhere')).toHaveLength(0);
  });

  it('escapes control characters in the Location host', async () => {
    server.handle((_req, res) => {
      res.writeHead(307, { location: 'http://evil%1b%5d0;x%07.example/' });
      res.end();
    });
    const outcome = failureOf(await clientFor(server.url).authenticate());
    expect(outcome.kind).toBe('redirect');
    expect(hasControls(outcome.message)).toBe(false);
  });
});
