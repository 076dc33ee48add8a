/**
 * An update with routing (or location) columns lets the file's parsed rows go once the planner holds them as text
 * (issue #12): the lists of the rows with such columns, kept to the end of runUpdate, held every one of them through
 * the reads and the run (100,000 rows of `skills,queues`: some 35 MB of live heap, a third of the dry run's peak).
 * Counted with the inspector's queryObjects, which counts live objects only, at each request the run makes.
 */
import { Session } from 'node:inspector';
import { PassThrough, Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import type { GenesysUser } from '../../src/genesys/types.js';
import { TextStore } from '../../src/plan/index.js';
import { type Sandbox, sandbox } from '../e2e/harness.js';
import { activeUsers, csv, writeInput } from '../e2e/helpers.js';

/** Live objects shaped as a parsed row with routing or location changes (a planned row's key is a string). */
function parsedRowsAlive(): number {
  return liveObjects(
    'Object.prototype',
    `(o) => o !== null && typeof o === 'object' && 'rowNumber' in o && 'line' in o &&
      typeof o.key === 'object' && o.key !== null && typeof o.changes === 'object' && o.changes !== null &&
      (o.changes.routing !== undefined || o.changes.locations !== undefined)`,
  );
}

/** Live objects whose prototype is `prototype` (an expression) and that `filter` (a function's source) keeps. */
function liveObjects(prototype: string, filter = '() => true'): number {
  const session = new Session();
  session.connect();
  try {
    const post = <R>(method: string, params: object): R => {
      let out: { err: Error | null; res: R } | undefined;
      session.post(method, params, (err, res) => {
        out = { err, res: res as R };
      });
      if (out === undefined) throw new Error(`${method} did not answer at once`);
      if (out.err) throw out.err;
      return out.res;
    };
    const proto = post<{ result: { objectId: string } }>('Runtime.evaluate', { expression: prototype });
    const all = post<{ objects: { objectId: string } }>('Runtime.queryObjects', {
      prototypeObjectId: proto.result.objectId,
    });
    const counted = post<{ result: { value: number } }>('Runtime.callFunctionOn', {
      objectId: all.objects.objectId,
      functionDeclaration: `function () { return this.filter(${filter}).length; }`,
      returnByValue: true,
    });
    return counted.result.value;
  } finally {
    session.disconnect();
  }
}

/**
 * Runs `update --json` on a routing file (a skill and a queue for each of `users`) in this process, where the
 * inspector counts its objects (runCli would spawn the built CLI under GENESYS_BULK_E2E_SPAWN). The exit code.
 */
async function updateRouting(
  box: Sandbox,
  users: readonly GenesysUser[],
  mode: '--dry-run' | '--yes',
): Promise<number> {
  const file = await writeInput(
    box,
    'routing.csv',
    csv([
      ['email', 'skills', 'queues'],
      ...users.map((u, i) => [u.email!, `+Billing:${(i % 5) + 1}`, '+Sales Inbound']),
    ]),
  );
  const { main } = await import('../../src/cli.js');
  return main(['node', 'genesys-bulk', 'update', file, mode, '--json'], {
    stdout: new PassThrough().resume(),
    stderr: new PassThrough().resume(),
    stdin: Readable.from([]),
    openTerminal: () => undefined,
    env: box.env,
    cwd: box.dir,
    exit: () => {
      throw new Error('no signal is sent');
    },
  });
}

describe('update with routing columns: the parsed rows', () => {
  it('are let go before the users and their routing are read', async () => {
    const counts: number[] = [];
    const box = await sandbox({ users: 300, onApiRequest: () => counts.push(parsedRowsAlive()) });
    try {
      const users = activeUsers(box).slice(0, 200);
      expect(await updateRouting(box, users, '--dry-run')).toBe(0);
      // Held while the catalogues are read (the names are checked against them): the count sees them.
      expect(counts[0]).toBe(users.length);
      // The last requests read the users and their routing: none is held any more (one may stay where V8 keeps the
      // last object a site made; before, all 200 were held to the end).
      expect(counts.length).toBeGreaterThan(3);
      expect(counts.at(-1)).toBeLessThanOrEqual(1);
      expect(counts.at(-2)).toBeLessThanOrEqual(1);
    } finally {
      await box.close();
    }
  }, 180_000);

  it("and the planner's store (the rows' old texts, the users) is let go before a routing apply writes", async () => {
    const ROWS = 40;
    (globalThis as { plannerProbe?: object }).plannerProbe = TextStore.prototype;
    const seen: { writes: number; stores: number }[] = [];
    let requests = 0;
    const box = await sandbox({
      users: 300,
      // A few counts only (each is a full collection): every other read, and the first writes.
      onApiRequest: () => {
        const writes = Object.values(box.emulator.stats().routingWrites).reduce((a, b) => a + b, 0);
        const reads = seen.filter((s) => s.writes === 0).length;
        if (writes === 0 ? ++requests % 2 === 0 : seen.length - reads < 3)
          seen.push({ writes, stores: liveObjects('globalThis.plannerProbe', `(s) => s.size > ${ROWS}`) });
      },
    });
    try {
      const users = activeUsers(box).slice(0, ROWS);
      expect(await updateRouting(box, users, '--yes')).toBe(0);
      // While the users are read the planner's store (each row's text and each user's) is there: the count sees it.
      expect(seen.some((s) => s.writes === 0 && s.stores === 1)).toBe(true);
      const writing = seen.filter((s) => s.writes > 0);
      expect(writing.length).toBe(3);
      expect(writing.filter((s) => s.stores > 0)).toEqual([]);
    } finally {
      await box.close();
    }
  }, 180_000);
});

afterEach(() => {
  delete (globalThis as { plannerProbe?: object }).plannerProbe;
});
