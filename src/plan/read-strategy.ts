export interface ReadLimits {
  /** Ids per GET /api/v2/users?id=…&id=… */
  idsPerGet: number;
  /** Emails per POST /api/v2/users/search. */
  emailsPerSearch: number;
  /** Users per page of GET /api/v2/users. */
  listPageSize: number;
}

export const DEFAULT_READ_LIMITS: ReadLimits = { idsPerGet: 100, emailsPerSearch: 100, listPageSize: 500 };

export type ReadStrategy = { kind: 'by-key'; calls: number } | { kind: 'full-listing'; calls: number };

/**
 * The cheaper way, in API calls, to read the users a file names: by key, or by listing the whole directory.
 * Listing is only chosen when the directory's size is known and it takes strictly fewer calls: on a tie, reading
 * by key brings only the users the file needs.
 */
export function chooseReadStrategy(
  input: { ids: number; emails: number; directorySize?: number },
  limits: ReadLimits = DEFAULT_READ_LIMITS,
): ReadStrategy {
  assertCount('ids', input.ids);
  assertCount('emails', input.emails);
  assertPositive('idsPerGet', limits.idsPerGet);
  assertPositive('emailsPerSearch', limits.emailsPerSearch);
  assertPositive('listPageSize', limits.listPageSize);
  const byKey = Math.ceil(input.ids / limits.idsPerGet) + Math.ceil(input.emails / limits.emailsPerSearch);
  if (input.directorySize === undefined) return { kind: 'by-key', calls: byKey };
  assertCount('directorySize', input.directorySize);
  // An empty directory still takes one call to find out that it is empty.
  const listing = Math.max(1, Math.ceil(input.directorySize / limits.listPageSize));
  return listing < byKey ? { kind: 'full-listing', calls: listing } : { kind: 'by-key', calls: byKey };
}

/** Splits items into consecutive chunks of `size` (the last one may be shorter), preserving order. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  assertPositive('size', size);
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

function assertCount(name: string, n: number): void {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`${name} must be a non-negative integer, got ${n}`);
}

function assertPositive(name: string, n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`${name} must be a positive integer, got ${n}`);
}
