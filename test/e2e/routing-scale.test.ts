/**
 * Routing at scale (issue #6): bulk calls are chunked at the platform's limits, and queue memberships are grouped
 * across users. Call counts come from the emulator's per-route counters.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CallRecord, RoutingJournalRecord } from '../../src/run/journal.js';
import { readRoutingJournal } from '../../src/run/journal.js';
import { csv, type ReportRecordJson, readJsonlReport, writeInput } from './helpers.js';
import {
  queue,
  queuesOf,
  type RoutingOrg,
  routingCalls,
  routingOrg,
  SKILLS,
  skill,
  skillsOf,
  writeRequests,
} from './routing-helpers.js';

let org: RoutingOrg | undefined;
afterEach(async () => {
  await org?.box.close();
  org = undefined;
});

const BULK = SKILLS.filter((s) => s.name.startsWith('Bulk Skill ')).slice(0, 120);

async function runFolder(org: RoutingOrg): Promise<string> {
  const runs = join(org.box.dir, '.genesys-bulk', 'runs');
  const [only, ...more] = (await readdir(runs)).sort();
  expect(more).toEqual([]);
  return join(runs, only!);
}

describe('routing at scale', () => {
  it('120 skills: replaced by a PUT of 50 and two PATCHes, or added by three PATCHes; journaled whole', async () => {
    org = await routingOrg({
      assign: (people) => ({
        [people[0]!.id]: {
          skills: [
            { id: skill('Billing'), proficiency: 3 },
            { id: skill('Spanish'), proficiency: 2 },
          ],
        },
      }),
    });
    const { box, emu, people } = org;
    const [replaced, added] = people;
    const list = BULK.map((s, i) => `${s.name}:${i % 6}`);
    const file = await writeInput(
      box,
      'skills.csv',
      csv([
        ['email', 'skills'],
        // A plain list replaces: Billing and Spanish go, each by a DELETE.
        [replaced!.email!, list.join(';')],
        [added!.email!, list.map((s) => `+${s}`).join(';')],
      ]),
    );
    const r = await box.cli(['update', file, '--yes', '--report', 'report.jsonl']);
    expect(r.code, r.stderr).toBe(0);

    const want = Object.fromEntries(BULK.map((s, i) => [s.name, i % 6]));
    expect(skillsOf(emu, replaced!.id)).toEqual(want);
    expect(skillsOf(emu, added!.id)).toEqual(want);
    const calls = routingCalls(emu.stats());
    // replaced: PATCH 50 + 50 + 20 and 2 DELETEs; added: PATCH 50 + 50 + 20.
    expect([calls.skillsPut, calls.skillsPatch, calls.skillDelete]).toEqual([0, 6, 2]);
    expect(emu.stats().routingWrites.skills).toBe(8);

    const journal = await readRoutingJournal(await runFolder(org));
    const sent = journal.filter((x): x is CallRecord => x.t === 'call');
    const forReplaced = sent.filter((c) => 'userId' in c.call && c.call.userId === replaced!.id);
    expect(
      forReplaced.map((c) => [c.call.kind, 'body' in c.call && Array.isArray(c.call.body) ? c.call.body.length : -1]),
    ).toEqual([
      ['skills-patch', 50],
      ['skills-patch', 50],
      ['skills-patch', 20],
      ['skill-delete', -1],
      ['skill-delete', -1],
    ]);
    // Each PATCH realises the skills it adds, each DELETE its removal, with before-values.
    expect(forReplaced[3]!.realises[0]!.diffs).toEqual([{ field: 'skill:Billing', before: '3', after: null }]);
    expect(forReplaced[2]!.realises[0]!.diffs).toHaveLength(20);
    const outcomes = journal.filter((x) => x.t === 'call-outcome');
    expect(outcomes.map((o) => (o as Extract<RoutingJournalRecord, { t: 'call-outcome' }>).status)).toEqual(
      Array(8).fill('done'),
    );
    const report = await readJsonlReport(box, 'report.jsonl');
    expect(report.map((x) => [x.status, x.changes.length])).toEqual([
      ['updated', 122],
      ['updated', 120],
    ]);

    // A rerun reads both users' 120 skills in one read by id (expand=skills), and writes nothing.
    const before = emu.stats();
    const again = await box.cli(['update', file, '--yes', '--json']);
    expect(again.code, again.stderr).toBe(0);
    const after = routingCalls(emu.stats());
    expect(after.userSkills - routingCalls(before).userSkills).toBe(0);
    const reads = (JSON.parse(again.stdout) as { api: { reads: { routing: Record<string, number> } } }).api.reads;
    expect(reads.routing).toMatchObject({ expanded: 1, skills: 0 });
    // Given without the expansion, each user's 120 skills are read alone, in two pages of 100.
    emu.setFaults({ expandOmitRate: 1 });
    const alone = await box.cli(['update', file, '--yes']);
    expect(alone.code, alone.stderr).toBe(0);
    expect(routingCalls(emu.stats()).userSkills - after.userSkills).toBe(4);
    expect(writeRequests(emu.stats())).toBe(writeRequests(before));
  });

  it('a queue given to 250 users: three calls of at most 100, one read of its members (and one before the writes)', async () => {
    org = await routingOrg({ users: 300 });
    const { box, emu, people } = org;
    const members = people.slice(0, 250);
    expect(members).toHaveLength(250);
    const file = await writeInput(
      box,
      'queue.csv',
      csv([['email', 'queues'], ...members.map((u) => [u.email!, '+Sales Inbound'])]),
    );
    const r = await box.cli(['update', file, '--yes', '--report', 'report.jsonl', '--json']);
    expect(r.code, r.stderr).toBe(0);

    expect(emu.queueMembers(queue('Sales Inbound'))!.sort()).toEqual(members.map((u) => u.id).sort());
    expect(queuesOf(emu, members[249]!.id)).toEqual(['Sales Inbound']);
    const calls = routingCalls(emu.stats());
    expect(calls.queueMembersPost).toBe(3);
    expect(emu.stats().routingWrites.queueMembers).toBe(3);
    // One page of the (empty) queue's members, and once more just before its first write; no per-user routing read.
    expect([calls.queueMembers, calls.userSkills, calls.userLanguages, calls.subject]).toEqual([2, 0, 0, 0]);
    const result = JSON.parse(r.stdout) as { api: { requests: number }; rows: ReportRecordJson[] };
    expect(result.rows.every((x) => x.status === 'updated')).toBe(true);
    // The queue catalogue, the users (one listing page holds all 300), the queue's members twice, three writes.
    expect(result.api.requests).toBe(7);

    const before = emu.stats();
    const again = await box.cli(['update', file, '--yes']);
    expect(again.code, again.stderr).toBe(0);
    expect(writeRequests(emu.stats())).toBe(writeRequests(before));
    // Now 250 members: three pages.
    expect(routingCalls(emu.stats()).queueMembers - calls.queueMembers).toBe(3);
  });
});
