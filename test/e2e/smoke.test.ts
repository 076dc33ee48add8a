import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { patchesApplied, type Sandbox, sandbox } from './harness.js';

let box: Sandbox | undefined;
afterEach(async () => {
  await box?.close();
  box = undefined;
});

describe('genesys-bulk update (smoke)', () => {
  it('applies a CSV keyed by email, then a rerun writes nothing', async () => {
    box = await sandbox();
    const [a, b] = box.emulator.users().filter((u) => u.state === 'active');
    const file = join(box.dir, 'users.csv');
    await writeFile(file, `email,title\n${a!.email},Smoke Title A\n${b!.email!.toUpperCase()},Smoke Title B\n`);
    const first = await box.cli(['update', file, '--yes']);
    expect(first.stderr).toContain('2 updated');
    expect(first.code).toBe(0);
    expect(box.emulator.user(a!.id)?.title).toBe('Smoke Title A');
    expect(box.emulator.user(b!.id)?.title).toBe('Smoke Title B');
    expect(patchesApplied(box.emulator)).toBe(2);

    const again = await box.cli(['update', file, '--yes']);
    expect(again.code).toBe(0);
    expect(again.stderr).toContain('2 unchanged');
    expect(patchesApplied(box.emulator)).toBe(2);
  });
});
