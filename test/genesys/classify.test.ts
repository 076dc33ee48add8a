import { describe, expect, it } from 'vitest';
import {
  type CallContext,
  classifyHttpFailure,
  classifyTransportFailure,
  headerValue,
  kindForStatus,
  MAX_RETRY_AFTER_SECONDS,
  parseRateLimit,
  parseRetryAfter,
  permissionsIn,
  platformError,
} from '../../src/genesys/classify.js';

const get: CallContext = {
  operation: 'GET /api/v2/users/u-1',
  where: 'the region eu_west_1 (https://api.mypurecloud.ie)',
  timeoutMs: 30_000,
};
const patch: CallContext = { ...get, operation: 'PATCH /api/v2/users/u-1', permission: 'directory:user:edit' };
const login: CallContext = { ...get, operation: 'POST /oauth/token', login: true };

const NORMALISED_429 = {
  message: 'Rate limit exceeded the maximum. Retry the request in [42] seconds',
  code: 'too.many.requests.retry.after',
  status: 429,
  contextId: 'c0ffee',
  details: [],
  errors: [],
};

describe('kindForStatus', () => {
  it.each([
    [429, 'rate_limited'],
    [409, 'conflict'],
    [408, 'conflict'],
    [401, 'auth'],
    [403, 'permission'],
    [404, 'not_found'],
    [400, 'invalid'],
    [422, 'invalid'],
    [413, 'invalid'],
    [405, 'invalid'],
    [500, 'server'],
    [502, 'server'],
    [503, 'server'],
    [504, 'server'],
    [302, 'server'],
  ] as const)('%i → %s', (status, kind) => {
    expect(kindForStatus(status)).toBe(kind);
  });

  it('treats a 400 about the version as a conflict, in either wording', () => {
    expect(kindForStatus(400, { message: 'Version 3 does not match the current version 4 of the user' })).toBe(
      'conflict',
    );
    expect(
      kindForStatus(400, {
        message: 'The version number of the modified resource must match the version number in the database.',
      }),
    ).toBe('conflict');
    expect(kindForStatus(400, { message: 'Invalid email address' })).toBe('invalid');
  });

  it('treats OAuth credential errors as auth only on the login call', () => {
    expect(kindForStatus(400, { code: 'invalid_client' }, true)).toBe('auth');
    expect(kindForStatus(400, { code: 'unauthorized_client' }, true)).toBe('auth');
    expect(kindForStatus(400, { code: 'invalid_client' }, false)).toBe('invalid');
    expect(kindForStatus(400, { code: 'unsupported_grant_type' }, true)).toBe('invalid');
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2025-06-01T12:00:00Z');

  it('reads delta-seconds, rounding a fraction up', () => {
    expect(parseRetryAfter('42', now)).toBe(42);
    expect(parseRetryAfter('0', now)).toBe(0);
    expect(parseRetryAfter('1.2', now)).toBe(2);
  });

  it('reads an HTTP-date as the seconds until it', () => {
    expect(parseRetryAfter('Sun, 01 Jun 2025 12:00:30 GMT', now)).toBe(30);
    expect(parseRetryAfter('Sun, 01 Jun 2025 12:00:30 GMT', now + 500)).toBe(30);
    expect(parseRetryAfter('Sun, 01 Jun 2025 12:00:30 GMT', now + 1500)).toBe(29);
    expect(parseRetryAfter('Sunday, 01-Jun-25 12:01:00 GMT', now)).toBe(60);
  });

  it('caps a wait at an hour: a longer one would look hung, and past 2^31 ms a timer fires at once', () => {
    expect(MAX_RETRY_AFTER_SECONDS).toBe(3600);
    expect(parseRetryAfter('3600', now)).toBe(3600);
    expect(parseRetryAfter('3601', now)).toBe(3600);
    expect(parseRetryAfter('99999999', now)).toBe(3600);
    expect(parseRetryAfter('9'.repeat(400), now)).toBe(3600);
    expect(parseRetryAfter('Fri, 01 Jun 2125 12:00:00 GMT', now)).toBe(3600);
    const ctx = {
      operation: 'PATCH /api/v2/users/{userId}',
      where: 'the base URL http://127.0.0.1:1',
      timeoutMs: 1000,
    };
    const body = { message: 'Retry the request in [99999999] seconds', code: 'too.many.requests.retry.after' };
    expect(classifyHttpFailure(429, {}, body, ctx, now).retryAfterSeconds).toBe(3600);
  });

  it('gives 0 for an HTTP-date in the past', () => {
    expect(parseRetryAfter('Sun, 01 Jun 2025 11:59:00 GMT', now)).toBe(0);
  });

  it('gives undefined when absent or unparsable', () => {
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter('', now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('-5', now)).toBeUndefined();
    expect(parseRetryAfter('2025', now)).toBe(2025);
    expect(parseRetryAfter('2025-06-01', now)).toBeUndefined();
  });
});

describe('headers', () => {
  it('finds a header in any case and takes the first of repeated values', () => {
    expect(headerValue({ 'Retry-After': ' 7 ' }, 'retry-after')).toBe('7');
    expect(headerValue({ 'retry-after': ['8', '9'] }, 'Retry-After')).toBe('8');
    expect(headerValue({ 'retry-after': 10 }, 'retry-after')).toBe('10');
    expect(headerValue(undefined, 'retry-after')).toBeUndefined();
    expect(headerValue({}, 'retry-after')).toBeUndefined();
  });

  it('parses the inin-ratelimit headers as numbers', () => {
    expect(
      parseRateLimit({ 'inin-ratelimit-allowed': '300', 'inin-ratelimit-count': '12', 'inin-ratelimit-reset': '41' }),
    ).toEqual({ allowed: 300, count: 12, resetSeconds: 41 });
    expect(parseRateLimit({ 'ININ-RateLimit-Allowed': 180 })).toEqual({ allowed: 180 });
  });

  it('leaves out absent and unparsable rate-limit headers', () => {
    expect(parseRateLimit(undefined)).toEqual({});
    expect(parseRateLimit({})).toEqual({});
    expect(
      parseRateLimit({ 'inin-ratelimit-allowed': 'lots', 'inin-ratelimit-count': '', 'inin-ratelimit-reset': '3' }),
    ).toEqual({ resetSeconds: 3 });
  });
});

describe('platformError', () => {
  it('reads the normalised API body', () => {
    expect(platformError(NORMALISED_429)).toEqual({
      code: 'too.many.requests.retry.after',
      message: NORMALISED_429.message,
      contextId: 'c0ffee',
    });
  });

  it('reads the OAuth error body', () => {
    expect(platformError({ error: 'invalid_client', error_description: 'authentication failed' })).toEqual({
      code: 'invalid_client',
      message: 'authentication failed',
    });
  });

  it('parses a JSON string body and ignores any other text', () => {
    expect(platformError('{"code":"bad.request","message":"nope"}')).toEqual({ code: 'bad.request', message: 'nope' });
    expect(platformError('<html><body>502 Bad Gateway</body></html>')).toEqual({});
    expect(platformError(undefined)).toEqual({});
    expect(platformError(42)).toEqual({});
    expect(platformError({ code: 7, message: '' })).toEqual({});
  });

  it('flattens and caps a long message', () => {
    const parsed = platformError({ message: `line one\n\n${'x'.repeat(1000)}` });
    expect(parsed.message).toMatch(/^line one x+…$/);
    expect(parsed.message!.length).toBe(301);
  });
});

describe('permissionsIn', () => {
  it('finds permission names in a platform message', () => {
    expect(
      permissionsIn(
        'You are missing the following permission(s): [directory:user:edit, telephony:extension:assign, directory:user:edit]',
      ),
    ).toEqual(['directory:user:edit', 'telephony:extension:assign']);
    expect(permissionsIn('Unable to perform the requested action.')).toEqual([]);
    expect(permissionsIn(undefined)).toEqual([]);
  });
});

describe('classifyHttpFailure', () => {
  it('classifies a normalised 429 with Retry-After and rate-limit headers', () => {
    const failure = classifyHttpFailure(
      429,
      { 'retry-after': '42', 'inin-ratelimit-allowed': '300', 'inin-ratelimit-count': '300' },
      NORMALISED_429,
      get,
    );
    expect(failure).toEqual({
      ok: false,
      kind: 'rate_limited',
      status: 429,
      rateLimit: { allowed: 300, count: 300 },
      retryAfterSeconds: 42,
      code: 'too.many.requests.retry.after',
      contextId: 'c0ffee',
      message: expect.stringContaining('retry after 42 s'),
    });
  });

  it('falls back to the wait in the 429 body when Retry-After is missing', () => {
    expect(classifyHttpFailure(429, {}, NORMALISED_429, get).retryAfterSeconds).toBe(42);
    const bare = classifyHttpFailure(429, {}, {}, get);
    expect(bare.retryAfterSeconds).toBeUndefined();
    expect(bare.message).toContain('no Retry-After');
  });

  it('prefers the header to the body', () => {
    expect(classifyHttpFailure(429, { 'Retry-After': '5' }, NORMALISED_429, get).retryAfterSeconds).toBe(5);
  });

  it('keeps Retry-After on a 503', () => {
    const failure = classifyHttpFailure(
      503,
      { 'retry-after': '3' },
      { message: 'busy', code: 'service.unavailable' },
      get,
    );
    expect(failure).toMatchObject({ kind: 'server', status: 503, retryAfterSeconds: 3, code: 'service.unavailable' });
    expect(failure.message).toContain('try again later');
  });

  it('tells the user what to check on a failed login', () => {
    const failure = classifyHttpFailure(
      401,
      {},
      { code: 'bad.credentials', status: 401, message: 'Invalid login' },
      login,
    );
    expect(failure.kind).toBe('auth');
    expect(failure.message).toBe(
      'authentication failed (401 bad.credentials): check GENESYS_CLIENT_ID / GENESYS_CLIENT_SECRET and that ' +
        'the region eu_west_1 (https://api.mypurecloud.ie) is the one the OAuth client belongs to. ' +
        'The platform says: "Invalid login".',
    );
  });

  it('explains an OAuth client without the client-credentials grant', () => {
    const failure = classifyHttpFailure(400, {}, { error: 'unauthorized_client' }, login);
    expect(failure.kind).toBe('auth');
    expect(failure.message).toContain('Client Credentials grant');
  });

  it('says a 401 on an API call means the token, then the credentials', () => {
    const failure = classifyHttpFailure(401, {}, { code: 'bad.credentials' }, get);
    expect(failure.kind).toBe('auth');
    expect(failure.message).toContain('access token rejected (401 bad.credentials) on GET /api/v2/users/u-1');
    expect(failure.message).toContain('log in again');
    expect(failure.message).toContain('GENESYS_CLIENT_SECRET');
  });

  it('names the missing permission from the body', () => {
    const failure = classifyHttpFailure(
      403,
      {},
      {
        code: 'missing.permissions',
        message: 'You are missing the following permission(s): [telephony:extension:assign]',
      },
      patch,
    );
    expect(failure.kind).toBe('permission');
    expect(failure.message).toContain("the OAuth client's role lacks telephony:extension:assign");
    expect(failure.message).not.toContain('directory:user:edit');
  });

  it('gives an example permission when the body names none', () => {
    const failure = classifyHttpFailure(403, {}, { code: 'forbidden' }, patch);
    expect(failure.message).toContain(
      "the OAuth client's role lacks a permission this call needs (e.g. directory:user:edit for PATCH /api/v2/users/u-1)",
    );
  });

  it('classifies 404, 409, 408, 400 and 422 with advice', () => {
    expect(classifyHttpFailure(404, {}, { code: 'not.found' }, get)).toMatchObject({
      kind: 'not_found',
      message: expect.stringContaining('check the id'),
    });
    expect(classifyHttpFailure(409, {}, { code: 'conflict' }, patch)).toMatchObject({
      kind: 'conflict',
      message: expect.stringContaining('re-read it and re-apply'),
    });
    expect(classifyHttpFailure(408, {}, {}, patch)).toMatchObject({
      kind: 'conflict',
      message: expect.stringContaining('may already be there'),
    });
    expect(classifyHttpFailure(400, {}, { code: 'bad.request', message: 'Invalid email' }, patch)).toMatchObject({
      kind: 'invalid',
      code: 'bad.request',
      message: expect.stringMatching(
        /rejected as invalid \(400 bad\.request\).*retrying will not help.*"Invalid email"/,
      ),
    });
    expect(classifyHttpFailure(422, {}, undefined, patch)).toMatchObject({ kind: 'invalid', status: 422 });
  });

  it('does not quote an HTML error page', () => {
    const failure = classifyHttpFailure(502, {}, '<html><title>Bad Gateway</title></html>', get);
    expect(failure.kind).toBe('server');
    expect(failure.message).not.toContain('<html>');
    expect(failure.code).toBeUndefined();
  });
});

describe('classifyTransportFailure', () => {
  it('recognises a timeout by code or by message', () => {
    expect(classifyTransportFailure('ECONNABORTED', 'timeout of 200ms exceeded', patch)).toMatchObject({
      kind: 'timeout',
      code: 'ECONNABORTED',
      message: expect.stringMatching(/no response within 30000 ms on PATCH .*may have been applied/),
    });
    expect(classifyTransportFailure('ETIMEDOUT', undefined, get).kind).toBe('timeout');
    expect(classifyTransportFailure(undefined, 'socket timed out', get).kind).toBe('timeout');
  });

  it('calls every other missing response a network failure', () => {
    for (const code of ['ECONNRESET', 'ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'ERR_CANCELED', undefined]) {
      const failure = classifyTransportFailure(code, 'socket hang up', get);
      expect(failure.kind).toBe('network');
      expect(failure.status).toBeUndefined();
    }
    expect(classifyTransportFailure('ECONNREFUSED', undefined, get).message).toContain(
      'is the emulator or gateway running',
    );
    expect(classifyTransportFailure('ENOTFOUND', undefined, get).message).toContain('did not resolve');
    expect(classifyTransportFailure('CERT_HAS_EXPIRED', undefined, get).message).toContain('TLS handshake failed');
    expect(classifyTransportFailure('ERR_CANCELED', 'timeout', get).message).toContain('cancelled');
  });

  it('never copies the transport error text', () => {
    const failure = classifyTransportFailure('ECONNRESET', 'Authorization: Bearer leaked-token', get);
    expect(JSON.stringify(failure)).not.toContain('leaked-token');
  });

  it('does not claim a login or a read may have been applied', () => {
    expect(classifyTransportFailure('ECONNRESET', undefined, login).message).not.toContain('may have been applied');
    const search = { ...get, operation: 'POST /api/v2/users/search' };
    for (const ctx of [get, search]) {
      expect(classifyTransportFailure('ECONNABORTED', 'timeout', ctx).message).not.toContain('may have been applied');
      expect(classifyTransportFailure('ECONNRESET', undefined, ctx).message).not.toContain('may have been applied');
    }
    expect(classifyTransportFailure('ECONNRESET', undefined, patch).message).toContain('may have been applied');
  });
});
