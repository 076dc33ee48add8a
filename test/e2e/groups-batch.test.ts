/**
 * How many member ids one group member write takes is unconfirmed (the run sends up to 50): a platform that takes
 * fewer refuses the write with 400, and the run must still add and remove every member, in parts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { csv, type ReportRecordJson, readJsonlReport, routeCount, writeInput } from './helpers.js';
import { activeWithEmail, directory, fixedId, type RoutingOrg, routingOrg } from './routing-helpers.js';

const CREW = fixedId(9, 4);
const NIGHT = fixedId(9, 3);
const POST = 'POST /api/v2/groups/{groupId}/members';
const DELETE = 'DELETE /api/v2/groups/{groupId}/members';

let org: RoutingOrg | undefined;
afterEach(async () => {
  await org?.box.close();
  org = undefined;
});

describe('group member writes when the platform takes fewer ids per write', () => {
  it.each([50, 20])(
    'at most %i ids a write: 80 added and 80 removed, every row updated',
    async (groupMembersPerCall) => {
      const people = activeWithEmail(directory(200)).slice(0, 80);
      expect(people).toHaveLength(80);
      org = await routingOrg({
        users: 200,
        groupMembersPerCall,
        groups: [
          { id: CREW, name: 'Support Crew', members: people.map((u) => u.id) },
          { id: NIGHT, name: 'Night Shift', members: [] },
        ],
      });
      const { box, emu } = org;
      const file = await writeInput(
        box,
        'groups.csv',
        csv([['email', 'groups'], ...people.map((u) => [u.email!, '-Support Crew;+Night Shift'])]),
      );
      const r = await box.cli(['update', file, '--yes', '--report', 'report.jsonl']);
      expect(r.code, r.stderr).toBe(0);
      const members = (id: string) => new Set(emu.groups().find((g) => g.id === id)?.members ?? []);
      expect(members(CREW)).toEqual(new Set());
      expect(members(NIGHT)).toEqual(new Set(people.map((u) => u.id)));
      const report = (await readJsonlReport(box, 'report.jsonl')) as ReportRecordJson[];
      expect(report.filter((x) => x.status !== 'updated')).toEqual([]);
      const stats = emu.stats();
      // 50 a write: 2 adds and 2 removals. 20: the write of 50 refused, its first half of 25 refused and sent in 13 and
      // 12, its second half in 13s since; the write of 30 in 13s: 9 a direction (a few more if the writes overlap).
      const writes = [routeCount(stats, POST), routeCount(stats, DELETE)];
      expect(writes).toEqual(groupMembersPerCall === 50 ? [2, 2] : [expect.any(Number), expect.any(Number)]);
      if (groupMembersPerCall === 20) for (const n of writes) expect(n).toBeLessThanOrEqual(12);
    },
  );
});
