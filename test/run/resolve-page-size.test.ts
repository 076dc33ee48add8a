/**
 * The users list's and the user search's page-size maximums are unconfirmed (500 is believed for the list): reads
 * must work whether the platform takes the size asked, refuses it with 400, or cuts the page to its maximum.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type EmulatorOptions, type RunningEmulator, startEmulator } from '../../src/emulator/index.js';
import { createGenesysClient } from '../../src/genesys/client.js';
import type { ApiOutcome, UserEntityListing, UserSearchRequest, UsersSearchResponse } from '../../src/genesys/types.js';
import { resolveUsers, UserIndex } from '../../src/run/resolve.js';
import { ok, passThrough, ScriptedUsers, user } from './fakes.js';

let emulator: RunningEmulator | undefined;
afterEach(async () => {
  await emulator?.stop();
  emulator = undefined;
});

async function reads(options: EmulatorOptions) {
  emulator = await startEmulator({ seed: 3, ...options });
  const client = createGenesysClient({
    clientId: emulator.clientId,
    clientSecret: emulator.clientSecret,
    baseUrl: emulator.url,
    timeoutMs: 5000,
  });
  const login = await client.authenticate();
  expect(login.ok).toBe(true);
  const calls: string[] = [];
  return { client, calls, deps: { users: client, executor: passThrough, onCall: (what: string) => calls.push(what) } };
}

describe('reading users whatever the page-size maximum', () => {
  it.each(['reject', 'clamp'] as const)(
    'reads the whole directory when the list takes at most 200 a page (above it: %s)',
    async (pageSizeAboveMax) => {
      const { deps, calls } = await reads({ users: 1200, usersPageSizeMax: 200, pageSizeAboveMax });
      const ids = new Set(emulator!.users().map((u) => u.id));
      const { index, cost } = await resolveUsers(deps, ids, new Set(), new UserIndex());
      expect(index.size).toBe(emulator!.users().filter((u) => u.state !== 'deleted').length);
      if (pageSizeAboveMax === 'clamp') {
        // Page 1 asked at 500 and served at 200, then 200 a page: 6 pages.
        expect(cost).toMatchObject({ strategy: 'full-listing', listingCalls: 6 });
        expect(calls.filter((c) => c === 'list')).toHaveLength(6);
      } else {
        // 500 refused, 100 taken: listing 12 pages would not beat 12 reads by id.
        expect(cost).toMatchObject({ strategy: 'by-key', listingCalls: 12 });
        expect(calls.filter((c) => c === 'list')).toHaveLength(2);
      }
    },
  );

  it('lists in pages cut to the maximum when the page says neither its size nor its page count', async () => {
    const total = 1000;
    const served: number[] = [];
    class CuttingUsers extends ScriptedUsers {
      override async listUsers(query?: { pageNumber: number; pageSize: number }) {
        const { pageNumber, pageSize } = query!;
        const size = Math.min(pageSize, 200);
        served.push(pageSize);
        const first = (pageNumber - 1) * size;
        const entities = Array.from({ length: Math.max(0, Math.min(size, total - first)) }, (_, i) =>
          user({ id: `u-${first + i}`, email: `user${first + i}@example.com` }),
        );
        return ok({ entities, total } as UserEntityListing) as ApiOutcome<UserEntityListing>;
      }
    }
    const ids = new Set(Array.from({ length: total }, (_, n) => `u-${n}`));
    const { index } = await resolveUsers(
      { users: new CuttingUsers([]), executor: passThrough },
      ids,
      new Set(),
      new UserIndex(),
    );
    expect(index.size).toBe(total);
    expect(served).toEqual([500, 200, 200, 200, 200]);
  });

  it.each(['reject', 'clamp'] as const)(
    'finds every email when the search takes at most 25 a page (above it: %s)',
    async (pageSizeAboveMax) => {
      const { deps, calls } = await reads({ users: 300, searchPageSizeMax: 25, pageSizeAboveMax });
      const people = emulator!.users().filter((u) => u.state !== 'deleted' && u.email);
      const emails = new Set(people.slice(0, 150).map((u) => u.email!.toLowerCase()));
      const { index } = await resolveUsers(deps, new Set(), emails, new UserIndex());
      expect(index.size).toBe(150);
      // Two batches of 100 and 50 emails: 4 + 2 pages of 25, and (reject) a refused 100 each.
      expect(calls.filter((c) => c === 'search')).toHaveLength(pageSizeAboveMax === 'reject' ? 8 : 6);
    },
  );

  it('reads every search page when the pages say their total but not their page count', async () => {
    const pages: number[] = [];
    class PagingSearch extends ScriptedUsers {
      override async searchUsers(body?: UserSearchRequest) {
        const { values = [] } = body!.query[0]!;
        const size = Math.min(body!.pageSize ?? 25, 25);
        const first = ((body!.pageNumber ?? 1) - 1) * size;
        pages.push(body!.pageNumber ?? 1);
        const results = values.slice(first, first + size).map((email, i) => user({ id: `u-${first + i}`, email }));
        return ok({ results, total: values.length } as UsersSearchResponse) as ApiOutcome<UsersSearchResponse>;
      }
    }
    const emails = new Set(Array.from({ length: 60 }, (_, n) => `user${n}@example.com`));
    const { index } = await resolveUsers(
      { users: new PagingSearch([]), executor: passThrough },
      new Set(),
      emails,
      new UserIndex(),
    );
    expect(index.size).toBe(60);
    expect(pages).toEqual([1, 2, 3]);
  });

  it('reads users by id when a GET takes at most 30 ids: batches of 100 refused, then 25 a GET', async () => {
    const { deps, calls } = await reads({ users: 300, usersMaxIds: 30 });
    const ids = new Set(
      emulator!
        .users()
        .slice(0, 120)
        .map((u) => u.id),
    );
    // 120 ids: 2 reads by key, too few for a listing probe.
    const { index, cost } = await resolveUsers(deps, ids, new Set(), new UserIndex());
    expect(cost.strategy).toBe('by-key');
    expect(index.size).toBe(emulator!.users().filter((u) => ids.has(u.id) && u.state !== 'deleted').length);
    // Batches of 100 and 20: 100 refused, 50 refused, then 25s: 4 + 1 GETs, and 2 to 4 refused ones.
    const gets = calls.filter((c) => c === 'get-by-ids').length;
    expect(gets).toBeGreaterThanOrEqual(7);
    expect(gets).toBeLessThanOrEqual(9);
  });
});
