/**
 * How many ids one `GET /api/v2/users?id=…` takes is not documented (the export sends 100): an export of a group's
 * members against a platform that takes 30 must still write every member.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { generateDirectory } from '../../src/emulator/index.js';
import { type Sandbox, sandbox } from './harness.js';
import { routeCount } from './helpers.js';
import { fixedId } from './routing-helpers.js';

let box: Sandbox | undefined;
afterEach(async () => {
  await box?.close();
  box = undefined;
});

describe('export --group when a GET takes fewer ids', () => {
  it('at most 30 ids a GET: the 120 members exported, in GETs of 25 after two refused', async () => {
    const users = generateDirectory({ users: 150, seed: 11 }).map((u) => ({ ...u, state: 'active' as const }));
    const members = users.slice(0, 120).map((u) => u.id);
    box = await sandbox({ users, usersMaxIds: 30, groups: [{ id: fixedId(9, 1), name: 'Crew', members }] });
    const r = await box.cli(['export', '-', '--group', 'Crew', '--columns', 'id,email']);
    expect(r.code, r.stderr).toBe(0);
    const ids = r.stdout
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => (JSON.parse(l) as { id: string }).id);
    expect(new Set(ids)).toEqual(new Set(members));
    expect(ids).toHaveLength(120);
    // 100 refused, 50 refused, then 25 a GET: 5.
    expect(routeCount(box.emulator.stats(), 'GET /api/v2/users')).toBe(7);
  });
});
