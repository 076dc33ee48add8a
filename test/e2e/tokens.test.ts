/**
 * `--tokens N` (issue #12) end to end: the CLI in-process, over real HTTP through the SDK, against the emulator, which
 * counts each token's requests (`stats().byToken`, keyed by the order tokens were issued in).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { type Sandbox, sandbox } from './harness.js';
import { activeUsers, csv, logRecords, PATCH_ROUTE, writeInput } from './helpers.js';

let box: Sandbox | undefined;
afterEach(async () => {
  await box?.close();
  box = undefined;
});

/** A title change for the first `n` active users. */
async function titleFile(b: Sandbox, n: number, tag: string): Promise<{ path: string; ids: string[] }> {
  const users = activeUsers(b).slice(0, n);
  expect(users).toHaveLength(n);
  const path = await writeInput(b, `${tag}.csv`, csv([['id', 'title'], ...users.map((u) => [u.id, `${tag} ${u.id}`])]));
  return { path, ids: users.map((u) => u.id) };
}

/** `update path --tokens 3`, doing `act` once token 2 has made 5 requests (looked at every `pollMs`). */
async function updateWithThreeTokens(b: Sandbox, path: string, pollMs: number, act: () => void) {
  const watcher = setInterval(() => {
    if ((b.emulator.stats().byToken['2']?.requests ?? 0) >= 5) {
      clearInterval(watcher);
      act();
    }
  }, pollMs);
  try {
    return await b.cli(['update', path, '--yes', '--no-progress', '--tokens', '3']);
  } finally {
    clearInterval(watcher);
  }
}

function expectTitles(emulator: RunningEmulator, ids: string[], tag: string): void {
  const wrong = ids.filter((id) => emulator.user(id)?.title !== `${tag} ${id}`);
  expect(wrong).toEqual([]);
}

