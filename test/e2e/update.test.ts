/**
 * End-to-end tests of `genesys-bulk update` (issue #3, "Must show"): the built CLI runs as a separate process
 * against the bundled emulator, and every expectation is checked against the emulator's directory and counters.
 * Expectations are derived from the directory the emulator serves, never from hard-coded names.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { generateDirectory } from '../../src/emulator/index.js';
import type { Contact, GenesysUser } from '../../src/genesys/types.js';
import { type Sandbox, sandbox } from './harness.js';
import {
  activeUsers,
  csv,
  expectNoWrites,
  expectOnlyChanged,
  fileMode,
  freshPhone,
  isExtensionOnly,
  isPhone,
  logRecords,
  messages,
  PATCH_ROUTE,
  patchRequests,
  type ReportRecordJson,
  readCsvReport,
  readJsonlReport,
  renderedChange,
  routeCount,
  unusedEmail,
  unusedId,
  writeInput,
} from './helpers.js';

let box: Sandbox | undefined;
afterEach(async () => {
  await box?.close();
  box = undefined;
});

async function open(options: Parameters<typeof sandbox>[0] = {}): Promise<Sandbox> {
  box = await sandbox(options);
  return box;
}

/** Mixed case: `Ana.Lopez@EXAMPLE.com` for `ana.lopez@example.com`. */
function mixedCase(email: string): string {
  const [local, domain] = email.split('@') as [string, string];
  return `${local.charAt(0).toUpperCase()}${local.slice(1)}@${domain.toUpperCase()}`;
}

describe('update: input formats', () => {
  it('applies a CSV keyed by email, matching keys whatever their case, and touches nothing else', async () => {
    const b = await open();
    const [u1, u2, u3] = activeUsers(b);
    const file = await writeInput(
      b,
      'users.csv',
      csv([
        ['email', 'title', 'department'],
        [u1!.email!.toUpperCase(), 'E2E Title One', 'E2E Dept'],
        [mixedCase(u2!.email!), 'E2E Title Two', ''],
        [u3!.email!, '', 'E2E Dept Three'],
      ]),
    );

    const r = await b.cli(['update', file, '--yes']);
    expect(r.stderr).toContain('3 updated');
    expect(r.code).toBe(0);

    const current = (u: GenesysUser) => b.emulator.user(u.id)!;
    expect(current(u1!)).toMatchObject({ title: 'E2E Title One', department: 'E2E Dept' });
    expect(current(u2!)).toMatchObject({ title: 'E2E Title Two', department: u2!.department });
    expect(current(u3!)).toMatchObject({ title: u3!.title, department: 'E2E Dept Three' });
    expectOnlyChanged(u1, current(u1!), ['title', 'department']);
    expectOnlyChanged(u2, current(u2!), ['title']);
    expectOnlyChanged(u3, current(u3!), ['department']);

    const s = b.emulator.stats();
    expect(s.patchesApplied).toBe(3);
    expect(s.patchesByUser).toEqual({ [u1!.id]: 1, [u2!.id]: 1, [u3!.id]: 1 });
  });

  it('applies a JSON array keyed by id with nested employerInfo, merging the sub-fields it does not name', async () => {
    const b = await open();
    const [u1, u2] = activeUsers(b).filter((u) => u.employerInfo?.officialName && u.employerInfo.employeeType);
    const rows = [
      // An upper-case id: ids are UUIDs and match whatever their case.
      { id: u1!.id.toUpperCase(), employerInfo: { employeeId: 'E2E-0001', dateHire: '2020-02-29' } },
      { id: u2!.id, title: 'E2E Nested', employerInfo: { officialName: null, employeeType: 'Contractor' } },
    ];
    const file = await writeInput(b, 'users.json', JSON.stringify(rows, null, 2));

    const r = await b.cli(['update', file, '--yes']);
    expect(r.stderr).toContain('2 updated');
    expect(r.code).toBe(0);

    const a1 = b.emulator.user(u1!.id)!;
    const a2 = b.emulator.user(u2!.id)!;
    expect(a1.employerInfo).toEqual({ ...u1!.employerInfo, employeeId: 'E2E-0001', dateHire: '2020-02-29' });
    const { officialName: _cleared, ...rest2 } = u2!.employerInfo!;
    expect(a2.employerInfo).toEqual({ ...rest2, employeeType: 'Contractor' });
    expect(a2.title).toBe('E2E Nested');
    expectOnlyChanged(u1, a1, ['employerInfo']);
    expectOnlyChanged(u2, a2, ['employerInfo', 'title']);
    expect(b.emulator.stats().patchesApplied).toBe(2);
  });

  it('reads JSON Lines from stdin with `update -`', async () => {
    const b = await open();
    const [u1, u2] = activeUsers(b);
    const stdin = [
      JSON.stringify({ email: u1!.email, title: 'E2E From Stdin' }),
      '',
      JSON.stringify({ id: u2!.id, department: 'E2E Stdin Dept', employerInfo: { employeeId: 'E2E-STDIN' } }),
      '',
    ].join('\n');

    const r = await b.cli(['update', '-', '--yes'], { stdin });
    expect(r.stderr).toContain('2 updated');
    expect(r.code).toBe(0);
    expect(b.emulator.user(u1!.id)?.title).toBe('E2E From Stdin');
    expect(b.emulator.user(u2!.id)).toMatchObject({
      department: 'E2E Stdin Dept',
      employerInfo: { ...u2!.employerInfo, employeeId: 'E2E-STDIN' },
    });
    expectOnlyChanged(u1, b.emulator.user(u1!.id), ['title']);
    expectOnlyChanged(u2, b.emulator.user(u2!.id), ['department', 'employerInfo']);
    expect(b.emulator.stats().patchesApplied).toBe(2);
  });
});

