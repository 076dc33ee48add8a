import { describe, expect, it } from 'vitest';
import type { GenesysUser } from '../../src/genesys/types.js';
import type { InputRow, ManagerRef, ProfileChanges } from '../../src/input/index.js';
import { decodePlan, IncrementalPlanner, viewOf } from '../../src/plan/incremental.js';
import { planToJson, renderPlanText } from '../../src/plan/render.js';
import { buildPlan } from '../models/reference-plan.js';
import { rng, user } from './fixtures.js';

type Rand = () => number;
const pick = <T>(r: Rand, items: readonly T[]): T => items[Math.floor(r() * items.length)] as T;

function shuffle<T>(r: Rand, items: T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** A directory where some emails are shared, some users deleted, and every user has a unique manager email. */
function directory(r: Rand, size: number): GenesysUser[] {
  const users: GenesysUser[] = [];
  for (let i = 0; i < size; i++) {
    users.push(
      user({
        id: `u-${i}`,
        email: pick(r, [`p${i}@example.com`, `p${i}@example.com`, `shared${i % 3}@example.com`, `P${i}@Example.com`]),
        state: pick(r, ['active', 'active', 'inactive', 'deleted'] as const),
        version: 1 + Math.floor(r() * 9),
        title: pick(r, ['Agent', 'Lead', undefined]),
        department: pick(r, ['Sales', 'Ops', undefined]),
        ...(r() < 0.5 ? { manager: { id: `m-${Math.floor(r() * 3)}` } } : {}),
      }),
    );
  }
  for (let m = 0; m < 3; m++) users.push(user({ id: `m-${m}`, email: `manager${m}@example.com`, version: 1 }));
  return users;
}

function randomRows(r: Rand, size: number, kinds: 'mixed' | 'id' | 'email' = 'mixed'): InputRow[] {
  const rows: InputRow[] = [];
  const ids = new Set<string>();
  const emails = new Set<string>();
  for (let n = 1; rows.length < size; n++) {
    const changes: ProfileChanges = {};
    if (r() < 0.7) changes.title = pick(r, ['Agent', 'Lead', 'Supervisor', null]);
    if (r() < 0.4) changes.department = pick(r, ['Sales', 'Ops', null]);
    if (r() < 0.3) {
      changes.manager = pick<ManagerRef | null>(r, [
        { kind: 'email', email: `manager${Math.floor(r() * 3)}@example.com` },
        { kind: 'id', id: `m-${Math.floor(r() * 3)}` },
        null,
      ]);
    }
    if (r() < 0.1) changes.name = pick(r, ['Jane Roe', '']);
    const k = Math.floor(r() * (size + 3));
    if (kinds === 'id' || (kinds === 'mixed' && r() < 0.4)) {
      const id = `u-${k}`;
      if (ids.has(id)) continue;
      ids.add(id);
      rows.push({ rowNumber: n, line: n + 1, key: { kind: 'id', id }, changes });
    } else {
      const email = pick(r, [`p${k}@example.com`, `shared${k % 3}@example.com`]);
      if (emails.has(email)) continue;
      emails.add(email);
      rows.push({ rowNumber: n, line: n + 1, key: { kind: 'email', email }, changes });
    }
  }
  return rows;
}

function managerIdFrom(users: readonly GenesysUser[]) {
  const live = users.filter((u) => u.state !== 'deleted');
  return (ref: ManagerRef) =>
    ref.kind === 'id'
      ? live.find((u) => u.id === ref.id)?.id
      : live.find((u) => u.email?.toLowerCase() === ref.email)?.id;
}

describe('IncrementalPlanner', () => {
  it('makes the plan buildPlan makes, whatever order the users arrive in', () => {
    const outcomes = new Set<string>();
    let released = 0;
    for (let seed = 1; seed <= 400; seed++) {
      const r = rng(seed);
      const users = directory(r, 4 + Math.floor(r() * 12));
      const rows = randomRows(r, 1 + Math.floor(r() * 10), pick(r, ['mixed', 'mixed', 'id', 'email'] as const));
      const expected = buildPlan({ rows, users, managerId: managerIdFrom(users) });
      const managers = rows.flatMap((row) => (row.changes.manager ? [row.changes.manager] : []));
      const arrival = shuffle(r, users);
      const releasing = new IncrementalPlanner(rows, { managers, release: true });
      for (const u of arrival) releasing.add(u);
      const kinds = new Set(rows.map((row) => row.key.kind));
      if (kinds.size === 1 && releasing.rows().length < rows.length) released++;
      if (kinds.size > 1) expect(releasing.rows()).toHaveLength(rows.length);
      expect(decodePlan(releasing.finish()), `seed ${seed}, released`).toEqual(expected);
      const planner = new IncrementalPlanner(rows, { managers });
      for (const u of arrival) planner.add(u);
      const encoded = planner.finish();
      expect(decodePlan(encoded), `seed ${seed}`).toEqual(expected);
      // Rendered from rows decoded one at a time, the plan reads exactly as it does from the objects.
      expect(planToJson(viewOf(encoded))).toBe(planToJson(expected));
      expect(renderPlanText(viewOf(encoded), { color: false })).toBe(renderPlanText(expected, { color: false }));
      for (const p of expected.rows)
        outcomes.add(`${p.status}: ${(p.note ?? '').replace(/^\d+ /, '').replace(/[\d, u-]+$/, '')}`);
    }
    // The generator reaches every way a row can be planned, and files where rows are let go, or the comparison
    // would prove little.
    expect(released).toBeGreaterThan(50);
    expect([...outcomes].sort()).toEqual([
      'change: ',
      'invalid: duplicate of row',
      'invalid: name cannot be cleared: every user must have one.',
      'invalid: users have this email:',
      'not_found: no user with this email',
      'not_found: no user with this id',
      'not_found: the user is deleted',
      'unchanged: ',
    ]);
  });

  it('keeps only the users a later stage needs, and those whose rows wait for a manager', () => {
    const rows: InputRow[] = [
      { rowNumber: 1, line: 2, key: { kind: 'id', id: 'u-1' }, changes: { title: 'Lead' } },
      { rowNumber: 2, line: 3, key: { kind: 'id', id: 'u-2' }, changes: { title: 'Agent' } },
      {
        rowNumber: 3,
        line: 4,
        key: { kind: 'email', email: 'c@example.com' },
        changes: { manager: { kind: 'email', email: 'm@example.com' } },
      },
    ];
    const seen: [number, string | undefined][] = [];
    const planner = new IncrementalPlanner(rows, {
      managers: [{ kind: 'email', email: 'm@example.com' }],
      keep: (row, planned) => {
        seen.push([row.rowNumber, planned?.status]);
        return planned?.status === 'change';
      },
      project: (u) => ({ id: u.id, version: u.version, state: u.state }),
    });
    planner.add(user({ id: 'u-3', email: 'c@example.com', version: 3 }));
    planner.add(user({ id: 'u-1', email: 'a@example.com', title: 'Agent' }));
    planner.add(user({ id: 'u-2', email: 'b@example.com', title: 'Agent' }));
    expect(planner.hasEmail('m@example.com')).toBe(false);
    planner.add(user({ id: 'u-9', email: 'M@example.com' }));
    expect(seen).toEqual([
      [3, undefined],
      [1, 'change'],
      [2, 'unchanged'],
    ]);
    expect(planner.user('u-1')).toEqual({ id: 'u-1', version: 7, state: 'active' });
    expect(planner.user('u-2')).toBeUndefined();
    expect(planner.user('u-3')).toEqual({ id: 'u-3', version: 3, state: 'active' });
    expect(planner.hasEmail('m@example.com')).toBe(true);
    expect(planner.managerId({ kind: 'email', email: 'm@example.com' })).toBe('u-9');
    const plan = decodePlan(planner.finish());
    expect(plan.rows.map((p) => p.status)).toEqual(['change', 'unchanged', 'change']);
    expect(plan.rows[2]).toMatchObject({ userId: 'u-3', baseVersion: 3, diffs: [{ field: 'manager', after: 'u-9' }] });
  });

  it('plans a row whose manager is known as its user arrives: only a manager not read yet keeps a row and its user', () => {
    // An export's manager column names each user's own manager: a dry run of it holds no user once each is read.
    const rows: InputRow[] = [
      { rowNumber: 1, line: 2, key: { kind: 'id', id: 'u-1' }, changes: { manager: { kind: 'id', id: 'm-1' } } },
      {
        rowNumber: 2,
        line: 3,
        key: { kind: 'id', id: 'u-2' },
        changes: { title: 'Lead', manager: { kind: 'id', id: 'm-2' } },
      },
      { rowNumber: 3, line: 4, key: { kind: 'id', id: 'u-3' }, changes: { manager: { kind: 'id', id: 'm-3' } } },
    ];
    const managers = rows.map((r) => r.changes.manager as ManagerRef);
    const planner = new IncrementalPlanner(rows, { managers, release: true });
    planner.add(user({ id: 'M-1', email: 'm1@example.com' }));
    // u-1 keeps its manager (no read of m-1 needed: it is the one it has); u-2's new manager was read before it.
    planner.add(user({ id: 'u-1', manager: { id: 'M-1' } }));
    planner.add(user({ id: 'm-2', email: 'm2@example.com' }));
    planner.add(user({ id: 'u-2', title: 'Agent', manager: { id: 'M-1' } }));
    // u-3's new manager comes after it: the row waits, and its user is kept until then.
    planner.add(user({ id: 'u-3', manager: { id: 'M-1' } }));
    expect(planner.rows().map((r) => r.rowNumber)).toEqual([3]);
    planner.add(user({ id: 'm-3', email: 'm3@example.com' }));
    const plan = decodePlan(planner.finish());
    expect(plan.rows.map((p) => [p.status, p.diffs.map((d) => `${d.field}:${d.after}`)])).toEqual([
      ['unchanged', []],
      ['change', ['title:Lead', 'manager:m-2']],
      ['change', ['manager:m-3']],
    ]);
  });

  it("does not take a row's id as read because another row's user has it as its current manager", () => {
    // Row 1 keeps u-1's manager m-1; m-1 is a row of its own. Read by key after a listing probe, m-1 must still be
    // looked up: the manager shortcut (no change, found or not) is not a read of m-1's row.
    const rows: InputRow[] = [
      { rowNumber: 1, line: 2, key: { kind: 'id', id: 'u-1' }, changes: { manager: { kind: 'id', id: 'm-1' } } },
      { rowNumber: 2, line: 3, key: { kind: 'id', id: 'm-1' }, changes: { title: 'Lead' } },
    ];
    const planner = new IncrementalPlanner(rows, { managers: [{ kind: 'id', id: 'm-1' }] });
    planner.add(user({ id: 'u-1', manager: { id: 'm-1' } }));
    expect(planner.hasId('u-1')).toBe(true);
    expect(planner.hasId('m-1')).toBe(false);
    planner.add(user({ id: 'm-1', title: 'Agent' }));
    expect(planner.hasId('m-1')).toBe(true);
    expect(decodePlan(planner.finish()).rows.map((p) => p.status)).toEqual(['unchanged', 'change']);
  });

  it('plans a user read twice at the newer version, and ignores deleted users', () => {
    const rows: InputRow[] = [{ rowNumber: 1, line: 2, key: { kind: 'id', id: 'u-1' }, changes: { title: 'Lead' } }];
    const planner = new IncrementalPlanner(rows);
    planner.add(user({ id: 'u-1', version: 5, title: 'Agent' }));
    planner.add(user({ id: 'u-1', version: 4, title: 'Old' }));
    expect(decodePlan(planner.finish()).rows[0]).toMatchObject({ baseVersion: 5, diffs: [{ before: 'Agent' }] });
    planner.add(user({ id: 'u-1', version: 6, title: 'Lead' }));
    expect(decodePlan(planner.finish()).rows[0]).toMatchObject({ status: 'unchanged', baseVersion: 6 });

    const gone = new IncrementalPlanner(rows);
    gone.add(user({ id: 'u-1', state: 'deleted' }));
    expect(gone.hasId('u-1')).toBe(false);
    expect(gone.size).toBe(0);
    expect(decodePlan(gone.finish()).rows[0]).toMatchObject({ status: 'not_found', note: 'the user is deleted' });
  });
});
