/**
 * Routing read, planned and applied a slice of users at a time (issue #12): against the emulator over HTTP, the
 * outcome with slices of a few users is the outcome with every user at once, rows of one slice do not hold back
 * another's, and a stop between slices leaves the rest interrupted.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../../src/emulator/index.js';
import { createGenesysClient } from '../../src/genesys/client.js';
import type { GenesysUser } from '../../src/genesys/types.js';
import { createGovernor } from '../../src/governor/index.js';
import type { RoutingChanges } from '../../src/input/index.js';
import { createLogger } from '../../src/log.js';
import {
  type Catalogue,
  decodedRows,
  type EncodedPlan,
  type PlannedRow,
  summarise,
  textListOf,
} from '../../src/plan/index.js';
import { encodePlannedRow } from '../../src/plan/plan.js';
import { routingWork } from '../../src/run/compact.js';
import { Journal, ROUTING_JOURNAL_FILE, type RoutingJournalRecord } from '../../src/run/journal.js';
import { emptyRoutingCost, loadCatalogue, type RoutingReadCost, type RoutingReadDeps } from '../../src/run/routing.js';
import { applyRouting, type RoutingOutcome, type RoutingWork } from '../../src/run/routing-engine.js';
import { planRoutingRows } from '../../src/run/routing-plan.js';
import { routingCallCount } from '../../src/run/routing-slices.js';

let emu: RunningEmulator;
let client: ReturnType<typeof createGenesysClient>;
let dir: string;
beforeEach(async () => {
  emu = await startEmulator({ users: 40, seed: 7, limit: 100_000 });
  client = createGenesysClient({
    clientId: emu.clientId,
    clientSecret: emu.clientSecret,
    baseUrl: emu.url,
    timeoutMs: 5000,
  });
  expect((await client.authenticate()).ok).toBe(true);
  dir = await mkdtemp(join(tmpdir(), 'genesys-bulk-slices-'));
});
afterEach(async () => {
  await emu.stop();
  await rm(dir, { recursive: true, force: true });
});

const governor = () => createGovernor({ maxConcurrency: 4, initialRatePerSecond: 1000 });
const readDeps = (): RoutingReadDeps => ({
  port: client,
  users: client,
  executor: governor(),
  concurrency: 4,
  cost: emptyRoutingCost(),
});
const people = (): GenesysUser[] => emu.users().filter((u) => u.state === 'active' && u.email);

/** Rows of three kinds of change, with rows of no user (no routing read) between them. */
function rowsFor(users: readonly GenesysUser[]): EncodedPlan {
  const rows: PlannedRow[] = [];
  users.forEach((u, i) => {
    const rowNumber = rows.length + 1;
    if (i % 3 === 1) {
      rows.push({ rowNumber, line: rowNumber + 1, key: `gone${i}@example.com`, status: 'not_found', diffs: [] });
      return;
    }
    const routing: RoutingChanges =
      i % 3 === 0
        ? { skills: { mode: 'delta', add: [{ name: 'Billing', proficiency: (i % 5) + 0.5 }], remove: [] } }
        : {
            queues: { mode: 'delta', add: ['Sales Inbound'], remove: [] },
            roles: { mode: 'delta', add: [{ role: 'Supervisor', division: 'Home' }], remove: [] },
          };
    rows.push({
      rowNumber,
      line: rowNumber + 1,
      key: u.email!,
      status: 'unchanged',
      userId: u.id,
      diffs: [],
      changes: { routing },
    });
  });
  return { summary: summarise(rows), rows: textListOf(rows.map(encodePlannedRow)) };
}

const withoutExpanded = ({ expanded: _, ...reads }: RoutingReadCost) => reads;

async function planned(slice: number, users: readonly GenesysUser[]) {
  const deps = readDeps();
  const catalogue: Catalogue = await loadCatalogue(deps, ['skill', 'queue', 'role', 'division']);
  const plan = rowsFor(users);
  const byId = new Map(users.map((u) => [u.id, u]));
  const out = await planRoutingRows(plan, catalogue, deps, {
    user: (id) => byId.get(id),
    slice,
  });
  return { rows: [...decodedRows(out.plan.rows)], summary: out.plan.summary, calls: out.calls, cost: deps.cost };
}

describe('planning routing a slice at a time', () => {
  it('plans every row as all at once, in row order, with the same reads, whatever the slice', async () => {
    const users = people().slice(0, 14);
    const whole = await planned(1000, users);
    for (const slice of [1, 2, 5]) {
      const sliced = await planned(slice, users);
      expect(sliced.rows).toEqual(whole.rows);
      expect(sliced.summary).toEqual(whole.summary);
      // Counted as planned: the calls the engine makes of the rows' routing.
      expect(sliced.calls).toEqual(routingCallCount(sliced.rows.flatMap((r) => routingWork(r) ?? [])));
      // The queue's members are read once, not once per slice; grants one user each.
      expect(withoutExpanded(sliced.cost), `slice ${slice}`).toEqual(withoutExpanded(whole.cost));
      // Skills come with a read of up to 100 users by id: one per slice that has any (ROUTING_SLICE is 1,000).
      const withSkills = Array.from({ length: Math.ceil(9 / slice) }, (_, k) =>
        [0, 2, 4, 6, 8].some((t) => t >= k * slice && t < (k + 1) * slice),
      );
      expect(sliced.cost.expanded, `slice ${slice}`).toBe(withSkills.filter(Boolean).length);
    }
    expect(whole.cost).toMatchObject({ expanded: 1, queueMembers: 1, grants: 4 });
    expect(whole.rows.map((r) => r.rowNumber)).toEqual(Array.from({ length: 14 }, (_, i) => i + 1));
    expect(whole.rows.filter((r) => r.status === 'change').length).toBeGreaterThan(5);
    // A row of a user keeps what it asked for: a run's saved plan carries it.
    for (const r of whole.rows) if (r.userId !== undefined) expect(r.changes?.routing).toBeDefined();
  });
});

