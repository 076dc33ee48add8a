import { describe, expect, it } from 'vitest';
import type { ApiOutcome, GenesysUser, UserEntityListing, UsersSearchResponse } from '../../src/genesys/types.js';
import type { Executor } from '../../src/run/ports.js';
import {
  LIST_PAGE_SIZE,
  LIST_PAGES_IN_FLIGHT,
  LIST_PAGES_IN_FLIGHT_TOKENS,
  resolveUsers,
  UserIndex,
} from '../../src/run/resolve.js';
import { fail, ok, passThrough, ScriptedUsers, user } from './fakes.js';

/** A directory of `pages` full listing pages; `mostInFlight` counts the pages read at once. */
class ListedUsers extends ScriptedUsers {
  inFlight = 0;
  mostInFlight = 0;
  constructor(private readonly pages: number) {
    super([]);
  }
  override async listUsers(query?: { pageNumber?: number }): Promise<ApiOutcome<UserEntityListing>> {
    const page = query?.pageNumber ?? 1;
    this.mostInFlight = Math.max(this.mostInFlight, ++this.inFlight);
    await new Promise((resolve) => setTimeout(resolve, 2));
    this.inFlight--;
    const entities = Array.from({ length: LIST_PAGE_SIZE }, (_, i) => {
      const n = (page - 1) * LIST_PAGE_SIZE + i;
      return user({ id: `u-${n}`, email: `user${n}@example.com` });
    });
    return ok({ entities, pageCount: this.pages, total: this.pages * LIST_PAGE_SIZE } as UserEntityListing);
  }
}

describe('resolveUsers, listing the directory', () => {
  it('runs the collection after every `every` pages read, and at no other time', async () => {
    const pages = 10;
    const ids = new Set(Array.from({ length: pages * LIST_PAGE_SIZE }, (_, n) => `u-${n}`));
    let runs = 0;
    const { index, cost } = await resolveUsers(
      {
        users: new ListedUsers(pages),
        executor: passThrough,
        collect: {
          every: 3,
          run: async () => {
            runs++;
          },
        },
      },
      ids,
      new Set(),
      new UserIndex(undefined, ids),
    );
    expect(cost.strategy).toBe('full-listing');
    expect(index.byId.size).toBe(ids.size);
    // After the 3rd, 6th and 9th of 10 pages.
    expect(runs).toBe(3);
  });

  it.each([
    [1, LIST_PAGES_IN_FLIGHT],
    [10, LIST_PAGES_IN_FLIGHT_TOKENS],
  ])(
    'with %i token(s), up to %i pages in flight (several tokens allow several times the rate)',
    async (tokens, most) => {
      const users = new ListedUsers(20);
      const ids = new Set(Array.from({ length: 20 * LIST_PAGE_SIZE }, (_, n) => `u-${n}`));
      const executor: Executor = {
        ...passThrough,
        stats: () => ({ concurrency: 64, ...(tokens > 1 && { lanes: Array.from({ length: tokens }) }) }),
      };
      await resolveUsers({ users, executor }, ids, new Set(), new UserIndex(undefined, ids));
      expect(users.mostInFlight).toBe(most);
    },
  );
});

/** Users read by id and listed; a read that asks for an expansion in `refused` is answered 400. */
class ExpandingUsers extends ScriptedUsers {
  readonly asked: { kind: 'ids' | 'list'; size: number; expand: string[] }[] = [];
  constructor(
    private readonly directory: number,
    private readonly refused: readonly string[],
  ) {
    super([]);
  }
  private answer(kind: 'ids' | 'list', entities: GenesysUser[], expand: string[] = []) {
    this.asked.push({ kind, size: entities.length, expand });
    if (expand.some((e) => this.refused.includes(e))) return fail('invalid', 400);
    const skills = expand.includes('skills') ? { skills: [] } : {};
    return ok({
      entities: entities.map((u) => ({ ...u, ...skills })),
      total: this.directory,
      pageCount: Math.ceil(this.directory / LIST_PAGE_SIZE),
    } as UserEntityListing);
  }
  override async getUsersByIds(ids: string[] = [], opts?: { expand?: string[] }) {
    return this.answer(
      'ids',
      ids.map((id) => user({ id })),
      opts?.expand,
    );
  }
  override async listUsers(
    opts = { pageNumber: 1, pageSize: LIST_PAGE_SIZE } as { pageNumber: number; pageSize: number; expand?: string[] },
  ) {
    const from = (opts.pageNumber - 1) * opts.pageSize;
    const n = Math.max(0, Math.min(opts.pageSize, this.directory - from));
    return this.answer(
      'list',
      Array.from({ length: n }, (_, i) => user({ id: `u-${from + i}` })),
      opts.expand,
    );
  }
}