describe('update --dry-run', () => {
  async function dryRunSetup() {
    const b = await open();
    const [u1, u2, u3] = activeUsers(b);
    const file = await writeInput(
      b,
      'plan.csv',
      csv([
        ['email', 'title', 'department'],
        [u1!.email!, 'E2E Dry Title', ''],
        [u2!.email!.toUpperCase(), '', 'E2E Dry Dept'],
        [u3!.email!, u3!.title ?? '', ''],
      ]),
    );
    return { b, u1: u1!, u2: u2!, u3: u3!, file, before: b.emulator.users() };
  }

  it('prints the plan naming the users and fields, and writes nothing', async () => {
    const { b, u1, u2, u3, file, before } = await dryRunSetup();
    const r = await b.cli(['update', file, '--dry-run']);
    expect(r.code).toBe(0);

    expect(r.stdout).toContain(u1.email!);
    expect(r.stdout).toContain(renderedChange('title', u1.title ?? null, 'E2E Dry Title'));
    expect(r.stdout).toContain(u2.email!);
    expect(r.stdout).toContain(renderedChange('department', u2.department ?? null, 'E2E Dry Dept'));
    // An unchanged row is counted, not listed.
    expect(r.stdout).not.toContain(u3.email!);
    expect(r.stdout).toMatch(/2 to change, 1 unchanged/);

    expectNoWrites(b.emulator.stats());
    expect(b.emulator.users()).toEqual(before);
  });

  it('with --json prints exactly one JSON document on stdout: the planned rows', async () => {
    const { b, u1, u2, u3, file, before } = await dryRunSetup();
    const r = await b.cli(['update', file, '--dry-run', '--json']);
    expect(r.code).toBe(0);

    const plan = JSON.parse(r.stdout) as {
      summary: Record<string, number>;
      rows: {
        row: number;
        userId: string | null;
        status: string;
        changes: { field: string; before: unknown; after: unknown }[];
      }[];
    };
    expect(plan.summary).toMatchObject({ rows: 3, planned: 2, unchanged: 1 });
    expect(plan.rows.map((p) => [p.row, p.userId, p.status])).toEqual([
      [1, u1.id, 'planned'],
      [2, u2.id, 'planned'],
      [3, u3.id, 'unchanged'],
    ]);
    expect(plan.rows[0]!.changes).toEqual([{ field: 'title', before: u1.title ?? null, after: 'E2E Dry Title' }]);
    expect(plan.rows[1]!.changes).toEqual([
      { field: 'department', before: u2.department ?? null, after: 'E2E Dry Dept' },
    ]);
    // Logs and the summary line go to stderr only.
    expect(r.stdout).not.toContain('"level"');
    expect(r.stderr).toContain('Dry run');

    expectNoWrites(b.emulator.stats());
    expect(b.emulator.users()).toEqual(before);
  });
});

