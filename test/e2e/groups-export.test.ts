/**
 * `export` and groups: the `--group` filter, and queue memberships that come from a group, which are the group's and
 * so never written in a user's `queues` cell.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDirectory } from '../../src/emulator/index.js';
import type { GenesysUser } from '../../src/genesys/types.js';
import { type Sandbox, sandbox } from './harness.js';
import { routeCount } from './helpers.js';
import { fixedId, QUEUES } from './routing-helpers.js';

const SALES = { id: fixedId(9, 1), name: 'Sales Team' };
const NIGHT = { id: fixedId(9, 2), name: 'Night Shift' };
let box: Sandbox;
let users: GenesysUser[];
const jsonl = (text: string) =>
  text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, string>);

beforeAll(async () => {
  users = generateDirectory({ users: 30, seed: 11 }).map((u) => ({ ...u, state: 'active' as const }));
  box = await sandbox({
    users,
    queues: QUEUES,
    // User 0 is in the first queue in person; users 1–4 only through Sales Team, which is a member of it.
    assignments: { [users[0]!.id]: { queues: [QUEUES[0]!.id] } },
    groups: [
      { ...SALES, members: users.slice(1, 5).map((u) => u.id), queues: [QUEUES[0]!.id] },
      { ...NIGHT, members: [users[4]!.id, users[9]!.id] },
    ],
  });
});
afterAll(() => box?.close());

describe('export and groups', () => {
  it("--group keeps only the group's members, reading its member listing once", async () => {
    const route = 'GET /api/v2/groups/{groupId}/members';
    const before = routeCount(box.emulator.stats(), route);
    const r = await box.cli(['export', '-', '--group', 'night shift', '--columns', 'id,email']);
    expect(r.code, r.stderr).toBe(0);
    expect(new Set(jsonl(r.stdout).map((x) => x.id))).toEqual(new Set([users[4]!.id, users[9]!.id]));
    expect(routeCount(box.emulator.stats(), route) - before).toBe(1);
  });

  it('an unknown --group is exit 2 with the closest name', async () => {
    const r = await box.cli(['export', '-', '--group', 'Sales Tem']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('did you mean "Sales Team"?');
  });

  it('queues a user holds through a group are not in the queues cell; update of the export changes nothing', async () => {
    const r = await box.cli(['export', 'q.csv', '--columns', 'id,queues']);
    expect(r.code, r.stderr).toBe(0);
    const dump = await box.cli(['export', '-', '--columns', 'id,queues']);
    const rows = new Map(jsonl(dump.stdout).map((x) => [x.id, x.queues]));
    expect(rows.get(users[0]!.id)).toBe(`+${QUEUES[0]!.name}`);
    for (const u of users.slice(1, 5)) expect(rows.get(u.id)).toBeUndefined();
    const plan = await box.cli(['update', 'q.csv', '--dry-run', '--json']);
    expect(plan.code, plan.stderr).toBe(0);
    expect((JSON.parse(plan.stdout) as { summary: { planned: number } }).summary.planned).toBe(0);
  });
});
