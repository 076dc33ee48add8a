import { describe, expect, it } from 'vitest';
import type { ApiFailure } from '../../src/genesys/types.js';
import { afterCreations, fatalApiError } from '../../src/run/api-errors.js';

const failure = (kind: ApiFailure['kind'], extra: Partial<ApiFailure> = {}): ApiFailure => ({
  ok: false,
  kind,
  message: `${kind} happened`,
  rateLimit: {},
  latencyMs: 1,
  ...extra,
});

describe('fatalApiError exit codes', () => {
  it.each(['network', 'timeout', 'server', 'rate_limited'] as const)('a login that failed (%s) is exit 3', (kind) => {
    expect(fatalApiError('Logging in to https://api.example', failure(kind, { login: true })).exitCode).toBe(3);
  });

  it.each(['network', 'timeout', 'server'] as const)('a read that gave up (%s) stays exit 1', (kind) => {
    expect(fatalApiError('Listing users', failure(kind)).exitCode).toBe(1);
  });

  it('a redirect, on the login or a read, is exit 3', () => {
    expect(fatalApiError('Logging in', failure('redirect', { status: 307, login: true })).exitCode).toBe(3);
    expect(fatalApiError('Searching users', failure('redirect', { status: 302 })).exitCode).toBe(3);
  });
});

describe('afterCreations: a fatal error once users were created', () => {
  const LIB = "resume('20261207-101010-abcdef')";
  const once2Created = (err: unknown) =>
    afterCreations(err, '20261207-101010-abcdef', 2, LIB) as Error & { exitCode: number };

  it.each([
    ['a read that gave up', fatalApiError('Listing users', failure('server', { status: 503 }))],
    ['a login that failed', fatalApiError('Logging in', failure('network', { login: true }))],
    ['bad credentials', fatalApiError('Logging in', failure('auth', { status: 401, login: true }))],
  ])("%s: says what happened, that the users exist, and how to finish in the caller's terms; exit 1", (_, err) => {
    const e = once2Created(err);
    expect(e.exitCode).toBe(1);
    expect(e.message).toContain(' happened');
    expect(e.message).not.toMatch(/nothing was written|try again later/i);
    expect(e.message).toContain('Run 20261207-101010-abcdef had created 2 user(s) by then, which exist.');
    expect(e.message).toContain(`Finish it with ${LIB} once this is put right`);
    expect(e.message).not.toContain('genesys-bulk');
  });

  it('keeps what the platform said of a read that gave up', () => {
    const e = once2Created(fatalApiError('Listing users', failure('timeout')));
    expect(e.message).toMatch(
      /^Listing users failed \(no response\): timeout happened The platform did not recover within the retry limits\. Run /,
    );
  });

  it('leaves an error before any creation, or not of the run (an interruption), as it was', () => {
    const err = fatalApiError('Listing users', failure('server'));
    expect(afterCreations(err, 'r', 0, LIB)).toBe(err);
    const plain = new Error('bug');
    expect(afterCreations(plain, 'r', 2, LIB)).toBe(plain);
  });
});
