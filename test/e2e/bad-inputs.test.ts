/**
 * Every bad input in test/fixtures/bad/manifest.json, fed to the built CLI against the emulator: exit 2, a
 * message that names the row, line and column the manifest gives, and nothing written. An input that can be
 * judged without the platform must be rejected before the CLI even logs in.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Generated, writeGenerated } from '../fixtures/generate.js';
import { ROOT, type Sandbox, sandbox } from './harness.js';
import { activeUsers, csv, expectNoWrites, messages, unusedEmail, unusedId, writeInput } from './helpers.js';

interface ManifestEntry {
  file: string;
  /** A file-level error: the whole file is unreadable as input. */
  fatal?: boolean;
  /** Only the platform can tell (e.g. a manager that does not exist): the CLI must read users first. */
  needsApi?: boolean;
  format?: 'csv' | 'json' | 'jsonl';
  /** The exit code; 2 when absent. */
  exit?: number;
  /** Too large to keep: written at test time (test/fixtures/generate.ts). */
  generate?: Generated;
  expect: { row?: number; line?: number; column?: string; message: string };
}

const FIXTURES = join(ROOT, 'test', 'fixtures', 'bad');
const manifest = JSON.parse(readFileSync(join(FIXTURES, 'manifest.json'), 'utf8')) as ManifestEntry[];
const generated = writeGenerated(manifest);

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A stderr line that names every part of the location the manifest gives, and the message. */
function expectProblemReported(stderr: string, want: ManifestEntry['expect']): void {
  const checks: RegExp[] = [new RegExp(escapeRegExp(want.message))];
  if (want.row !== undefined) checks.push(new RegExp(`\\brow ${want.row}\\b`));
  if (want.line !== undefined) checks.push(new RegExp(`\\bline ${want.line}\\b`));
  if (want.column !== undefined) checks.push(new RegExp(`column ${escapeRegExp(JSON.stringify(want.column))}`));
  const lines = messages(stderr).split('\n');
  const hit = lines.find((l) => checks.every((re) => re.test(l)));
  expect(hit, `no stderr line matches all of ${checks.join(' ')}:\n${stderr}`).toBeDefined();
}

let box: Sandbox;
beforeAll(async () => {
  box = await sandbox();
});
afterAll(async () => {
  await box.close();
  generated.remove();
});
beforeEach(() => {
  box.emulator.reset();
});

/** Whether a file has a column whose values name things in the organisation (checked against it). */
function namesThings(path: string): boolean {
  return /\b(skills|languages|queues|roles|division|manager)\b/.test(readFileSync(path, 'utf8'));
}

describe('bad inputs (test/fixtures/bad/manifest.json)', () => {
  it('the manifest lists at least 20 bad inputs, each with a message to expect', () => {
    expect(manifest.length).toBeGreaterThanOrEqual(20);
    for (const entry of manifest) expect(entry.expect.message, entry.file).toBeTruthy();
  });

  for (const entry of manifest) {
    const where = [
      entry.expect.row !== undefined ? `row ${entry.expect.row}` : '',
      entry.expect.line !== undefined ? `line ${entry.expect.line}` : '',
      entry.expect.column !== undefined ? `column ${entry.expect.column}` : '',
    ]
      .filter(Boolean)
      .join(', ');
    it(`${entry.file}: exit 2${where ? `, names ${where}` : ''}, writes nothing`, async () => {
      if (entry.needsApi) {
        // The fixture's unknown references must really be unknown to the emulator's directory.
        const known = new Set(box.emulator.users().flatMap((u) => [u.id, u.email?.toLowerCase()]));
        const refs = entry.expect.message.match(/[\w.+-]+@[\w.-]+|[0-9a-f]{8}-[0-9a-f-]{27}/gi) ?? [];
        for (const ref of refs) expect(known.has(ref.toLowerCase()), `${ref} is in the directory`).toBe(false);
      }
      const path = entry.generate ? generated.path(entry.file) : join(FIXTURES, entry.file);
      const args = ['update', path, '--yes', ...(entry.format ? ['--format', entry.format] : [])];
      const r = await box.cli(args, { timeoutMs: 30_000 });

      expect(r.code, r.stderr).toBe(entry.exit ?? 2);
      expectProblemReported(r.stderr, entry.expect);
      expect(r.stdout).toBe('');
      const stats = box.emulator.stats();
      expectNoWrites(stats);
      if (!entry.needsApi && !namesThings(path)) {
        // Judged from the file alone: rejected before logging in. (A file naming skills, queues, managers… has
        // those names checked in the same run, which reads the catalogues: see test/e2e/output.test.ts.)
        expect(stats.tokensIssued).toBe(0);
        expect(stats.requests).toBe(0);
      }
    });
  }
});

describe('bad inputs that only the directory can reveal (generated against it)', () => {
  it('a real user with a manager email nobody has: exit 2, names row and column, writes nothing', async () => {
    const [u1, u2] = activeUsers(box);
    const ghost = unusedEmail(box, 'e2e.unknown.manager');
    const file = await writeInput(
      box,
      'unknown-manager.csv',
      csv([
        ['email', 'title', 'manager'],
        [u1!.email!, 'E2E Would Change', ''],
        [u2!.email!, 'E2E Would Change Too', ghost],
      ]),
    );
    const r = await box.cli(['update', file, '--yes']);
    expect(r.code, r.stderr).toBe(2);
    expectProblemReported(r.stderr, { row: 2, line: 3, column: 'manager', message: ghost });
    expectNoWrites(box.emulator.stats());
    expect(box.emulator.user(u1!.id)).toEqual(u1);
  });

  it('a real user with a manager id nobody has: exit 2, names row and column, writes nothing', async () => {
    const [u1] = activeUsers(box);
    const ghost = unusedId(box);
    const file = await writeInput(box, 'unknown-manager-id.json', JSON.stringify([{ id: u1!.id, manager: ghost }]));
    const r = await box.cli(['update', file, '--yes']);
    expect(r.code, r.stderr).toBe(2);
    expectProblemReported(r.stderr, { row: 1, column: 'manager', message: ghost });
    expectNoWrites(box.emulator.stats());
  });
});
