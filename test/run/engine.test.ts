import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ApiOutcome, GenesysUser, UserPatch } from '../../src/genesys/types.js';
import { createGovernor } from '../../src/governor/index.js';
import { createLogger } from '../../src/log.js';
import { applyPatch } from '../../src/plan/index.js';
import { applyAll, type WorkItem } from '../../src/run/engine.js';
import { Journal, readJournal } from '../../src/run/journal.js';
import { ok, ScriptedUsers, user } from './fakes.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'genesys-bulk-engine-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const progress = { start() {}, update() {}, stop() {} };
const log = createLogger({ level: 'silent' });

function items(n: number): WorkItem[] {
  return Array.from({ length: n }, (_, i) => ({
    rowNumber: i + 1,
    user: user({ id: `u-${i + 1}` }),
    changes: { title: `Title ${i + 1}` },
  }));
}

/** PATCHes that apply after `ms`, and a hook on each start. */
function slowUsers(ms: number, onStart: (n: number) => void) {
  const state = new Map<string, GenesysUser>();
  const patch = (id: string, p: UserPatch, n: number) => {
    onStart(n);
    return new Promise<ApiOutcome<GenesysUser>>((resolve) =>
      setTimeout(() => {
        const next = applyPatch(state.get(id) ?? user({ id }), p);
        state.set(id, next);
        resolve(ok(next));
      }, ms),
    );
  };
  return new ScriptedUsers(Array(100).fill(patch));
}

describe('applyAll and a stop', () => {
  it('lets the write in flight finish and journal its outcome; starts no other and journals no intent for it', async () => {
    const stop = new AbortController();
    const users = slowUsers(150, (n) => {
      if (n === 0) setTimeout(() => stop.abort(), 20);
    });
    const journal = await Journal.open(join(dir, 'journal.jsonl'));
    const results = await applyAll(
      {
        users,
        governor: createGovernor({ maxConcurrency: 2, initialRatePerSecond: 5 }),
        journal,
        managerId: () => undefined,
        progress,
        log,
        stopSignal: stop.signal,
        maxConcurrency: 2,
      },
      items(6),
      { rateLimited: 0, retries: 0 },
    );
    await journal.close();

    expect(users.patches).toHaveLength(1);
    expect(results.get(1)).toMatchObject({ status: 'updated' });
    for (const row of [2, 3, 4, 5, 6]) expect(results.get(row)).toEqual({ interrupted: true, inFlight: false });
    expect((await readJournal(dir)).map((r) => `${r.t}:${r.row}`)).toEqual(['intent:1', 'outcome:1']);
  });

  it('when the drain times out, reports the row still out as in flight', async () => {
    const stop = new AbortController();
    const users = slowUsers(400, (n) => {
      if (n === 0) setTimeout(() => stop.abort(), 20);
    });
    const journal = await Journal.open(join(dir, 'journal.jsonl'));
    const results = await applyAll(
      {
        users,
        governor: createGovernor({ maxConcurrency: 2, initialRatePerSecond: 5 }),
        journal,
        managerId: () => undefined,
        progress,
        log,
        stopSignal: stop.signal,
        maxConcurrency: 2,
        drainTimeoutMs: 50,
      },
      items(3),
      { rateLimited: 0, retries: 0 },
    );
    await journal.close();
    expect(results.get(1)).toEqual({ interrupted: true, inFlight: true });
    expect(results.get(2)).toEqual({ interrupted: true, inFlight: false });
    expect((await readJournal(dir)).map((r) => `${r.t}:${r.row}`)).toEqual(['intent:1']);
    // Let the abandoned request end before the folder goes.
    await new Promise((resolve) => setTimeout(resolve, 450));
  });

  it('without a stop, applies every item and journals an outcome after each intent', async () => {
    const users = slowUsers(5, () => {});
    const journal = await Journal.open(join(dir, 'journal.jsonl'));
    const results = await applyAll(
      {
        users,
        governor: createGovernor({ maxConcurrency: 4, initialRatePerSecond: 200 }),
        journal,
        managerId: () => undefined,
        progress,
        log,
        maxConcurrency: 4,
      },
      items(20),
      { rateLimited: 0, retries: 0 },
    );
    await journal.close();
    expect([...results.values()].every((r) => 'status' in r && r.status === 'updated')).toBe(true);
    const records = await readJournal(dir);
    for (let row = 1; row <= 20; row++) {
      const i = records.findIndex((r) => r.t === 'intent' && r.row === row);
      const o = records.findIndex((r) => r.t === 'outcome' && r.row === row);
      expect(i, `row ${row}`).toBeGreaterThanOrEqual(0);
      expect(o, `row ${row}`).toBeGreaterThan(i);
    }
  });

  it('runs the collection after every `every` settled writes, and at no other time', async () => {
    const users = slowUsers(5, () => {});
    const journal = await Journal.open(join(dir, 'journal.jsonl'));
    let runs = 0;
    const results = await applyAll(
      {
        users,
        governor: createGovernor({ maxConcurrency: 2, initialRatePerSecond: 200 }),
        journal,
        managerId: () => undefined,
        progress,
        log,
        maxConcurrency: 2,
        collect: {
          every: 3,
          run: async () => {
            runs++;
          },
        },
      },
      items(10),
      { rateLimited: 0, retries: 0 },
    );
    await journal.close();
    expect(results.size).toBe(10);
    // After the 3rd, 6th and 9th of 10.
    expect(runs).toBe(3);
  });
});
