/**
 * What the platform answers to an email another user has is unconfirmed (409 or 400): either way the row fails at
 * once, with one PATCH, and no other row is held back.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type Sandbox, sandbox } from './harness.js';
import { activeUsers, csv, PATCH_ROUTE, routeCount, writeInput } from './helpers.js';

let box: Sandbox | undefined;
afterEach(async () => {
  await box?.close();
  box = undefined;
});

describe('an email another user has', () => {
  it.each([409, 400] as const)(
    'answered %i: that row fails after one PATCH, the others are written',
    async (status) => {
      box = await sandbox({ users: 30, duplicateEmailStatus: status });
      const [a, b, c] = activeUsers(box).filter((u) => u.email);
      const path = await writeInput(
        box,
        'emails.csv',
        csv([
          ['id', 'email', 'title'],
          [a!.id, b!.email!, 'Taken'],
          [c!.id, `fresh.${c!.id}@example.com`, 'Fresh'],
        ]),
      );
      const r = await box.cli(['update', path, '--yes', '--no-progress', '--json']);
      expect(r.code).toBe(1);
      expect(box.emulator.user(a!.id)?.email).toBe(a!.email);
      expect(box.emulator.user(c!.id)).toMatchObject({ email: `fresh.${c!.id}@example.com`, title: 'Fresh' });
      expect(routeCount(box.emulator.stats(), PATCH_ROUTE)).toBe(2);
    },
  );
});
