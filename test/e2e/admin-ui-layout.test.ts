/**
 * The admin UI's import layout (issue #11 item 5), end to end in-process against the emulator: a file in the layout
 * is recognised, the plan says so, and applying it leaves the organisation as the layout documents: queues and skills
 * added (none removed), roles untouched, empty title/department/extension cleared, every other empty cell left alone.
 * A column whose format Genesys does not document is refused before anything is written.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterEach, describe, expect, it } from 'vitest';
import type { GenesysUser } from '../../src/genesys/types.js';
import { OutputDocument } from '../../src/run/document-schema.js';
import { ROOT } from './harness.js';
import { csv, expectNoWrites, messages, writeInput } from './helpers.js';
import {
  grantsOf,
  queue,
  queuesOf,
  type RoutingOrg,
  role,
  routingOrg,
  routingSnapshot,
  skill,
  skillsOf,
  writeRequests,
} from './routing-helpers.js';

const schema = JSON.parse(await readFile(join(ROOT, 'docs', 'output.schema.json'), 'utf8')) as Record<string, unknown>;
const validate = new Ajv2020({ strict: true, allErrors: true }).compile(schema);

/** The --json document, held to the published schema and the zod definition alike. */
function documentOf(stdout: string): OutputDocument {
  const value: unknown = JSON.parse(stdout);
  validate(value);
  expect(validate.errors ?? []).toEqual([]);
  return OutputDocument.parse(value);
}

const HEADER = [
  'name',
  'email',
  'phone_work',
  'extension',
  'title',
  'department',
  'email_manager',
  'location_work',
  'roles_divisions',
  'queues',
  'division',
  'skills',
];

let org: RoutingOrg | undefined;
afterEach(async () => {
  await org?.box.close();
  org = undefined;
});

const work = (u: GenesysUser | undefined) => u?.addresses?.find((c) => c.mediaType === 'PHONE' && c.type === 'WORK');

/** A row of the layout from the cells given by column, the rest empty. */
function row(cells: Record<string, string>): string[] {
  return HEADER.map((c) => cells[c] ?? '');
}