describe('resolveUsers, carrying expansions', () => {
  const ids = (n: number) => new Set(Array.from({ length: n }, (_, i) => `u-${i}`));

  it('asks for them on the reads by id and the listing, so that the users come with them', async () => {
    for (const [rows, kind] of [
      [150, 'ids'],
      [1200, 'list'],
    ] as const) {
      const users = new ExpandingUsers(1500, []);
      const carry = { expand: ['skills'], refused: false };
      const { index } = await resolveUsers(
        { users, executor: passThrough, carry },
        ids(rows),
        new Set(),
        new UserIndex(undefined, ids(rows)),
      );
      expect(users.asked.filter((a) => a.kind === kind).length).toBeGreaterThan(0);
      expect(users.asked.every((a) => a.expand.join() === 'skills')).toBe(true);
      expect([...index.byId.values()].every((u) => Array.isArray((u as { skills?: unknown }).skills))).toBe(true);
      expect(carry.refused).toBe(false);
    }
  });

  it('a platform that refuses them (400) is asked again without them, in the same size, once', async () => {
    const users = new ExpandingUsers(1500, ['skills']);
    const carry = { expand: ['skills'], refused: false };
    const { index } = await resolveUsers(
      { users, executor: passThrough, carry },
      ids(150),
      new Set(),
      new UserIndex(undefined, ids(150)),
    );
    expect(index.size).toBe(150);
    expect(carry.refused).toBe(true);
    // Two batches of 100 and 50 in flight together: each refused at most once, then read whole without the skills.
    const refused = users.asked.filter((a) => a.expand.length > 0);
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.length).toBeLessThanOrEqual(2);
    expect(
      users.asked
        .filter((a) => a.expand.length === 0)
        .map((a) => a.size)
        .sort(),
    ).toEqual([100, 50].sort());

    const listed = new ExpandingUsers(1500, ['skills']);
    const listCarry = { expand: ['skills'], refused: false };
    await resolveUsers(
      { users: listed, executor: passThrough, carry: listCarry },
      ids(1200),
      new Set(),
      new UserIndex(undefined, ids(1200)),
    );
    // Page 1 refused, then every page in the platform's largest size, without the skills.
    expect(listed.asked[0]).toEqual({ kind: 'list', size: LIST_PAGE_SIZE, expand: ['skills'] });
    expect(listed.asked.slice(1).map((a) => [a.kind, a.size, a.expand.length])).toEqual([
      ['list', LIST_PAGE_SIZE, 0],
      ['list', LIST_PAGE_SIZE, 0],
      ['list', LIST_PAGE_SIZE, 0],
    ]);
  });
});

describe('resolveUsers, choosing between searches and the listing', () => {
  /** 1,500 users, u-<n> with user<n>@example.com, 3 pages of 500; no search finds anyone. */
  const directory = () => {
    const users = new ExpandingUsers(1500, []);
    const list = users.listUsers.bind(users);
    users.listUsers = async (opts) => {
      const page = await list(opts);
      if (page.ok) for (const u of page.body.entities) u.email = `user${u.id.slice(2)}@example.com`;
      return page;
    };
    users.searchUsers = async () => ok({ total: 0, pageCount: 0, results: [] } as unknown as UsersSearchResponse);
    return users;
  };
  // 100 on page 1 and 150 beyond it: 3 searches, so page 1 is probed; then 2 searches or 2 more pages.
  const emails = new Set([
    ...Array.from({ length: 100 }, (_, i) => `user${i}@example.com`),
    ...Array.from({ length: 150 }, (_, i) => `user${500 + i}@example.com`),
  ]);

  it('counts a search twice when the reads carry expansions: its users would be read again by id for them', async () => {
    const plain = directory();
    const bare = await resolveUsers({ users: plain, executor: passThrough }, new Set(), emails, new UserIndex());
    expect(bare.cost.strategy).toBe('by-key');
    expect(plain.asked.filter((a) => a.kind === 'list')).toHaveLength(1);

    const carrying = directory();
    const carry = { expand: ['skills'], refused: false };
    const { cost } = await resolveUsers(
      { users: carrying, executor: passThrough, carry },
      new Set(),
      emails,
      new UserIndex(),
    );
    // 2 more pages, with the skills, against 2 searches and 2 reads by id of the users found.
    expect(cost.strategy).toBe('full-listing');
    expect(carrying.asked.filter((a) => a.kind === 'list')).toHaveLength(3);
  });
});