describe('update: what a row changes', () => {
  it('rows that already hold their values write nothing and are reported unchanged', async () => {
    const b = await open();
    const users = activeUsers(b).filter(
      (u) => u.title && u.department && u.addresses?.some((c) => isPhone(c, 'MOBILE') && c.address),
    );
    const [u1, u2] = users;
    const mobile = u2!.addresses!.find((c) => isPhone(c, 'MOBILE'))!.address!;
    // The same number as stored, typed with spaces and dashes: still the same number.
    const typedMobile = `${mobile.slice(0, 2)} ${mobile.slice(2, 5)}-${mobile.slice(5)}`;
    const file = await writeInput(
      b,
      'same.csv',
      csv([
        ['email', 'title', 'department', 'employerInfo.employeeId', 'phone.mobile'],
        [u1!.email!.toUpperCase(), u1!.title!, u1!.department!, u1!.employerInfo?.employeeId ?? '', ''],
        [u2!.email!, u2!.title!, '', '', typedMobile],
      ]),
    );

    const r = await b.cli(['update', file, '--yes', '--report', 'same.jsonl']);
    expect(r.stderr).toContain('2 unchanged');
    expect(r.code).toBe(0);
    expectNoWrites(b.emulator.stats());
    const report = await readJsonlReport(b, 'same.jsonl');
    expect(report.map((x) => [x.row, x.userId, x.status, x.changes])).toEqual([
      [1, u1!.id, 'unchanged', []],
      [2, u2!.id, 'unchanged', []],
    ]);
  });

  it('sets a manager named by email (to that user’s id) and clears one with <clear>', async () => {
    const b = await open();
    const users = activeUsers(b);
    const subject = users.find((u) => u.manager)!;
    const manager = users.find((u) => u.id !== subject.id && u.id !== subject.manager?.id)!;
    const other = users.find((u) => u.manager && u.id !== subject.id && u.id !== manager.id)!;
    const file = await writeInput(
      b,
      'managers.csv',
      csv([
        ['email', 'manager'],
        [subject.email!, mixedCase(manager.email!)],
        [other.email!, '<clear>'],
      ]),
    );

    const r = await b.cli(['update', file, '--yes']);
    expect(r.stderr).toContain('2 updated');
    expect(r.code).toBe(0);
    expect(b.emulator.user(subject.id)?.manager?.id).toBe(manager.id);
    expect(b.emulator.user(other.id)?.manager).toBeUndefined();
    expectOnlyChanged(subject, b.emulator.user(subject.id), ['manager']);
    expectOnlyChanged(other, b.emulator.user(other.id), ['manager']);
    expect(b.emulator.stats().patchesApplied).toBe(2);
  });

  it('changes one phone and keeps every other contact as it was and where it was', async () => {
    // A user with a MOBILE number, an extension-only contact and another numbered contact; and one with a HOME
    // number among others. Taken from the seeded directory when it has them, constructed otherwise.
    const rich = (u: GenesysUser) =>
      u.state === 'active' &&
      (u.addresses ?? []).some((c) => isPhone(c, 'MOBILE') && c.address) &&
      (u.addresses ?? []).some(isExtensionOnly) &&
      (u.addresses ?? []).some((c) => c.address && !isPhone(c, 'MOBILE'));
    const withHome = (u: GenesysUser) =>
      u.state === 'active' &&
      (u.addresses ?? []).some((c) => isPhone(c, 'HOME') && c.address) &&
      (u.addresses ?? []).filter((c) => !isPhone(c, 'HOME')).length >= 2;
    let b = await open();
    let a = b.emulator.users().find(rich);
    let h = b.emulator.users().find((u) => withHome(u) && u.id !== a?.id);
    if (!a || !h) {
      await b.close();
      box = undefined;
      const users = generateDirectory({ users: 200, seed: 11 });
      const [x, y] = users.filter((u) => u.state === 'active').slice(1);
      const phone = (type: Contact['type'], address: string): Contact => ({
        address,
        display: address,
        countryCode: 'US',
        mediaType: 'PHONE',
        type,
      });
      x!.addresses = [
        phone('WORK', '+13175550101'),
        { extension: '4321', display: '4321', mediaType: 'PHONE', type: 'WORK2' },
        phone('MOBILE', '+13175550102'),
        phone('HOME', '+13175550103'),
      ];
      y!.addresses = [
        phone('WORK', '+13175550111'),
        phone('HOME', '+13175550112'),
        { extension: '4322', display: '4322', mediaType: 'PHONE', type: 'WORK2' },
        phone('MOBILE', '+13175550113'),
      ];
      b = await open({ users });
      a = b.emulator.user(x!.id);
      h = b.emulator.user(y!.id);
    }
    const number = freshPhone(a!);
    const file = await writeInput(
      b,
      'phones.csv',
      csv([
        ['email', 'phone.mobile', 'phone.home'],
        [a!.email!, number.typed, ''],
        [h!.email!, '', '<clear>'],
      ]),
    );

    const r = await b.cli(['update', file, '--yes']);
    expect(r.stderr).toContain('2 updated');
    expect(r.code).toBe(0);

    const beforeA = a!.addresses!;
    const afterA = b.emulator.user(a!.id)!.addresses!;
    expect(afterA).toHaveLength(beforeA.length);
    beforeA.forEach((c, i) => {
      if (isPhone(c, 'MOBILE')) {
        expect(afterA[i]).toMatchObject({ address: number.e164, mediaType: 'PHONE', type: 'MOBILE' });
        expect(afterA[i]?.extension).toBeUndefined();
      } else {
        expect(afterA[i]).toEqual(c);
      }
    });
    expectOnlyChanged(a, b.emulator.user(a!.id), ['addresses']);

    const afterH = b.emulator.user(h!.id)!.addresses!;
    expect(afterH).toEqual(h!.addresses!.filter((c) => !isPhone(c, 'HOME')));
    expectOnlyChanged(h, b.emulator.user(h!.id), ['addresses']);
    expect(b.emulator.stats().patchesApplied).toBe(2);
  });

  it('<clear> clears a title', async () => {
    const b = await open();
    const u = activeUsers(b).find((x) => x.title)!;
    const file = await writeInput(
      b,
      'clear.csv',
      csv([
        ['email', 'title'],
        [u.email!, '<clear>'],
      ]),
    );

    const r = await b.cli(['update', file, '--yes', '--report', 'clear.jsonl']);
    expect(r.code).toBe(0);
    const after = b.emulator.user(u.id)!;
    expect(after.title ?? null).toBeNull();
    expectOnlyChanged(u, after, ['title']);
    const [rec] = await readJsonlReport(b, 'clear.jsonl');
    expect(rec).toMatchObject({ status: 'updated', changes: [{ field: 'title', before: u.title, after: null }] });
  });

  it('deactivates a user with a PATCH of its own, leaving the rest of the profile intact', async () => {
    const b = await open();
    const [quiet, busy] = activeUsers(b);
    const file = await writeInput(
      b,
      'state.csv',
      csv([
        ['email', 'state', 'title'],
        [quiet!.email!, 'inactive', ''],
        // state and another field in one row: two PATCHes, the profile first, then state alone.
        [busy!.email!, 'Inactive', 'E2E Leaving'],
      ]),
    );

    const r = await b.cli(['update', file, '--yes']);
    expect(r.stderr).toContain('2 updated');
    expect(r.code).toBe(0);

    const q = b.emulator.user(quiet!.id)!;
    expect(q.state).toBe('inactive');
    expectOnlyChanged(quiet, q, ['state']);
    const s = b.emulator.user(busy!.id)!;
    expect(s.state).toBe('inactive');
    expect(s.title).toBe('E2E Leaving');
    expectOnlyChanged(busy, s, ['state', 'title']);

    const stats = b.emulator.stats();
    // The emulator answers 400 to a PATCH that sends state with other fields: every PATCH succeeded, so state went
    // alone; one write for the state-only row, two for the row with state and title.
    expect(stats.byRoute[PATCH_ROUTE]).toEqual({ 200: 3 });
    expect(stats.patchesByUser).toEqual({ [quiet!.id]: 1, [busy!.id]: 2 });
  });

  it('changes an email with newEmail in a row keyed by the old email', async () => {
    const b = await open();
    const u = activeUsers(b)[0]!;
    const next = unusedEmail(b, 'e2e.renamed');
    const file = await writeInput(
      b,
      'rename.csv',
      csv([
        ['email', 'newEmail'],
        [mixedCase(u.email!), next],
      ]),
    );

    const r = await b.cli(['update', file, '--yes']);
    expect(r.stderr).toContain('1 updated');
    expect(r.code).toBe(0);
    const after = b.emulator.user(u.id)!;
    expect(after.email).toBe(next);
    expect(after.primaryContactInfo?.find((c) => c.mediaType === 'EMAIL' && c.type === 'PRIMARY')?.address).toBe(next);
    expectOnlyChanged(u, after, ['email', 'primaryContactInfo']);
    expect(b.emulator.stats().patchesApplied).toBe(1);
  });

  it('reports unknown users as not_found, exits 1, and still applies the other rows', async () => {
    const b = await open();
    const [u1, u2] = activeUsers(b);
    const ghostEmail = unusedEmail(b, 'e2e.ghost');
    const ghostId = unusedId(b);
    const file = await writeInput(
      b,
      'some-missing.csv',
      csv([
        ['id', 'email', 'title'],
        ['', u1!.email!, 'E2E Found One'],
        ['', ghostEmail, 'E2E Ghost'],
        [ghostId, '', 'E2E Ghost Id'],
        [u2!.id, '', 'E2E Found Two'],
      ]),
    );

    const r = await b.cli(['update', file, '--yes', '--report', 'missing.jsonl']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/2 updated/);
    expect(r.stderr).toMatch(/2 not found/);
    expect(b.emulator.user(u1!.id)?.title).toBe('E2E Found One');
    expect(b.emulator.user(u2!.id)?.title).toBe('E2E Found Two');
    expect(b.emulator.stats().patchesApplied).toBe(2);
    const report = await readJsonlReport(b, 'missing.jsonl');
    expect(report.map((x) => [x.row, x.key, x.status])).toEqual([
      [1, u1!.email, 'updated'],
      [2, ghostEmail, 'not_found'],
      [3, ghostId, 'not_found'],
      [4, u2!.id, 'updated'],
    ]);
    expect(report[1]!.userId).toBeUndefined();
    expect(report[2]!.userId).toBeUndefined();
  });
});