describe('--tokens', () => {
  it('--tokens 3 logs in three times and spreads the requests over the three tokens', async () => {
    box = await sandbox({ users: 200, limit: 10, windowSeconds: 1 });
    const { path, ids } = await titleFile(box, 90, 'Three');
    const r = await box.cli(['update', path, '--yes', '--no-progress', '--tokens', '3']);
    expect(r.code, r.stderr).toBe(0);
    expectTitles(box.emulator, ids, 'Three');
    const s = box.emulator.stats();
    expect(s.tokensIssued).toBe(3);
    const counts = Object.values(s.byToken).map((c) => c.requests);
    expect(counts).toHaveLength(3);
    const total = counts.reduce((a, b) => a + b, 0);
    // Spread: each token carries at least a fifth of the requests.
    for (const n of counts) expect(n).toBeGreaterThanOrEqual(total / 5);
    expect(r.stderr).not.toContain(box.env.GENESYS_CLIENT_SECRET);
  });

  it('GENESYS_TOKENS does the same; the default is one token', async () => {
    box = await sandbox({ users: 50 });
    const first = await titleFile(box, 10, 'Env');
    const r = await box.cli(['update', first.path, '--yes', '--no-progress'], { env: { GENESYS_TOKENS: '2' } });
    expect(r.code, r.stderr).toBe(0);
    expect(box.emulator.stats().tokensIssued).toBe(2);
    box.emulator.reset();
    const second = await titleFile(box, 10, 'Default');
    const d = await box.cli(['update', second.path, '--yes', '--no-progress']);
    expect(d.code, d.stderr).toBe(0);
    expect(box.emulator.stats().tokensIssued).toBe(1);
  });

  it.each([['0'], ['21'], ['two']])('--tokens %s is a usage error: exit 2, nothing sent', async (value) => {
    box = await sandbox({ users: 10 });
    const { path } = await titleFile(box, 2, 'Bad');
    const r = await box.cli(['update', path, '--yes', '--no-progress', '--tokens', value]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`Invalid number of tokens "${value}" (--tokens): give a whole number from 1 to 20.`);
    expect(box.emulator.stats().requests).toBe(0);
  });

  it('a token endpoint that issues 2 tokens a second (its figure is unconfirmed): --tokens 5 waits out its 429s and logs in five times', async () => {
    box = await sandbox({ users: 100, tokenIssueLimit: 2, tokenIssueWindowSeconds: 1 });
    const { path, ids } = await titleFile(box, 30, 'Issued');
    const r = await box.cli(['update', path, '--yes', '--no-progress', '--tokens', '5']);
    expect(r.code, r.stderr).toBe(0);
    expectTitles(box.emulator, ids, 'Issued');
    const s = box.emulator.stats();
    expect(s.tokensIssued).toBe(5);
    expect(s.tokenIssueRefused).toBeGreaterThan(0);
    // Each wait is said, with the token it holds (by number): the endpoint's Retry-After can be a minute.
    expect(r.stderr).toContain(
      'The token endpoint refused token 3 of 5 for now (its own limit, HTTP 429): waiting 1 s',
    );
  });

  it.each([['0'], ['-1'], ['abc'], ['1.0'], ['0x10'], ['1e9'], ['99999999999999999999']])(
    '--max-concurrency %s is a usage error: exit 2, nothing sent',
    async (value) => {
      box = await sandbox({ users: 10 });
      const { path } = await titleFile(box, 2, 'Bad');
      const r = await box.cli(['update', path, '--yes', '--no-progress', '--max-concurrency', value]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`--max-concurrency must be a positive integer, got "${value}".`);
      expect(box.emulator.stats().requests).toBe(0);
    },
  );

  it("a 429 on one token's lane pauses that lane only: the others finish the run meanwhile", async () => {
    // A Retry-After of two minutes on token 2: had every lane waited for it, the run would outlast the test's bound.
    box = await sandbox({ users: 200, limit: 20, windowSeconds: 1 });
    const emulator = box.emulator;
    const { path, ids } = await titleFile(box, 120, 'Lane');
    // Someone else spends token 2's quota: from now on it allows nothing for two minutes.
    const r = await updateWithThreeTokens(box, path, 5, () => emulator.setTokenLimit(2, 1, 120));
    expect(r.code, r.stderr).toBe(0);
    expectTitles(emulator, ids, 'Lane');
    const s = emulator.stats();
    expect(s.byToken['2']?.rateLimited).toBeGreaterThanOrEqual(1);
    // After its 429, token 2 got at most the requests already in flight.
    expect(s.byToken['2']?.rateLimited).toBeLessThanOrEqual(5);
    expect((s.byToken['1']?.requests ?? 0) + (s.byToken['3']?.requests ?? 0)).toBeGreaterThan(100);
  }, 60_000);

  it('a 429 from a limit above the tokens stops every lane for its Retry-After, not only the lane that got it', async () => {
    // Six lanes of 10/s (60/s) under 100 per 5 s (20/s) on all of them together: each window ends early, and a
    // lane left going after another's 429 would meet one of its own (six or more per window).
    box = await sandbox({ users: 300, limit: 10, windowSeconds: 1, orgLimit: 100, orgWindowSeconds: 5 });
    const { path, ids } = await titleFile(box, 200, 'Org');
    const r = await box.cli(['update', path, '--yes', '--no-progress', '--tokens', '6']);
    expect(r.code, r.stderr).toBe(0);
    expectTitles(box.emulator, ids, 'Org');
    const s = box.emulator.stats();
    expect(s.orgRateLimited).toBeGreaterThan(0);
    expect(s.orgRateLimited).toBeLessThanOrEqual(6);
  }, 60_000);

  it("a token revoked mid-run whose lane cannot log in again (the endpoint's limit is spent for an hour): its requests go on the other lanes, each row written once", async () => {
    box = await sandbox({ users: 200, limit: 20, windowSeconds: 1, tokenIssueLimit: 3, tokenIssueWindowSeconds: 3600 });
    const emulator = box.emulator;
    const { path, ids } = await titleFile(box, 120, 'Revoked');
    const r = await updateWithThreeTokens(box, path, 2, () => emulator.revokeToken(2));
    expect(r.code, r.stderr).toBe(0);
    expectTitles(emulator, ids, 'Revoked');
    const s = emulator.stats();
    expect(s.unauthorized).toBeGreaterThanOrEqual(1);
    expect(s.tokenIssueRefused).toBeGreaterThanOrEqual(1);
    expect(s.patchesApplied).toBe(120);
  }, 60_000);

  it('each lane renews its own token before it expires: no request meets an expired token', async () => {
    box = await sandbox({ users: 200, limit: 10, windowSeconds: 1, tokenLifetimeSeconds: 3 });
    const { path, ids } = await titleFile(box, 150, 'Renew');
    const r = await box.cli(['update', path, '--yes', '--no-progress', '--tokens', '2']);
    expect(r.code, r.stderr).toBe(0);
    expectTitles(box.emulator, ids, 'Renew');
    const s = box.emulator.stats();
    // About 8 s of run on 3 s tokens: each lane renewed at least once, and none sent with an expired token.
    expect(s.tokensIssued).toBeGreaterThanOrEqual(4);
    expect(s.unauthorized).toBe(0);
    // Each renewal is said, naming its token by number.
    expect(r.stderr).toContain('Logged in again (token 1 of 2), before the token expired');
    expect(r.stderr).toContain('Logged in again (token 2 of 2), before the token expired');
    // The number is a field of its own too (a field named token would be redacted as a secret).
    const renewals = logRecords(r.stderr).filter((l) => String(l.msg).startsWith('Logged in again'));
    expect(new Set(renewals.map((l) => l.tokenNumber))).toEqual(new Set([1, 2]));
  }, 60_000);

  it("keeps one user's writes in order: a profile PATCH and its state PATCH never overlap (no 409)", async () => {
    box = await sandbox({ users: 200, limit: 20, windowSeconds: 1 });
    const users = activeUsers(box).slice(0, 60);
    const path = await writeInput(
      box,
      'order.csv',
      csv([['id', 'title', 'state'], ...users.map((u) => [u.id, `Order ${u.id}`, 'inactive'])]),
    );
    const r = await box.cli(['update', path, '--yes', '--no-progress', '--tokens', '4']);
    expect(r.code, r.stderr).toBe(0);
    const s = box.emulator.stats();
    expect(s.byRoute[PATCH_ROUTE]?.['409'] ?? 0).toBe(0);
    for (const u of users) {
      expect(s.patchesByUser[u.id]).toBe(2);
      expect(box.emulator.user(u.id)).toMatchObject({ title: `Order ${u.id}`, state: 'inactive' });
    }
    expect(Object.keys(s.byToken)).toHaveLength(4);
  }, 60_000);
});

