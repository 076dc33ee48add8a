/**
 * API economy, asserted from what the emulator saw: reads are batched, unchanged rows cost no write, and a file
 * that covers most of the directory reads it by listing rather than by key.
 *
 * The emulator's `requests` counts every request it handled except its own /__emulator admin routes: the token
 * request (POST /oauth/token) IS counted, and so is every 429 or failed request.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type Sandbox, sandbox } from './harness.js';
import {
  csv,
  GET_ONE_ROUTE,
  LIST_ROUTE,
  PATCH_ROUTE,
  patchRequests,
  routeCount,
  SEARCH_GET_ROUTE,
  SEARCH_ROUTE,
  TOKEN_ROUTES,
  writeInput,
} from './helpers.js';

/** Platform page and batch sizes the CLI is expected to use (documented maxima of the Users API). */
const LIST_PAGE_MAX = 500;
const IDS_PER_GET = 100;

let box: Sandbox | undefined;
afterEach(async () => {
  await box?.close();
  box = undefined;
});

describe('API economy', () => {
  it('1,000 rows by email on a 5,000-user directory: ≤ 925 requests in all, exactly the 900 real changes written', async () => {
    box = await sandbox({ users: 5000, seed: 5 });
    const b = box;
    const candidates = b.emulator.users().filter((u) => u.state === 'active' && u.email && u.title);
    expect(candidates.length).toBeGreaterThanOrEqual(1000);
    // Spread over the directory, not just its first page.
    const step = Math.floor(candidates.length / 1000);
    const picked = Array.from({ length: 1000 }, (_, i) => candidates[i * step]!);
    const changing = picked.filter((_, i) => i % 10 !== 0);
    const same = picked.filter((_, i) => i % 10 === 0);
    expect(changing).toHaveLength(900);
    expect(same).toHaveLength(100);
    const newTitle = new Map(changing.map((u, i) => [u.id, `E2E Economy Title ${i}`]));
    const file = await writeInput(
      b,
      'economy.csv',
      csv([['email', 'title'], ...picked.map((u) => [u.email!, newTitle.get(u.id) ?? u.title!])]),
    );

    const r = await b.cli(['update', file, '--yes', '--no-progress'], { timeoutMs: 50_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('900 updated');
    expect(r.stderr).toContain('100 unchanged');

    const s = b.emulator.stats();
    // Every request the emulator saw, the token request included.
    const tokenRequests = TOKEN_ROUTES.reduce((n, route) => n + routeCount(s, route), 0);
    expect(tokenRequests).toBeGreaterThanOrEqual(1);
    expect(s.requests).toBeLessThanOrEqual(925);
    expect(
      Object.values(s.byRoute).reduce((n, byStatus) => n + Object.values(byStatus).reduce((a, c) => a + c, 0), 0),
    ).toBe(s.requests);
    expect(s.rateLimited).toBe(0);
    expect(s.patchesApplied).toBe(900);
    expect(patchRequests(s)).toBe(900);
    expect(s.byRoute[PATCH_ROUTE]).toEqual({ 200: 900 });
    for (const u of changing) expect(s.patchesByUser[u.id], u.email).toBe(1);
    for (const u of same) expect(s.patchesByUser[u.id], u.email).toBeUndefined();

    for (const u of changing) {
      const after = b.emulator.user(u.id)!;
      expect(after.title).toBe(newTitle.get(u.id));
      expect({ ...after, title: u.title, version: u.version }).toEqual(u);
    }
    for (const u of same) expect(b.emulator.user(u.id)).toEqual(u);
    // No runtime noise on a long run (an abort listener per queued request once tripped MaxListenersExceededWarning).
    expect(r.stderr).not.toMatch(/\(node:\d+\) \w*Warning/);
  }, 60_000);

  it('ids covering most of a 1,200-user directory are read by listing it: fewer read calls than by id', async () => {
    box = await sandbox({ users: 1200, seed: 6 });
    const b = box;
    const all = b.emulator.users();
    // Active and inactive users alike: 1,100 of the 1,200.
    const picked = all.slice(0, 1100);
    const file = await writeInput(
      b,
      'most.csv',
      csv([['id', 'department'], ...picked.map((u) => [u.id, `E2E Listing ${u.department ?? ''}`.trim()])]),
    );

    const r = await b.cli(['update', file, '--dry-run', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const plan = JSON.parse(r.stdout) as { rows: { userId: string | null; status: string }[] };
    expect(plan.rows).toHaveLength(1100);
    expect(plan.rows.every((p) => p.status === 'planned')).toBe(true);
    expect(plan.rows.map((p) => p.userId)).toEqual(picked.map((u) => u.id));

    const s = b.emulator.stats();
    const byIdCalls = Math.ceil(picked.length / IDS_PER_GET); // 11
    const listingCalls = Math.ceil(all.length / LIST_PAGE_MAX); // 3
    const reads =
      routeCount(s, LIST_ROUTE) +
      routeCount(s, GET_ONE_ROUTE) +
      routeCount(s, SEARCH_ROUTE) +
      routeCount(s, SEARCH_GET_ROUTE);
    expect(reads).toBe(listingCalls);
    expect(reads).toBeLessThan(byIdCalls);
    expect(routeCount(s, LIST_ROUTE)).toBe(listingCalls);
    expect(patchRequests(s)).toBe(0);
  });

  it('a small file on the same directory is read by key, without listing it', async () => {
    box = await sandbox({ users: 1200, seed: 6 });
    const b = box;
    const picked = b.emulator
      .users()
      .filter((u) => u.email)
      .slice(0, 150);
    const file = await writeInput(
      b,
      'few.csv',
      csv([['email', 'department'], ...picked.map((u) => [u.email!, 'E2E Few'])]),
    );
    const r = await b.cli(['update', file, '--dry-run', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const s = b.emulator.stats();
    // 150 emails: two searches of at most 100; a listing (3 pages) would not be cheaper.
    expect(routeCount(s, SEARCH_ROUTE) + routeCount(s, SEARCH_GET_ROUTE)).toBe(2);
    expect(routeCount(s, LIST_ROUTE)).toBe(0);
    expect(routeCount(s, GET_ONE_ROUTE)).toBe(0);
  });
  it('a manager who is also a row, read by id after the listing probe, is found: 2 reads, no row "not found"', async () => {
    box = await sandbox({ users: 1500, seed: 5 });
    const b = box;
    // The listing's order (by name, case-insensitive, then id; state=any): page 1 of 500 is probed first.
    const listed = b.emulator
      .users()
      .map((u) => ({ key: (u.name ?? '').toLowerCase(), u }))
      .sort((x, y) => (x.key !== y.key ? (x.key < y.key ? -1 : 1) : x.u.id < y.u.id ? -1 : 1))
      .map((x) => x.u);
    const onPage1 = new Set(listed.slice(0, LIST_PAGE_MAX).map((u) => u.id));
    const byId = new Map(listed.map((u) => [u.id, u]));
    const live = (id: string | undefined) => (id ? byId.get(id)?.state === 'active' : false);
    // Page-1 users whose manager is on a later page, and those managers as rows of their own: 3+ calls by key, so the
    // probe is read, and the managers are left to one read by id.
    const managed = listed.filter((u) => onPage1.has(u.id) && live(u.manager?.id) && !onPage1.has(u.manager!.id));
    const managers = [...new Set(managed.map((u) => u.manager!.id))].map((id) => byId.get(id)!);
    expect(managers.length).toBeGreaterThan(0);
    expect(managers.length).toBeLessThanOrEqual(IDS_PER_GET);
    const others = listed.filter((u) => onPage1.has(u.id) && u.state === 'active' && !managed.includes(u));
    const rows = [...managed, ...others.slice(0, Math.max(0, 250 - managed.length)), ...managers];
    expect(rows.length).toBeGreaterThan(2 * IDS_PER_GET);
    const file = await writeInput(
      b,
      'managers.csv',
      csv([['id', 'title', 'manager'], ...rows.map((u) => [u.id, u.title ?? '<clear>', u.manager?.id ?? '<clear>'])]),
    );

    const r = await b.cli(['update', file, '--dry-run', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const plan = JSON.parse(r.stdout) as { rows: { key: string; status: string }[] };
    expect(plan.rows.filter((p) => p.status !== 'unchanged')).toEqual([]);
    // The probe (page 1) and one read of the managers by id.
    expect(routeCount(b.emulator.stats(), LIST_ROUTE)).toBe(2);
  });

  it('under a tight rate limit, every change still lands exactly once and rate-limited requests stay few', async () => {
    box = await sandbox({ users: 200, limit: 20, windowSeconds: 1 });
    const b = box;
    const picked = b.emulator
      .users()
      .filter((u) => u.state === 'active' && u.email)
      .slice(0, 60);
    const file = await writeInput(
      b,
      'tight.csv',
      csv([['email', 'title'], ...picked.map((u, i) => [u.email!, `E2E Tight ${i}`])]),
    );
    const r = await b.cli(['update', file, '--yes'], { timeoutMs: 50_000 });
    expect(r.code, r.stderr).toBe(0);
    const s = b.emulator.stats();
    expect(s.patchesApplied).toBe(60);
    for (const u of picked) expect(s.patchesByUser[u.id], u.email).toBe(1);
    picked.forEach((u, i) => {
      expect(b.emulator.user(u.id)?.title).toBe(`E2E Tight ${i}`);
    });
    // Reads, writes and the token: about 62 requests; 429s are retried, but pacing keeps them rare.
    expect(s.rateLimited).toBeLessThanOrEqual(10);
    expect(s.requests - s.rateLimited).toBeLessThanOrEqual(63);
  }, 50_000);
});