describe('update --report', () => {
  async function reportRun(reportName: string) {
    const b = await open();
    const [changed, same] = activeUsers(b).filter((u) => u.title && u.department);
    const ghost = unusedEmail(b, 'e2e.nobody');
    const file = await writeInput(
      b,
      'report-input.csv',
      csv([
        ['email', 'title', 'department'],
        [changed!.email!.toUpperCase(), 'E2E Reported', 'E2E Reported Dept'],
        [same!.email!, same!.title!, ''],
        [ghost, 'E2E Nobody', ''],
      ]),
    );
    const r = await b.cli(['update', file, '--yes', '--report', reportName]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(reportName);
    return { b, changed: changed!, same: same!, ghost };
  }

  it('writes a CSV report: one record per input row with row, key, user id, status, old → new, attempts; mode 0600', async () => {
    const { b, changed, same, ghost } = await reportRun('out.csv');
    expect(await fileMode(join(b.dir, 'out.csv'))).toBe(0o600);
    const rows = await readCsvReport(b, 'out.csv');
    expect(rows).toHaveLength(3);
    expect(rows.map((x) => [x.row, x.line, x.key, x.userId, x.status])).toEqual([
      ['1', '2', changed.email, changed.id, 'updated'],
      ['2', '3', same.email, same.id, 'unchanged'],
      ['3', '4', ghost, '', 'not_found'],
    ]);
    expect(rows[0]!.changes).toContain(renderedChange('title', changed.title!, 'E2E Reported'));
    expect(rows[0]!.changes).toContain(renderedChange('department', changed.department!, 'E2E Reported Dept'));
    expect(Number(rows[0]!.attempts)).toBeGreaterThanOrEqual(1);
    expect(rows[1]!.changes).toBe('');
    expect(rows[1]!.attempts).toBe('0');
    expect(rows[2]!.attempts).toBe('0');
  });

  it('writes a JSON Lines report with the same records; mode 0600', async () => {
    const { b, changed, same, ghost } = await reportRun('out.jsonl');
    expect(await fileMode(join(b.dir, 'out.jsonl'))).toBe(0o600);
    const report = await readJsonlReport(b, 'out.jsonl');
    expect(report).toHaveLength(3);
    expect(report[0]).toMatchObject({
      row: 1,
      line: 2,
      key: changed.email,
      userId: changed.id,
      status: 'updated',
      changes: [
        { field: 'title', before: changed.title, after: 'E2E Reported' },
        { field: 'department', before: changed.department, after: 'E2E Reported Dept' },
      ],
    });
    expect(report[0]!.attempts).toBeGreaterThanOrEqual(1);
    expect(report[1]).toMatchObject({
      row: 2,
      line: 3,
      key: same.email,
      userId: same.id,
      status: 'unchanged',
      changes: [],
      attempts: 0,
    });
    expect(report[2]).toMatchObject({ row: 3, line: 4, key: ghost, status: 'not_found', changes: [], attempts: 0 });
    expect(report[2]!.userId).toBeUndefined();
  });
});

describe('update --skip-invalid', () => {
  it('applies the valid rows and reports the invalid ones (bad values and an unknown manager)', async () => {
    const b = await open();
    const [ok1, badPhone, ok2, badManager] = activeUsers(b);
    const ghostManager = unusedEmail(b, 'e2e.no.manager');
    const file = await writeInput(
      b,
      'mixed.csv',
      csv([
        ['email', 'title', 'phone.mobile', 'manager'],
        [ok1!.email!, 'E2E Valid One', '', ''],
        [badPhone!.email!, 'E2E Not Applied', '555-0100', ''],
        [ok2!.email!, 'E2E Valid Two', '', ''],
        [badManager!.email!, 'E2E Not Applied Either', '', ghostManager],
      ]),
    );

    // Without --skip-invalid: nothing is written at all.
    const strict = await b.cli(['update', file, '--yes']);
    expect(strict.code).toBe(2);
    expectNoWrites(b.emulator.stats());

    const r = await b.cli(['update', file, '--yes', '--skip-invalid', '--report', 'mixed.jsonl']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/2 updated/);
    expect(r.stderr).toMatch(/2 invalid/);
    expect(b.emulator.user(ok1!.id)?.title).toBe('E2E Valid One');
    expect(b.emulator.user(ok2!.id)?.title).toBe('E2E Valid Two');
    expect(b.emulator.user(badPhone!.id)).toEqual(badPhone);
    expect(b.emulator.user(badManager!.id)).toEqual(badManager);
    expect(b.emulator.stats().patchesApplied).toBe(2);
    expect(Object.keys(b.emulator.stats().patchesByUser).sort()).toEqual([ok1!.id, ok2!.id].sort());

    const report = await readJsonlReport(b, 'mixed.jsonl');
    expect(report.map((x) => [x.row, x.status])).toEqual([
      [1, 'updated'],
      [2, 'invalid'],
      [3, 'updated'],
      [4, 'invalid'],
    ]);
    expect(report[1]!.message).toContain('phone.mobile');
    expect(report[3]!.message).toContain(ghostManager);
  });
});

describe('update: exit codes', () => {
  it('exits 2 for a file with an invalid row, before any API call', async () => {
    const b = await open();
    const [u] = activeUsers(b);
    const file = await writeInput(
      b,
      'bad.csv',
      csv([
        ['email', 'title'],
        [u!.email!, 'E2E'],
        ['bob@', 'E2E'],
      ]),
    );
    const r = await b.cli(['update', file, '--yes']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/row 2 \(line 3\), column "email"/);
    expect(r.stdout).toBe('');
    expect(b.emulator.stats().requests).toBe(0);
  });

  it('exits 2 for a file that does not exist', async () => {
    const b = await open();
    const r = await b.cli(['update', 'no-such-file.csv', '--yes']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no-such-file.csv');
    expect(b.emulator.stats().requests).toBe(0);
  });

  it('exits 2 for an unknown flag', async () => {
    const b = await open();
    const [u] = activeUsers(b);
    const file = await writeInput(
      b,
      'ok.csv',
      csv([
        ['email', 'title'],
        [u!.email!, 'E2E'],
      ]),
    );
    const r = await b.cli(['update', file, '--yes', '--no-such-flag']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--no-such-flag');
    expect(b.emulator.stats().requests).toBe(0);
  });

  it('exits 3 for a wrong client secret, naming the credentials and never echoing the secret', async () => {
    const b = await open();
    const [u] = activeUsers(b);
    const file = await writeInput(
      b,
      'ok.csv',
      csv([
        ['email', 'title'],
        [u!.email!, 'E2E'],
      ]),
    );
    const wrong = 'e2e-wrong-secret-7f3a9c';
    const r = await b.cli(['update', file, '--yes'], { env: { GENESYS_CLIENT_SECRET: wrong } });
    expect(r.code).toBe(3);
    expect(messages(r.stderr)).toMatch(/GENESYS_CLIENT_SECRET|credentials/);
    expect(r.stderr + r.stdout).not.toContain(wrong);
    const s = b.emulator.stats();
    expect(s.tokensIssued).toBe(0);
    expectNoWrites(s);
  });

  it('exits 3 when GENESYS_CLIENT_ID is missing', async () => {
    const b = await open();
    const [u] = activeUsers(b);
    const file = await writeInput(
      b,
      'ok.csv',
      csv([
        ['email', 'title'],
        [u!.email!, 'E2E'],
      ]),
    );
    const r = await b.cli(['update', file, '--yes'], { env: { GENESYS_CLIENT_ID: undefined } });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('GENESYS_CLIENT_ID');
    expect(b.emulator.stats().requests).toBe(0);
  });

  it('exits 3 for an unknown region (and no base URL), listing the valid ones', async () => {
    const b = await open();
    const [u] = activeUsers(b);
    const file = await writeInput(
      b,
      'ok.csv',
      csv([
        ['email', 'title'],
        [u!.email!, 'E2E'],
      ]),
    );
    const r = await b.cli(['update', file, '--yes', '--region', 'nowhere_1'], {
      env: { GENESYS_BASE_URL: undefined },
      timeoutMs: 20_000,
    });
    expect(r.signal).toBeNull();
    expect(r.code).toBe(3);
    const text = messages(r.stderr);
    expect(text).toContain('nowhere_1');
    expect(text).toMatch(/eu_west_1/);
    expect(b.emulator.stats().requests).toBe(0);
  });

  it('exits 3 for plain http to a non-loopback host, refused up front (mentions TLS)', async () => {
    const b = await open();
    const [u] = activeUsers(b);
    const file = await writeInput(
      b,
      'ok.csv',
      csv([
        ['email', 'title'],
        [u!.email!, 'E2E'],
      ]),
    );
    const started = Date.now();
    const r = await b.cli(['update', file, '--yes', '--base-url', 'http://example.com'], {
      env: { GENESYS_BASE_URL: undefined },
      timeoutMs: 20_000,
    });
    expect(r.signal).toBeNull();
    expect(r.code).toBe(3);
    expect(messages(r.stderr)).toMatch(/TLS/);
    // Refused before any connection: no network timeout was waited for.
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it('refuses plain http to 0.0.0.0 (not loopback) before any request reaches the emulator listening there', async () => {
    const b = await open();
    const [u] = activeUsers(b);
    const file = await writeInput(
      b,
      'ok.csv',
      csv([
        ['email', 'title'],
        [u!.email!, 'E2E'],
      ]),
    );
    // On Linux a connection to 0.0.0.0 lands on the local host, i.e. the emulator: a request would be counted.
    const r = await b.cli(['update', file, '--yes', '--base-url', `http://0.0.0.0:${b.emulator.port}`], {
      env: { GENESYS_BASE_URL: undefined },
      timeoutMs: 20_000,
    });
    expect(r.code).toBe(3);
    expect(messages(r.stderr)).toMatch(/TLS/);
    expect(b.emulator.stats().requests).toBe(0);
  });
});

describe('update: stdout and stderr', () => {
  it('keeps logs on stderr: stdout holds the plan only, or with --json one JSON result document', async () => {
    const b = await open();
    const [u1, u2, u3] = activeUsers(b);
    const file = await writeInput(
      b,
      'streams.csv',
      csv([
        ['email', 'title'],
        [u1!.email!, 'E2E Streams One'],
        [u2!.email!, u2!.title ?? ''],
      ]),
    );

    const text = await b.cli(['--log-level', 'debug', 'update', file, '--yes']);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(u1!.email!);
    expect(text.stdout).not.toMatch(/"level"|"msg"/);
    expect(text.stdout).not.toMatch(/^Done/m);
    expect(logRecords(text.stderr).length).toBeGreaterThan(0);
    expect(text.stderr).toMatch(/^Done/m);

    const file2 = await writeInput(
      b,
      'streams.jsonl',
      `${JSON.stringify({ email: u3!.email, title: 'E2E Streams Three' })}\n${JSON.stringify({ email: u1!.email, title: 'E2E Streams One' })}\n`,
    );
    const json = await b.cli(['--log-level', 'debug', 'update', file2, '--yes', '--json']);
    expect(json.code).toBe(0);
    const result = JSON.parse(json.stdout) as {
      schemaVersion: number;
      exitCode: number;
      summary: Record<string, number>;
      rows: ReportRecordJson[];
    };
    expect(result).toMatchObject({ schemaVersion: 1, exitCode: 0 });
    expect(result.summary).toMatchObject({ rows: 2, updated: 1, unchanged: 1 });
    expect(result.rows.map((x) => [x.row, x.userId, x.status])).toEqual([
      [1, u3!.id, 'updated'],
      [2, u1!.id, 'unchanged'],
    ]);
    expect(logRecords(json.stderr).length).toBeGreaterThan(0);
    expect(json.stderr).toMatch(/^Done/m);
    expect(b.emulator.stats().patchesApplied).toBe(2);
    expect(patchRequests(b.emulator.stats())).toBe(2);
    expect(routeCount(b.emulator.stats(), PATCH_ROUTE)).toBe(2);
  });
});

describe('update: rows that need care', () => {
  it('reactivates an inactive user keyed by email', async () => {
    const b = await open();
    const sleeper = b.emulator.users().find((u) => u.state === 'inactive' && u.email)!;
    expect(sleeper).toBeDefined();
    const file = await writeInput(
      b,
      'wake.csv',
      csv([
        ['email', 'state'],
        [sleeper.email!, 'active'],
      ]),
    );
    const r = await b.cli(['update', file, '--yes']);
    expect(r.stderr).toContain('1 updated');
    expect(r.code).toBe(0);
    expect(b.emulator.user(sleeper.id)?.state).toBe('active');
    expectOnlyChanged(sleeper, b.emulator.user(sleeper.id), ['state']);
  });

  it.each([409, 400] as const)(
    'another admin edits users between the read and the write, the stale version answered %i: re-read and applied',
    async (versionConflictStatus) => {
      const b = await open({ concurrentEditRate: 0.5, concurrentEditFields: ['department'], versionConflictStatus });
      const targets = activeUsers(b).slice(0, 12);
      const rows = [['id', 'title'], ...targets.map((u) => [u.id, `Edited ${u.id.slice(0, 8)}`])];
      const r = await b.cli(['update', await writeInput(b, 'titles.csv', csv(rows)), '--yes', '--no-progress']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain('12 updated');
      const stats = b.emulator.stats();
      expect(stats.concurrentEdits.length).toBeGreaterThan(0);
      expect(stats.byRoute[PATCH_ROUTE]?.[String(versionConflictStatus)]).toBe(stats.concurrentEdits.length);
      for (const u of targets) {
        // The other admin's last department stands: the title was applied on top of the re-read user.
        const edit = stats.concurrentEdits.findLast((e) => e.userId === u.id);
        expect(b.emulator.user(u.id)).toMatchObject({
          title: `Edited ${u.id.slice(0, 8)}`,
          ...(edit && { department: edit.value }),
        });
      }
    },
  );

  it('an organisation whose title is capped lower than the tool’s 255: the platform refuses that row, the others are written', async () => {
    const b = await open({ textMaxLength: 20 });
    const [a, c] = activeUsers(b);
    const file = await writeInput(
      b,
      'long.csv',
      csv([
        ['id', 'title'],
        [a!.id, 'A title of thirty characters.'],
        [c!.id, 'Short Title'],
      ]),
    );
    const r = await b.cli(['update', file, '--yes', '--no-progress', '--report', 'long.jsonl']);
    expect(r.code, r.stderr).toBe(1);
    const [long, short] = await readJsonlReport(b, 'long.jsonl');
    expect(long).toMatchObject({ row: 1, status: 'failed', errorCode: 'bad.request' });
    expect(long!.message).toContain("'title': is 29 characters long; the maximum is 20");
    expect(short).toMatchObject({ row: 2, status: 'updated' });
    expect(b.emulator.user(a!.id)?.title).toBe(a!.title);
    expect(b.emulator.user(c!.id)?.title).toBe('Short Title');
    // Refused as invalid: sent once, never retried.
    expect(routeCount(b.emulator.stats(), PATCH_ROUTE)).toBe(2);
  });

  it('writes answered 504 by a gateway that gave up though the write stands: every row updated, once', async () => {
    const b = await open({ timeoutAfterWriteRate: 0.3 });
    const targets = activeUsers(b).slice(0, 20);
    const rows = [['id', 'title'], ...targets.map((u) => [u.id, `Gateway ${u.id.slice(0, 8)}`])];
    const r = await b.cli(['update', await writeInput(b, 'gw.csv', csv(rows)), '--yes', '--no-progress']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('20 updated');
    const stats = b.emulator.stats();
    expect(stats.faults.timeoutAfterWrite).toBeGreaterThan(0);
    for (const u of targets) {
      expect(b.emulator.user(u.id)).toMatchObject({ title: `Gateway ${u.id.slice(0, 8)}`, version: u.version + 1 });
    }
    expect(stats.patchesApplied).toBe(20);
  });

  it('a platform whose email search is case-sensitive finds a stored mixed-case address by the file’s spelling', async () => {
    const users = generateDirectory({ users: 20, seed: 11 });
    const stored = users.find((u) => u.state === 'active' && u.email)!;
    const spelled = mixedCase(stored.email!);
    stored.email = spelled;
    const b = await open({ users, searchEmailCaseSensitive: true });
    const other = activeUsers(b).find((u) => u.id !== stored.id)!;
    const file = await writeInput(
      b,
      'case.csv',
      csv([
        ['email', 'title'],
        [spelled, 'Found By Spelling'],
        [other.email!, 'Lower Case'],
      ]),
    );
    const r = await b.cli(['update', file, '--yes']);
    expect(r.stderr).toContain('2 updated');
    expect(r.code).toBe(0);
    expect(b.emulator.user(stored.id)).toMatchObject({ title: 'Found By Spelling', email: spelled });
    expect(routeCount(b.emulator.stats(), 'POST /api/v2/users/search')).toBe(1);
  });

  it('users created while the directory is listed, on a page read already, are found by key, not reported not_found', async () => {
    const b = await open({ users: 1200 });
    const early = (n: number, email: string): GenesysUser => ({
      id: `00000000-0000-4000-8000-00000000000${n}`,
      name: `Aaa Early ${n}`,
      email,
      username: email,
      state: 'active',
      version: 1,
    });
    const byId = early(1, 'aaa.early1@example.com');
    const byEmail = early(2, 'aaa.early2@example.com');
    const rows = [['id', 'email', 'title']];
    for (const u of b.emulator.users()) if (u.state !== 'deleted') rows.push([u.id, '', u.title ?? '']);
    rows.push([byId.id, '', 'Early One'], ['', byEmail.email!, 'Early Two']);
    const file = await writeInput(b, 'all.csv', csv(rows));
    b.emulator.duringNextListing({ create: [byId, byEmail] });
    const r = await b.cli(['update', file, '--dry-run']);
    expect(r.stdout).toContain('Plan: 2 to change, 1200 unchanged, 0 not found.');
    expect(r.code).toBe(0);
    const s = b.emulator.stats();
    expect(routeCount(s, 'GET /api/v2/users')).toBe(3 + 1);
    expect(routeCount(s, 'POST /api/v2/users/search')).toBe(1);
  });

  it('a newEmail another user already has is refused before any write, in its column (email-owners.ts)', async () => {
    const b = await open();
    const [mover, owner, bystander] = activeUsers(b);
    const file = await writeInput(
      b,
      'taken.csv',
      csv([
        ['email', 'newEmail', 'title'],
        [mover!.email!, owner!.email!, ''],
        [bystander!.email!, '', 'E2E Bystander'],
      ]),
    );
    const r = await b.cli(['update', file, '--yes', '--report', 'taken.jsonl']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('nothing was written');
    expect(b.emulator.user(mover!.id)).toEqual(mover);
    expect(b.emulator.user(owner!.id)).toEqual(owner);
    expect(b.emulator.user(bystander!.id)).toEqual(bystander);
    const [moved] = await readJsonlReport(b, 'taken.jsonl');
    expect(moved).toMatchObject({ row: 1, status: 'invalid' });
    expect(moved!.message).toContain(
      `column "newEmail": "${owner!.email!.toLowerCase()}" is already the email address of another user (${owner!.id})`,
    );
  });

  it('the same user named by id in one row and by email in another, with different changes: exit 2, nothing written', async () => {
    const b = await open();
    const [u, v] = activeUsers(b);
    const file = await writeInput(
      b,
      'twice.csv',
      csv([
        ['id', 'email', 'title'],
        [u!.id, '', 'E2E From Id'],
        ['', u!.email!, 'E2E From Email'],
        ['', v!.email!, 'E2E Innocent Row'],
      ]),
    );
    const r = await b.cli(['update', file, '--yes']);
    // Like two rows with the same key (test/fixtures/bad/csv-duplicate-conflict.csv): the file contradicts itself,
    // and which value would win is arbitrary.
    expect(r.code).toBe(2);
    expect(messages(r.stderr)).toMatch(/row 2\b/);
    expectNoWrites(b.emulator.stats());
    expect(b.emulator.user(u!.id)).toEqual(u);
  });

  it('the report has one record per input row, including rows skipped as repeats or with nothing to change', async () => {
    const b = await open();
    const [u1, u2, u3] = activeUsers(b);
    const file = await writeInput(
      b,
      'skips.csv',
      csv([
        ['email', 'title'],
        [u1!.email!, 'E2E Once'],
        [u1!.email!.toUpperCase(), 'E2E Once'], // the same change again: skipped with a warning
        [u2!.email!, ''], // nothing to change: skipped with a warning
        [u3!.email!, 'E2E Three'],
      ]),
    );
    const r = await b.cli(['update', file, '--yes', '--report', 'skips.jsonl']);
    expect(r.code).toBe(0);
    expect(b.emulator.stats().patchesApplied).toBe(2);
    const report = await readJsonlReport(b, 'skips.jsonl');
    expect(report.map((x) => x.row)).toEqual([1, 2, 3, 4]);
    expect(report[0]!.status).toBe('updated');
    expect(['skipped', 'unchanged']).toContain(report[1]!.status);
    expect(report[1]!.message).toMatch(/row 1/);
    expect(['skipped', 'unchanged']).toContain(report[2]!.status);
    expect(report[2]!.message).toMatch(/nothing to change/);
    expect(report[3]!.status).toBe('updated');
    expect(r.stderr).toMatch(/: 4 row\(s\)/);
  });

  it('a --report path in a folder that does not exist never leaves writes done and no report', async () => {
    const b = await open();
    const [u] = activeUsers(b);
    const file = await writeInput(
      b,
      'ok.csv',
      csv([
        ['email', 'title'],
        [u!.email!, 'E2E Unreported'],
      ]),
    );
    const r = await b.cli(['update', file, '--yes', '--report', 'no-such-folder/out.csv']);
    expect(r.stderr).not.toMatch(/unexpected error/);
    const s = b.emulator.stats();
    if (r.code === 0) {
      // Acceptable: the folder is created and the report written.
      const rows = await readCsvReport(b, 'no-such-folder/out.csv');
      expect(rows.map((x) => [x.userId, x.status])).toEqual([[u!.id, 'updated']]);
    } else {
      // Or refused up front as a usage error: exit 2, before logging in, nothing written.
      expect(r.code).toBe(2);
      expect(messages(r.stderr)).toContain('no-such-folder');
      expect(s.tokensIssued).toBe(0);
      expectNoWrites(s);
    }
  });

  it('a run of many rows writes no Node.js runtime warnings to stderr', async () => {
    const b = await open();
    const many = activeUsers(b).slice(0, 60);
    const file = await writeInput(
      b,
      'many.csv',
      csv([['email', 'title'], ...many.map((u, i) => [u.email!, `E2E Many ${i}`])]),
    );
    const r = await b.cli(['update', file, '--yes']);
    expect(r.code).toBe(0);
    expect(b.emulator.stats().patchesApplied).toBe(60);
    // e.g. "(node:123) MaxListenersExceededWarning: Possible EventTarget memory leak detected …"
    expect(r.stderr).not.toMatch(/\(node:\d+\) \w*Warning/);
  });
});
