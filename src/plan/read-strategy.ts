export interface ReadLimits {
  /** Ids per GET /api/v2/users?id=…&id=… */
  idsPerGet: number;
  /** Emails per POST /api/v2/users/search. */
  emailsPerSearch: number;
  /** Users per page of GET /api/v2/users. */
  listPageSize: number;
}

export const DEFAULT_READ_LIMITS: ReadLimits = { idsPerGet: 100, emailsPerSearch: 100, listPageSize: 500 };

/** Splits items into consecutive chunks of `size` (the last one may be shorter), preserving order. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  assertPositive('size', size);
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

function assertPositive(name: string, n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`${name} must be a positive integer, got ${n}`);
}