describe('--tokens on a small run', () => {
  it('obtains no more tokens than its rows can use (one per 5 rows): --tokens 20 on 3 rows logs in once', async () => {
    box = await sandbox({ users: 60 });
    const small = await titleFile(box, 3, 'Small');
    const r = await box.cli(['update', small.path, '--yes', '--tokens', '20']);
    expect(r.code, r.stderr).toBe(0);
    expectTitles(box.emulator, small.ids, 'Small');
    expect(box.emulator.stats().tokensIssued).toBe(1);
    expect(logRecords(r.stderr).map((l) => l.msg)).toContain(
      'Using 1 of the 20 tokens asked for: 3 row(s) of work need no more (one per 5 rows)',
    );
    box.emulator.reset();
    const more = await titleFile(box, 12, 'More');
    const m = await box.cli(['update', more.path, '--yes', '--no-progress', '--tokens', '20']);
    expect(m.code, m.stderr).toBe(0);
    expect(box.emulator.stats().tokensIssued).toBe(3);
    // A rollback counts the users it restores.
    box.emulator.reset();
    const runId = /\(run (\d{8}-\d{6}-[0-9a-f]{6})\)/.exec(m.stderr)?.[1] as string;
    const back = await box.cli(['rollback', runId, '--yes', '--no-progress', '--tokens', '20']);
    expect(back.code, back.stderr).toBe(0);
    expect(box.emulator.stats().tokensIssued).toBe(3);
  });
});