describe("the admin UI's import layout", () => {
  it('adds queues and skills without removing any, clears what empty cells clear, and leaves the rest', async () => {
    org = await routingOrg({
      users: 60,
      assign: (people, home) => ({
        [people[0]!.id]: {
          skills: [
            { id: skill('Billing'), proficiency: 2 },
            { id: skill('Retention'), proficiency: 5 },
          ],
          queues: [queue('Sales Inbound')],
          grants: [{ roleId: role('Agent'), divisionId: home }],
        },
        [people[1]!.id]: {
          queues: [queue('Billing Inquiries')],
          grants: [{ roleId: role('Employee'), divisionId: home }],
        },
      }),
    });
    const { emu, box, people } = org;
    // Subjects: `a` has a work number (kept: its cell is empty), `c` an extension only (cleared: its cell is empty).
    const a = people[0]!;
    const withNumber = people.filter((u) => u !== a && work(emu.user(u.id))?.address);
    const c = people.find((u) => u !== a && work(emu.user(u.id))?.extension && !work(emu.user(u.id))?.address)!;
    const d = withNumber.find((u) => u !== people[1])!;
    const boss = people[1]!;
    expect(c, 'the directory has a user whose work phone is an extension').toBeDefined();
    const beforeA = emu.user(a.id)!;
    const beforeC = emu.user(c.id)!;
    // What the checks below rely on: otherwise "kept" and "cleared" would hold whatever the tool did.
    expect(work(beforeA)?.address).toBeDefined();
    expect(beforeA.department).toBeDefined();
    expect(beforeC.manager ?? beforeC.locations).toBeDefined();
    const locations = emu.locations();
    const newLocation = locations.find((l) => !(beforeA.locations ?? []).some((x) => x.id === l.id))!;

    const file = await writeInput(
      box,
      'people.csv',
      csv([
        HEADER,
        row({
          name: beforeA.name!,
          email: beforeA.email!.toUpperCase(),
          title: 'Team Lead',
          email_manager: boss.email!,
          location_work: newLocation.name!,
          queues: 'Retention Desk, VIP Customers',
          division: 'Support',
          skills: 'Billing:4,Spanish:3',
        }),
        row({ name: beforeC.name!, email: beforeC.email!, title: 'Agent II', department: 'Care' }),
        row({ name: d.name!, email: d.email!, extension: '4999', title: d.title ?? 'Agent', department: 'Care' }),
      ]),
    );

    const dry = await box.cli(['update', file, '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain("Input: read as the Genesys admin UI's import layout: an empty title, department");
    expect(emu.stats().patchesApplied).toBe(0);
    const json = await box.cli(['update', file, '--dry-run', '--json']);
    expect(documentOf(json.stdout).layout).toMatchObject({ name: 'admin-ui' });

    const before = new Map(
      [a, c, d].map((u) => [u.id, { user: emu.user(u.id)!, routing: routingSnapshot(emu, u.id) }]),
    );
    const r = await box.cli(['update', file, '--yes', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(documentOf(r.stdout).layout?.meaning).toContain("admin UI's import layout");

    const afterA = emu.user(a.id)!;
    expect(afterA.title).toBe('Team Lead');
    expect(afterA.department).toBeUndefined();
    expect(afterA.manager?.id).toBe(boss.id);
    expect(afterA.division?.name).toBe('Support');
    expect(work(afterA)).toEqual(work(beforeA));
    expect((afterA.locations ?? []).map((l) => l.id).sort()).toEqual(
      [...(beforeA.locations ?? []).map((l) => l.id), newLocation.id].sort(),
    );
    // Added, updated, never removed: Retention stays, Sales Inbound stays, the grants are as they were.
    expect(skillsOf(emu, a.id)).toEqual({ Billing: 4, Retention: 5, Spanish: 3 });
    expect(queuesOf(emu, a.id)).toEqual(['Retention Desk', 'Sales Inbound', 'VIP Customers']);
    expect(grantsOf(emu, a.id)).toEqual(['Agent@Home']);

    const afterC = emu.user(c.id)!;
    expect(afterC.title).toBe('Agent II');
    expect(afterC.department).toBe('Care');
    expect(work(afterC)).toBeUndefined();
    for (const field of ['manager', 'division', 'locations'] as const) expect(afterC[field]).toEqual(beforeC[field]);

    expect(work(emu.user(d.id))).toMatchObject({ extension: '4999' });
    expect(work(emu.user(d.id))?.address).toBeUndefined();
    // The manager named by email was only read.
    expect(queuesOf(emu, boss.id)).toEqual(['Billing Inquiries']);

    // A resume of the run (nothing left to do) says how its file was read, as the run did.
    const resumed = await box.cli(['update', '--resume', documentOf(r.stdout).runId!, '--yes', '--json']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(documentOf(resumed.stdout)).toMatchObject({ mode: 'resume', layout: { name: 'admin-ui' } });

    // The same file again asks for nothing new; the rollback puts every user back as they were.
    const writes = writeRequests(emu.stats());
    const again = await box.cli(['update', file, '--yes']);
    expect(again.code, again.stderr).toBe(0);
    expect(writeRequests(emu.stats())).toBe(writes);
    const rb = await box.cli(['rollback', JSON.parse(r.stdout).runId, '--yes']);
    expect(rb.code, rb.stderr).toBe(0);
    // As any read shows a user: no version, and an empty list the same as none.
    const shown = (u: GenesysUser) => {
      const { version: _v, ...rest } = structuredClone(u);
      for (const f of ['locations', 'profileSkills', 'certifications'] as const)
        if (rest[f]?.length === 0) delete rest[f];
      return rest;
    };
    for (const [id, was] of before) {
      expect(shown(emu.user(id)!)).toEqual(shown(was.user));
      expect(routingSnapshot(emu, id)).toEqual(was.routing);
    }
  }, 120_000);

  it('refuses a roles_divisions value (format not documented), naming the column, and writes nothing', async () => {
    org = await routingOrg({ users: 20 });
    const { box, emu, people } = org;
    const u = people[0]!;
    const file = await writeInput(
      box,
      'people.csv',
      csv([
        HEADER,
        row({ name: u.name!, email: u.email!, title: 'X', department: 'Y', roles_divisions: 'Agent:Home' }),
      ]),
    );
    const r = await box.cli(['update', file, '--yes']);
    expect(r.code, r.stderr).toBe(2);
    const json = await box.cli(['update', file, '--yes', '--json']);
    const doc = documentOf(json.stdout);
    expect(doc).toMatchObject({ outcome: 'invalid', exitCode: 2, layout: { name: 'admin-ui' } });
    expect(doc.rows[0]!.problems[0]).toMatchObject({ column: 'roles_divisions', code: 'undocumented_format' });
    expect(messages(r.stderr)).toMatch(
      /row 1 \(line 2\), column "roles_divisions": "Agent:Home" is refused: Genesys does not document/,
    );
    expectNoWrites(emu.stats());
  });

  it('names the layout column when a name in it is not in the organisation (email_manager, location_work)', async () => {
    org = await routingOrg({ users: 20 });
    const { box, emu, people } = org;
    const u = people[0]!;
    const file = await writeInput(
      box,
      'people.csv',
      csv([
        HEADER,
        row({
          name: u.name!,
          email: u.email!,
          title: 'X',
          department: 'Y',
          email_manager: 'nobody.at.all@example.invalid',
          location_work: 'Atlantis Office',
        }),
      ]),
    );
    const r = await box.cli(['update', file, '--yes']);
    expect(r.code, r.stderr).toBe(2);
    const said = messages(r.stderr);
    expect(said).toContain('column "email_manager"');
    expect(said).toContain('column "location_work"');
    expect(said).not.toContain('column "manager"');
    expectNoWrites(emu.stats());
  });
});

describe("the admin UI's import layout with --create", () => {
  it('creates the people the file adds, with their queues and skills, and updates those who exist', async () => {
    org = await routingOrg({ users: 20 });
    const { box, emu, people } = org;
    const existing = people[0]!;
    const file = await writeInput(
      box,
      'new-people.csv',
      csv([
        HEADER,
        row({
          name: 'Nia New',
          email: 'nia.new@example.com',
          title: 'Agent',
          department: '',
          queues: 'Sales Inbound',
          skills: 'Billing:3',
        }),
        row({ name: existing.name!, email: existing.email!, title: 'Supervisor', department: 'Care' }),
      ]),
    );
    const r = await box.cli(['update', file, '--create', '--yes']);
    expect(r.code, r.stderr).toBe(0);
    const nia = emu.users().find((u) => u.email === 'nia.new@example.com');
    expect(nia).toMatchObject({ name: 'Nia New', title: 'Agent' });
    expect(nia!.department).toBeUndefined();
    expect(nia!.division?.name).toBe('Home');
    expect(queuesOf(emu, nia!.id)).toEqual(['Sales Inbound']);
    expect(skillsOf(emu, nia!.id)).toEqual({ Billing: 3 });
    expect(emu.user(existing.id)).toMatchObject({ title: 'Supervisor', department: 'Care' });
  });
});
