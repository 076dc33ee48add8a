import { describe, expect, it } from 'vitest';
import type { ApiFailure } from '../../src/genesys/types.js';
import { fatalApiError } from '../../src/run/api-errors.js';

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
