/**
 * Email addresses differ only in case: Genesys Cloud treats them case-insensitively for sign-in and uniqueness, but
 * keeps the spelling it is given. A key differing only in case finds its user; a change of only the case is a change
 * written as spelled; two rows whose addresses differ only in case are the same address.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { GenesysUser } from '../../src/genesys/types.js';
import { type Sandbox, sandbox } from './harness.js';
import { activeUsers, asAnotherAdmin, csv, writeInput } from './helpers.js';

let box: Sandbox | undefined;
afterEach(async () => {
  await box?.close();
  box = undefined;
});

interface RowJson {
  row: number;
  status: string;
  userId: string | null;
  changes: { field: string; before: string | null; after: string | null }[];
  problems: { column: string | null; code: string; message: string }[];
}
const rowsOf = (stdout: string) => (JSON.parse(stdout) as { rows: RowJson[] }).rows;

/** `first.last@example.com` as `First.Last@Example.com`. */
const capitalised = (email: string) =>
  email.replace(/(^|\.|@)([a-z])/g, (_m, p: string, c: string) => p + c.toUpperCase());

describe('email addresses that differ only in case', () => {
  it('a key in other case finds the user; a case-only change of the address is planned and written as spelled', async () => {
    box = await sandbox({ users: 20 });
    const emu = box.emulator;
    const [a, b, c] = activeUsers(box) as [GenesysUser, GenesysUser, GenesysUser];
    // The platform keeps c's address with capitals; the file names it in lower case.
    await asAnotherAdmin(emu, 'PATCH', `/api/v2/users/${c.id}`, {
      email: capitalised(c.email as string),
      version: emu.user(c.id)?.version,
    });
    const file = await writeInput(
      box,
      'case.csv',
      csv([
        ['id', 'email', 'title'],
        [a.id, capitalised(a.email as string), ''],
      ]),
    );
    const byEmail = await writeInput(
      box,
      'by-email.csv',
      csv([
        ['email', 'newEmail', 'title'],
        [capitalised(b.email as string), (b.email as string).toUpperCase(), 'Case Lead'],
        [(c.email as string).toLowerCase(), '', 'Lower Lead'],
      ]),
    );
    const plan = await box.cli(['update', file, '--dry-run', '--json']);
    expect(plan.code, plan.stderr).toBe(0);
    const planned = rowsOf(plan.stdout);
    expect(planned[0]).toMatchObject({
      status: 'planned',
      changes: [{ field: 'email', before: a.email, after: capitalised(a.email as string) }],
    });
    const applied = await box.cli(['update', file, '--yes']);
    expect(applied.code, applied.stderr).toBe(0);
    expect(emu.user(a.id)?.email).toBe(capitalised(a.email as string));

    const second = await box.cli(['update', byEmail, '--yes', '--json']);
    expect(second.code, second.stderr).toBe(0);
    expect(rowsOf(second.stdout).map((r) => [r.status, r.userId])).toEqual([
      ['updated', b.id],
      ['updated', c.id],
    ]);
    expect(emu.user(b.id)).toMatchObject({ email: (b.email as string).toUpperCase(), title: 'Case Lead' });
    expect(emu.user(c.id)).toMatchObject({ email: capitalised(c.email as string), title: 'Lower Lead' });
  });

  it('two rows giving one address in two spellings to two users are refused before anything is written', async () => {
    box = await sandbox({ users: 20 });
    const [a, b] = activeUsers(box) as [GenesysUser, GenesysUser];
    const file = await writeInput(
      box,
      'twice.csv',
      csv([
        ['id', 'email'],
        [a.id, 'shared.box@example.com'],
        [b.id, 'Shared.Box@Example.com'],
      ]),
    );
    const r = await box.cli(['update', file, '--yes', '--json']);
    expect(r.code, r.stderr).toBe(2);
    expect(box.emulator.stats().patchesApplied).toBe(0);
    const problems = rowsOf(r.stdout).flatMap((row) => row.problems.map((p) => [row.row, p.column, p.code]));
    expect(problems).toEqual([
      [1, 'email', 'invalid_value'],
      [2, 'email', 'invalid_value'],
    ]);
  });

  it('--create: a row in other case than an existing user updates it; a new user is created as spelled', async () => {
    box = await sandbox({ users: 20 });
    const emu = box.emulator;
    const [a] = activeUsers(box) as [GenesysUser];
    const file = await writeInput(
      box,
      'create.csv',
      csv([
        ['email', 'name', 'title'],
        [capitalised(a.email as string), a.name ?? 'Ann', 'Found Lead'],
        ['Zed.Newman@Example.com', 'Zed Newman', 'New Lead'],
      ]),
    );
    const r = await box.cli(['update', file, '--create', '--yes', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(emu.user(a.id)?.title).toBe('Found Lead');
    const created = emu.users().filter((u) => u.email?.toLowerCase() === 'zed.newman@example.com');
    expect(created.map((u) => u.email)).toEqual(['Zed.Newman@Example.com']);
  });

  it('two rows naming one user in two spellings of the address are one user named twice', async () => {
    box = await sandbox({ users: 20 });
    const [a] = activeUsers(box) as [GenesysUser];
    const file = await writeInput(
      box,
      'dup.csv',
      csv([
        ['email', 'title'],
        [a.email as string, 'One'],
        [capitalised(a.email as string), 'Two'],
      ]),
    );
    const r = await box.cli(['update', file, '--dry-run', '--json']);
    expect(r.code, r.stdout).toBe(2);
    expect(rowsOf(r.stdout).map((row) => row.problems.map((p) => p.code))).toEqual([
      ['conflicting_rows'],
      ['conflicting_rows'],
    ]);
  });

  it('export --keys finds users whose key differs in case', async () => {
    box = await sandbox({ users: 20 });
    const [a, b] = activeUsers(box) as [GenesysUser, GenesysUser];
    const keys = await writeInput(
      box,
      'keys.csv',
      csv([['email'], [(a.email as string).toUpperCase()], [capitalised(b.email as string)]]),
    );
    const r = await box.cli(['export', 'out.csv', '--keys', keys]);
    expect(r.code, r.stderr).toBe(0);
    const { readFile } = await import('node:fs/promises');
    const text = await readFile(`${box.dir}/out.csv`, 'utf8');
    expect(text).toContain(a.id);
    expect(text).toContain(b.id);
  });
});
