/**
 * Paging through the platform's listings. They do not all say the same of the pages to come: users and groups give a
 * `pageCount`, queue members only a `nextUri`, a search its `total`, and what another implementation of the platform
 * gives is unconfirmed. A page that says nothing must not end a read that has more: at worst, a full last page costs
 * one more read, which comes back empty.
 */

/** What paging reads of a page (each field as the platform may or may not send it). */
export interface ListingPage {
  pageCount?: unknown;
  nextUri?: unknown;
  total?: unknown;
  pageSize?: unknown;
}

/**
 * Whether pages follow page `pageNumber`, served `pageSize` a page, which held `count` entities: by its `pageCount`;
 * else by its `nextUri`; else by its `total`; else by its being full.
 */
export function morePages(page: ListingPage, pageNumber: number, pageSize: number, count: number): boolean {
  if (count === 0) return false;
  if (typeof page.pageCount === 'number') return pageNumber < page.pageCount;
  if (typeof page.nextUri === 'string' && page.nextUri !== '') return true;
  if (typeof page.total === 'number') return pageNumber * pageSize < page.total;
  return count >= pageSize;
}

/** The page size a page was served in: the size asked, or less when the platform cut it to its maximum. */
export function servedSize(page: ListingPage, count: number, asked: number): number {
  const reported = page.pageSize;
  if (typeof reported === 'number' && Number.isInteger(reported) && reported > 0 && reported < asked) return reported;
  // A page short of the size asked while more remain was cut, though the page did not say so.
  if (count > 0 && count < asked && typeof page.total === 'number' && page.total > count) return count;
  return asked;
}

/**
 * What the pages of a listing said against what they held: each user is written once (a user added or removed while
 * the pages are read moves the others by one place, so one can come on two pages, or on none), and a total that
 * changed or was not reached is reported.
 */
export class ListingCheck {
  private readonly seen = new Set<string>();
  private repeated = 0;
  private totals: number[] = [];

  /** The users of a page not seen on an earlier one. */
  fresh<U extends { id: string }>(users: readonly U[]): U[] {
    return users.filter((u) => {
      const id = u.id.toLowerCase();
      if (!this.seen.has(id)) return this.seen.add(id);
      this.repeated++;
      return false;
    });
  }

  total(value: unknown): void {
    if (typeof value === 'number' && Number.isInteger(value) && value !== this.totals.at(-1)) this.totals.push(value);
  }

  problem(): string | undefined {
    const last = this.totals.at(-1);
    const said = [
      ...(this.totals.length > 1 ? [`its total went from ${this.totals[0]} to ${last}`] : []),
      ...(this.repeated > 0
        ? [`${this.repeated} ${this.repeated === 1 ? 'user' : 'users'} came on two pages, written once`]
        : []),
      ...(last !== undefined && this.seen.size < last ? [`it said ${last} users, ${this.seen.size} were listed`] : []),
    ];
    return said.length > 0 ? said.join('; ') : undefined;
  }
}
