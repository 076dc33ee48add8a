/**
 * The code of the platform's 401 to an expired token is unconfirmed (`bad.credentials` is one report): a run whose
 * token dies mid-run must log in again and finish whatever the 401 says.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type Sandbox, sandbox } from './harness.js';
import { activeUsers, csv, writeInput } from './helpers.js';

let box: Sandbox | undefined;
afterEach(async () => {
  await box?.close();
  box = undefined;
});

const ROWS = 150;

describe('a token that expires mid-run', () => {
  it.each(['bad.credentials', 'authentication.required', 'token.expired'])(
    '401 %s: logs in again, every row written once, exit 0',
    async (expiredTokenCode) => {
      let now = 0;
      box = await sandbox({
        users: 250,
        tokenLifetimeSeconds: 3600,
        expiredTokenCode,
        latencyMs: [5, 15],
        clock: () => now,
      });
      const users = activeUsers(box).slice(0, ROWS);
      expect(users).toHaveLength(ROWS);
      const path = await writeInput(
        box,
        'titles.csv',
        csv([['id', 'title'], ...users.map((u) => [u.id, `T ${u.id}`])]),
      );
      // The emulator's clock jumps past the token's lifetime once the run is under way; the run's own clock does not.
      const expire = setInterval(() => {
        if (box!.emulator.stats().patchesApplied > 0) {
          now += 7200_000;
          clearInterval(expire);
        }
      }, 5);
      const r = await box.cli(['update', path, '--yes', '--no-progress'], { timeoutMs: 60_000 });
      clearInterval(expire);
      expect(r.code, r.stderr).toBe(0);
      expect(users.filter((u) => box!.emulator.user(u.id)?.title !== `T ${u.id}`)).toEqual([]);
      const stats = box.emulator.stats();
      expect(stats.unauthorized).toBeGreaterThan(0);
      expect(stats.tokensIssued).toBe(2);
      expect(stats.patchesApplied).toBe(ROWS);
    },
  );
});
