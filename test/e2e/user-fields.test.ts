/**
 * The rest of a user (issue #11 item 4): acdAutoAnswer (in bulk when many users change it), locations by name,
 * profileSkills, certifications and phone extensions: each edited column makes exactly its change on the emulator,
 * a rerun makes none, rollback puts every user back exactly, export → update makes no write, and a missing
 * permission for an extension is named.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterEach, describe, expect, it } from 'vitest';
import type { GenesysUser } from '../../src/genesys/types.js';
import { type Sandbox, sandbox } from './harness.js';
import { activeUsers, csv, messages, routeCount, writeInput } from './helpers.js';
import { writeRequests } from './routing-helpers.js';

const BULK = 'PATCH /api/v2/users/bulk';
const PATCH = 'PATCH /api/v2/users/{userId}';

let box: Sandbox | undefined;
afterEach(async () => {
  await box?.close();
  box = undefined;
});

/** A user as any read shows it: no version, and an empty list the same as none (a read with `expand` shows []). */
const withoutVersion = (u: GenesysUser | undefined) => {
  const { version: _v, ...rest } = structuredClone(u!);
  for (const f of ['locations', 'profileSkills', 'certifications'] as const) if (rest[f]?.length === 0) delete rest[f];
  return rest;
};
const sorted = (xs: readonly string[] | undefined) => [...(xs ?? [])].sort();
const extensionOf = (u: GenesysUser, type = 'WORK') =>
  u.addresses?.find((c) => c.mediaType === 'PHONE' && c.type === type)?.extension;

