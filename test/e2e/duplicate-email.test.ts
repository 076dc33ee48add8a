/**
 * An email address another user has. Known when the plan is made, the row is refused before anything is written
 * (email-owners.ts); taken between the plan and the write, the platform refuses the PATCH, with 409 or 400 (which
 * is unconfirmed): either way that row fails at once, with one PATCH, and no other row is held back.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type Sandbox, sandbox } from './harness.js';
import {
  activeUsers,
  csv,
  LIST_ROUTE,
  PATCH_ROUTE,
  readJsonlReport,
  routeCount,
  SEARCH_ROUTE,
  writeInput,
} from './helpers.js';

let box: Sandbox | undefined;
afterEach(async () => {
  await box?.close();
  box = undefined;
});

describe('an email another user has', () => {
  it('known at the plan: the row is refused in its email (or newEmail) column, exit 2, nothing written', async () => {
    box = await sandbox({ users: 30 });
    const [a, b, c, d, e] = activeUsers(box).filter((u) => u.email);
    const path = await writeInput(
      box,
      'emails.csv',
      csv([
        ['id', 'email', 'title'],
        [a!.id, b!.email!.toUpperCase(), 'Taken'],
        [c!.id, `fresh.${c!.id}@example.com`, 'Fresh'],
        // Its own address in other letters: no one else's.
        [d!.id, d!.email!.toUpperCase(), 'Own'],
      ]),
    );
    // A dry run says so too (it lets rows go once planned, but not those that change an address).
    const dry = await box.cli(['update', path, '--dry-run', '--no-progress']);
    expect(dry.code, dry.stderr).toBe(2);
    expect(dry.stderr).toContain(`column "email": "${b!.email!.toUpperCase()}" is already the email address`);
    const r = await box.cli(['update', path, '--yes', '--no-progress']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(
      `row 1 (line 2), column "email": "${b!.email!.toUpperCase()}" is already the email address of another user (${b!.id})`,
    );
    expect(r.stderr).toContain('1 problem(s) in 1 row(s); nothing was written');
    expect(routeCount(box.emulator.stats(), PATCH_ROUTE)).toBe(0);

    // An address that another row of the file takes away from its user is still refused: the writes run in no set order.
    const swap = await writeInput(
      box,
      'swap.csv',
      csv([
        ['id', 'email'],
        [d!.id, e!.email!],
        [e!.id, `moved.${e!.id}@example.com`],
      ]),
    );
    const s = await box.cli(['update', swap, '--yes', '--no-progress']);
    expect(s.code, s.stderr).toBe(2);
    expect(s.stderr).toContain(
      `row 1 (line 2), column "email": "${e!.email!.toLowerCase()}" is the email address of the user of row 2, which this file changes too`,
    );
    expect(s.stderr).toContain('1 problem(s) in 1 row(s); nothing was written');
    expect(routeCount(box.emulator.stats(), PATCH_ROUTE)).toBe(0);
    expect(box.emulator.user(a!.id)?.email).toBe(a!.email);
  });

  it("an export's email column, each user's own address, is looked up nowhere: the reads cost what they did", async () => {
    box = await sandbox({ users: 30 });
    const users = activeUsers(box)
      .filter((u) => u.email)
      .slice(0, 5);
    const path = await writeInput(
      box,
      'own.csv',
      csv([['id', 'email', 'title'], ...users.map((u) => [u.id, u.email!, `Own ${u.id}`])]),
    );
    const r = await box.cli(['update', path, '--yes', '--no-progress']);
    expect(r.code, r.stderr).toBe(0);
    const stats = box.emulator.stats();
    expect(routeCount(stats, SEARCH_ROUTE)).toBe(0);
    // The users' one read by id, then their PATCHes: no listing to look for the addresses' owners.
    expect(routeCount(stats, LIST_ROUTE)).toBe(1);
    expect(routeCount(stats, PATCH_ROUTE)).toBe(5);
  });

  it.each([409, 400] as const)(
    'taken after the plan, answered %i: that row fails after one PATCH, the others are written',
    async (status) => {
      box = await sandbox({ users: 30, duplicateEmailStatus: status });
      const [a, b, c] = activeUsers(box).filter((u) => u.email);
      const wanted = `wanted.${a!.id}@example.com`;
      const path = await writeInput(
        box,
        'emails.csv',
        csv([
          ['id', 'email', 'title'],
          [a!.id, wanted, 'Taken'],
          [c!.id, `fresh.${c!.id}@example.com`, 'Fresh'],
        ]),
      );
      // Another admin gives the address to b between this run's reads and its write.
      box.emulator.beforeNextUserWrite(a!.id, { giveEmail: { to: b!.id, email: wanted } });
      const r = await box.cli(['update', path, '--yes', '--no-progress', '--report', 'taken.jsonl']);
      expect(r.code, r.stderr).toBe(1);
      const [taken, fresh] = await readJsonlReport(box, 'taken.jsonl');
      expect(taken).toMatchObject({ row: 1, userId: a!.id, status: 'failed' });
      expect(taken!.message).toContain('already in use');
      // The user had not changed since it was read: the message must not send the admin after a version conflict.
      expect(taken!.message).not.toMatch(/version conflict|changed since it was read|re-apply/);
      expect(fresh).toMatchObject({ row: 2, status: 'updated' });
      expect(box.emulator.user(b!.id)?.email).toBe(wanted);
      expect(box.emulator.user(a!.id)?.email).toBe(a!.email);
      expect(box.emulator.user(c!.id)).toMatchObject({ email: `fresh.${c!.id}@example.com`, title: 'Fresh' });
      expect(routeCount(box.emulator.stats(), PATCH_ROUTE)).toBe(2);
    },
  );
});