const log = createLogger({ level: 'silent' });
const progress = { start() {}, update() {}, stop() {} };

async function applied(slice: number, stop?: { afterRows: number }) {
  const users = people().slice(0, 14);
  const { rows } = await planned(1000, users);
  const work = rows.flatMap((r) => routingWork(r) ?? []);
  const journal = await Journal.open<RoutingJournalRecord>(join(dir, `${slice}-${ROUTING_JOURNAL_FILE}`));
  const stopping = new AbortController();
  let settled = 0;
  const watched = Object.assign(Object.create(journal) as Journal<RoutingJournalRecord>, {
    append: (r: RoutingJournalRecord) => {
      if (r.t === 'routed' && ++settled === stop?.afterRows) stopping.abort();
      return journal.append(r);
    },
  });
  const results = await applyRouting(
    {
      port: client,
      users: client,
      governor: governor(),
      journal: watched,
      progress,
      log,
      stopSignal: stopping.signal,
      maxConcurrency: 4,
      firstSeq: 1,
    },
    work,
    { rateLimited: 0, retries: 0 },
    slice,
  );
  await journal.close();
  return { work, results };
}

const statuses = (results: Map<number, RoutingOutcome>) =>
  new Map([...results].map(([n, r]) => [n, 'interrupted' in r ? 'interrupted' : r.status]));

describe('applying routing a slice at a time', () => {
  it('applies every row, each slice after the one before, with the calls routingCallCount says', async () => {
    const before = emu.stats().routingWrites;
    const { work, results } = await applied(3);
    expect(work.length).toBeGreaterThan(6);
    expect([...statuses(results).values()]).toEqual(Array(work.length).fill('updated'));
    for (const w of work) {
      const user = people().find((u) => u.id === w.userId)!;
      const asked = w.plan.diffs.map((d) => d.field);
      if (asked.some((f) => f.startsWith('skill:')))
        expect(emu.userSkills(user.id)!.map((s) => s.name)).toContain('Billing');
      else
        expect(emu.userQueues(user.id)).toContain(emu.catalogue().queues.find((q) => q.name === 'Sales Inbound')!.id);
    }
    const after = emu.stats().routingWrites;
    const count = routingCallCount(work, 3);
    // Each slice's queue joiners go in one call of their own: more calls than one slice, as counted beforehand.
    const joining = (ws: RoutingWork[]) => ws.some((w) => w.plan.memberships.length > 0);
    const slicesJoining = [0, 3, 6, 9, 12].filter((i) => joining(work.slice(i, i + 3))).length;
    expect(slicesJoining).toBeGreaterThan(1);
    expect(count.byKind.get('members')).toBe(slicesJoining);
    expect(routingCallCount(work).byKind.get('members')).toBe(1);
    expect(after.queueMembers - before.queueMembers).toBe(count.byKind.get('members'));
    expect(after.skills - before.skills).toBe(count.byKind.get('skills-patch'));
    expect(after.grants - before.grants).toBe(count.byKind.get('grants-add'));
  });

  it("fails the row whose call fails mid-slice alone: the slice's other rows and the next slices are applied", async () => {
    emu.setFaults({ ungrantableRoles: [emu.catalogue().roles.find((r) => r.name === 'Supervisor')!.id] });
    const { work, results } = await applied(3);
    const byRow = statuses(results);
    for (const w of work) {
      const grants = w.plan.writes.some((x) => x.kind === 'grants-add');
      expect(byRow.get(w.rowNumber), `row ${w.rowNumber}`).toBe(grants ? 'failed' : 'updated');
    }
    expect(new Set(byRow.values())).toEqual(new Set(['failed', 'updated']));
  });

  it('on a stop between slices, starts no later slice and reports its rows interrupted, none in flight', async () => {
    const { work, results } = await applied(3, { afterRows: 3 });
    const byRow = statuses(results);
    const firstSlice = work.slice(0, 3).map((w: RoutingWork) => w.rowNumber);
    for (const w of work)
      expect(byRow.get(w.rowNumber)).toBe(firstSlice.includes(w.rowNumber) ? 'updated' : 'interrupted');
    for (const w of work.slice(3)) expect(results.get(w.rowNumber)).toEqual({ interrupted: true, inFlight: false });
  });
});