describe('the rest of a user: auto-answer, locations, profile skills, certifications, extensions', () => {
  it('makes exactly the changes asked, bulk auto-answer for many users, nothing on a rerun, and rolls back exactly', async () => {
    box = await sandbox({ users: 80, seed: 5 });
    const emu = box.emulator;
    const users = activeUsers(box);
    const locations = emu.locations();
    const before = new Map(emu.users().map((u) => [u.id, u]));
    const [a, b1, b2, b3, b4, l1, l2, p1, c1, e1] = users;
    const withExtension = users.find((u) => u !== e1 && extensionOf(u) !== undefined)!;
    const withCerts =
      users.find((u) => ![a, b1, b2, b3, b4, l1, l2, p1, e1].includes(u) && (u.certifications ?? []).length > 0) ?? c1!;
    const nameOf = (id: string) => locations.find((l) => l.id === id)!.name!;
    const notHeld = (u: GenesysUser) => locations.find((l) => !(u.locations ?? []).some((x) => x.id === l.id))!;
    const flip = (u: GenesysUser) => String(u.acdAutoAnswer !== true);
    const header = [
      'email',
      'title',
      'acdAutoAnswer',
      'locations',
      'profileSkills',
      'certifications',
      'phone.work.extension',
    ];
    const rows = [
      [a!.email!, 'Auto Answerer', flip(a!), '', '', '', ''],
      ...[b1, b2, b3, b4].map((u) => [u!.email!, '', flip(u!), '', '', '', '']),
      [l1!.email!, '', '', `+${notHeld(l1!).name!.toUpperCase()}`, '', '', ''],
      [l2!.email!, '', '', `${locations[0]!.name};${locations[1]!.name}`, '', '', ''],
      [
        p1!.email!,
        '',
        '',
        '',
        `+Kotlin;${(p1!.profileSkills ?? []).map((s) => `-${s}`).join(';')}`.replace(/;$/, ''),
        '',
        '',
      ],
      [withCerts.email!, '', '', '', '', '<clear>', ''],
      [e1!.email!, '', '', '', '', '', '4021'],
      [withExtension.email!, '', '', '', '', '', '<clear>'],
    ];
    await writeInput(box, 'fields.csv', csv([header, ...rows]));

    const r = await box.cli(['update', 'fields.csv', '--yes', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const stats = emu.stats();
    // Four auto-answer-only rows: one bulk call; the row that also changes its title sends auto-answer in its PATCH.
    expect(routeCount(stats, BULK)).toBe(1);
    expect(routeCount(stats, PATCH)).toBe(rows.length - 4);

    const now = (u: GenesysUser) => emu.user(u.id)!;
    expect(now(a!)).toMatchObject({ title: 'Auto Answerer', acdAutoAnswer: a!.acdAutoAnswer !== true });
    for (const u of [b1, b2, b3, b4]) expect(now(u!).acdAutoAnswer).toBe(u!.acdAutoAnswer !== true);
    expect(now(l1!).locations).toEqual([...(l1!.locations ?? []), { id: notHeld(l1!).id }]);
    expect(sorted(now(l2!).locations?.map((l) => nameOf(l.id)))).toEqual(
      sorted([locations[0]!.name!, locations[1]!.name!]),
    );
    // A location kept keeps its notes.
    for (const kept of now(l2!).locations ?? []) {
      const was = l2!.locations?.find((x) => x.id === kept.id);
      if (was) expect(kept).toEqual(was);
    }
    expect(now(p1!).profileSkills).toEqual(['Kotlin']);
    expect(now(withCerts).certifications ?? []).toEqual([]);
    expect(extensionOf(now(e1!))).toBe('4021');
    expect(now(e1!).addresses?.find((c) => c.type === 'WORK')?.address).toBeUndefined();
    expect(now(withExtension).addresses?.some((c) => c.mediaType === 'PHONE' && c.type === 'WORK')).toBe(false);
    // Nothing else changed, on these users or any other.
    for (const u of emu.users()) {
      const was = before.get(u.id)!;
      const {
        version: _v,
        acdAutoAnswer: _x,
        title: _t,
        locations: _l,
        profileSkills: _p,
        certifications: _c,
        addresses: _d,
        ...rest
      } = u;
      const {
        version: _v2,
        acdAutoAnswer: _x2,
        title: _t2,
        locations: _l2,
        profileSkills: _p2,
        certifications: _c2,
        addresses: _d2,
        ...wasRest
      } = was;
      expect(rest).toEqual(wasRest);
    }

    const writes = writeRequests(emu.stats());
    const again = await box.cli(['update', 'fields.csv', '--yes']);
    expect(again.code, again.stderr).toBe(0);
    expect(writeRequests(emu.stats())).toBe(writes);

    const runId = (JSON.parse(r.stdout) as { runId: string }).runId;
    const rb = await box.cli(['rollback', runId, '--yes']);
    expect(rb.code, rb.stderr).toBe(0);
    for (const u of emu.users()) expect(withoutVersion(u), u.email).toEqual(withoutVersion(before.get(u.id)));
  }, 120_000);

  it('sends auto-answer for 120 users in 3 bulk calls of at most 50', async () => {
    box = await sandbox({ users: 140, seed: 6 });
    const users = activeUsers(box).slice(0, 120);
    await writeInput(
      box,
      'aa.csv',
      csv([['id', 'acdAutoAnswer'], ...users.map((u) => [u.id, String(u.acdAutoAnswer !== true)])]),
    );
    const r = await box.cli(['update', 'aa.csv', '--yes']);
    expect(r.code, r.stderr).toBe(0);
    expect(routeCount(box.emulator.stats(), BULK)).toBe(3);
    expect(routeCount(box.emulator.stats(), PATCH)).toBe(0);
    for (const u of users) expect(box.emulator.user(u.id)!.acdAutoAnswer).toBe(u.acdAutoAnswer !== true);
  }, 120_000);

  it('refuses an unknown location before any write, suggesting the closest name', async () => {
    box = await sandbox({ users: 20, seed: 7 });
    const [u] = activeUsers(box);
    const known = box.emulator.locations()[0]!.name!;
    await writeInput(
      box,
      'loc.csv',
      csv([
        ['email', 'locations'],
        [u!.email!, `+${known.slice(0, -1)}x`],
      ]),
    );
    const r = await box.cli(['update', 'loc.csv', '--yes']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stdout + r.stderr).toContain(`did you mean "${known}"?`);
    expect(writeRequests(box.emulator.stats())).toBe(0);
  }, 60_000);

  it.each([true, false])(
    'names telephony:extension:assign when an extension is refused (the platform naming it: %s)',
    async (named) => {
      box = await sandbox({ users: 20, seed: 8 });
      box.emulator.setFaults({ deniedPermissions: ['telephony:extension:assign'], namePermissions: named });
      const [u, v] = activeUsers(box);
      await writeInput(
        box,
        'ext.csv',
        csv([
          ['email', 'phone.work.extension', 'title'],
          [u!.email!, '4022', ''],
          [v!.email!, '', 'Still Allowed'],
        ]),
      );
      const r = await box.cli(['update', 'ext.csv', '--yes', '--report', 'report.csv']);
      expect(r.code, r.stderr).toBe(1);
      const report = parse(await readFile(join(box.dir, 'report.csv'), 'utf8'), { columns: true }) as Record<
        string,
        string
      >[];
      const failed = report.find((x) => x.key === u!.email)!;
      expect(failed.status).toBe('failed');
      expect(failed.message).toContain('telephony:extension:assign');
      expect(report.find((x) => x.key === v!.email)!.status).toBe('updated');
      expect(extensionOf(box.emulator.user(u!.id)!)).toBeUndefined();
      expect(messages(r.stderr)).not.toContain('undefined');
    },
    60_000,
  );
});

describe('export of the new columns', () => {
  it('round-trips with 0 writes, and an edited cell of each new column makes exactly that change', async () => {
    box = await sandbox({ users: 120, seed: 9 });
    const emu = box.emulator;
    const columns =
      'id,email,acdAutoAnswer,locations,profileSkills,certifications,phone.work,phone.work.extension,phone.work2.extension';
    const ex = await box.cli(['export', 'out.csv', '--columns', columns]);
    expect(ex.code, ex.stderr).toBe(0);
    const rows = parse(await readFile(join(box.dir, 'out.csv'), 'utf8'), { columns: true, bom: true }) as Record<
      string,
      string
    >[];
    expect(rows.some((r) => r.locations !== '')).toBe(true);
    expect(rows.some((r) => r['phone.work.extension'] !== '')).toBe(true);
    expect(rows.some((r) => r.profileSkills !== '')).toBe(true);
    // Locations by name.
    const names = new Set(emu.locations().map((l) => l.name));
    for (const r of rows) for (const n of r.locations!.split(';').filter(Boolean)) expect(names.has(n)).toBe(true);

    const writes = writeRequests(emu.stats());
    const same = await box.cli(['update', 'out.csv', '--yes']);
    expect(same.code, same.stderr).toBe(0);
    expect(writeRequests(emu.stats())).toBe(writes);

    const edited = rows.map((r) => ({ ...r }));
    const pick = (i: number) => edited[i]!;
    pick(1).acdAutoAnswer = pick(1).acdAutoAnswer === 'true' ? 'false' : 'true';
    const other = [...names].find((n) => !pick(2).locations!.split(';').includes(n!))!;
    pick(2).locations = [pick(2).locations, other].filter(Boolean).join(';');
    pick(3).profileSkills = [pick(3).profileSkills, 'Rust'].filter(Boolean).join(';');
    pick(4).certifications = 'CCNA';
    pick(5)['phone.work'] = '';
    pick(5)['phone.work.extension'] = '7788';
    const header = columns.split(',');
    await writeInput(box, 'edited.csv', csv([header, ...edited.map((r) => header.map((h) => r[h]!))]));
    const plan = await box.cli(['update', 'edited.csv', '--dry-run', '--json']);
    const doc = JSON.parse(plan.stdout) as { rows: { key: string; changes?: { field: string }[] }[] };
    const fields = doc.rows.flatMap((r) => (r.changes ?? []).map((c) => `${r.key} ${c.field}`)).sort();
    expect(fields).toEqual(
      [
        `${pick(1).id} acdAutoAnswer`,
        `${pick(2).id} locations`,
        `${pick(3).id} profileSkills`,
        `${pick(4).id} certifications`,
        `${pick(5).id} phone.work`,
      ].sort(),
    );
    const applied = await box.cli(['update', 'edited.csv', '--yes']);
    expect(applied.code, applied.stderr).toBe(0);
    expect(writeRequests(emu.stats()) - writes).toBe(5);
    expect(extensionOf(emu.user(pick(5).id!)!)).toBe('7788');
    expect(emu.user(pick(4).id!)!.certifications).toEqual(['CCNA']);
    expect(emu.user(pick(3).id!)!.profileSkills).toContain('Rust');
  }, 120_000);
});
