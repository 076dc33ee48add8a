/**
 * The `inin-ratelimit-*` headers are not to be counted on on a 429, nor on every deployment (unconfirmed): a run must
 * finish, every row written once, whether they come on every answer, on every answer but the 429s, or on none.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { EmulatorOptions } from '../../src/emulator/index.js';
import { type Sandbox, sandbox } from './harness.js';
import { activeUsers, csv, writeInput } from './helpers.js';

let box: Sandbox | undefined;
afterEach(async () => {
  await box?.close();
  box = undefined;
});

const ROWS = 60;

describe('rate-limit headers present or not', () => {
  it.each<[string, EmulatorOptions]>([
    ['on every answer', {}],
    ['on every answer but the 429s', { rateLimitHeadersOn429: false }],
    ['on no answer', { rateLimitHeaders: false }],
  ])('headers %s: every row written once, exit 0', async (_, headers) => {
    box = await sandbox({ users: 100, limit: 20, windowSeconds: 1, ...headers });
    const users = activeUsers(box).slice(0, ROWS);
    expect(users).toHaveLength(ROWS);
    const path = await writeInput(box, 'titles.csv', csv([['id', 'title'], ...users.map((u) => [u.id, `H ${u.id}`])]));
    // The limit is cut to 1 a second for 2 s once 10 rows are written (what the window counted stays counted), so that
    // the run meets 429s whatever its pacing knew; by the emulator's count, not the clock, so a slow start-up cannot
    // miss the cut.
    let cutAt: number | undefined;
    const watch = setInterval(() => {
      if (cutAt === undefined && box!.emulator.stats().patchesApplied >= 10) {
        cutAt = Date.now();
        box!.emulator.setLimit(1);
      } else if (cutAt !== undefined && Date.now() - cutAt >= 2000) {
        box!.emulator.setLimit(20);
        clearInterval(watch);
      }
    }, 10);
    const r = await box.cli(['update', path, '--yes', '--no-progress'], { timeoutMs: 60_000 }).finally(() => {
      clearInterval(watch);
    });
    expect(cutAt, 'the limit was cut mid-run').toBeDefined();
    expect(r.code, r.stderr).toBe(0);
    expect(users.filter((u) => box!.emulator.user(u.id)?.title !== `H ${u.id}`)).toEqual([]);
    const stats = box.emulator.stats();
    expect(stats.patchesApplied).toBe(ROWS);
    expect(stats.rateLimited).toBeGreaterThan(0);
    expect(stats.rateLimited).toBeLessThanOrEqual(6);
  });
});
