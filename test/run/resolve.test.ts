import { describe, expect, it } from 'vitest';
import type { ApiOutcome, UserEntityListing } from '../../src/genesys/types.js';
import { LIST_PAGE_SIZE, resolveUsers, UserIndex } from '../../src/run/resolve.js';
import { ok, passThrough, ScriptedUsers, user } from './fakes.js';

/** A directory of `pages` full listing pages. */
class ListedUsers extends ScriptedUsers {
  constructor(private readonly pages: number) {
    super([]);
  }
  override async listUsers(query?: { pageNumber?: number }): Promise<ApiOutcome<UserEntityListing>> {
    const page = query?.pageNumber ?? 1;
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
});
