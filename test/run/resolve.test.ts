import { describe, expect, it } from 'vitest';
import type { ApiOutcome, UserEntityListing } from '../../src/genesys/types.js';
import type { Executor } from '../../src/run/ports.js';
import {
  LIST_PAGE_SIZE,
  LIST_PAGES_IN_FLIGHT,
  LIST_PAGES_IN_FLIGHT_TOKENS,
  resolveUsers,
  UserIndex,
} from '../../src/run/resolve.js';
import { ok, passThrough, ScriptedUsers, user } from './fakes.js';

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
