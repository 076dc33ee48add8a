/**
 * Consent (#10.1): a write happens only after --yes or an answer typed at the controlling terminal. The CLI runs
 * with no controlling terminal (the harness starts it with setsid) or on a pseudo-terminal (pty.ts).
 */
import { link, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Sandbox, sandbox } from './harness.js';
import { activeUsers, csv, patchRequests, writeInput } from './helpers.js';
import { runOnPty } from './pty.js';
import { adminEdit, runIds, STATE } from './resilience/helpers.js';

let box: Sandbox | undefined;
afterEach(async () => {
  await box?.close();
  box = undefined;
});

const NO_TERMINAL = 'nothing written: pass --yes to apply without a terminal';

async function titles(b: Sandbox, n: number, label: string) {
  const users = activeUsers(b).slice(0, n);
  const file = await writeInput(
    b,
    'titles.csv',
    csv([['id', 'title'], ...users.map((u, i) => [u.id, `${label} ${i}`])]),
  );
  return { users, file };
}

describe('consent without a terminal', () => {
  it('update with stdin from /dev/null and no --yes: shows the plan, writes nothing, exit 2', async () => {
    box = await sandbox();
    const { users, file } = await titles(box, 5, 'Consent');
    const r = await box.cli(['update', file], { stdinNull: true });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(NO_TERMINAL);
    expect(r.stdout).toContain('title');
    expect(patchRequests(box.emulator.stats())).toBe(0);
    expect(await runIds(join(box.dir, STATE))).toEqual([]);
    for (const u of users) expect(box.emulator.user(u.id)!.title).toBe(u.title);
  });

  it('update - with the data on stdin and no --yes: exit 2, no PATCH (the data is no answer)', async () => {
    box = await sandbox();
    const users = activeUsers(box).slice(0, 3);
    const stdin = `${users.map((u) => JSON.stringify({ id: u.id, title: 'Piped' })).join('\n')}\n`;
    const r = await box.cli(['update', '-', '--format', 'jsonl'], { stdin });
    expect(r.stderr).toContain(NO_TERMINAL);
    expect(r.code).toBe(2);
    expect(patchRequests(box.emulator.stats())).toBe(0);
  });

  it('--json without --yes: the plan as JSON on stdout, exit 2, no PATCH', async () => {
    box = await sandbox();
    const { file } = await titles(box, 2, 'Json');
    const r = await box.cli(['update', file, '--json'], { stdinNull: true });
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout).summary.planned).toBe(2);
    expect(patchRequests(box.emulator.stats())).toBe(0);
  });

  it('rollback and --resume without --yes: exit 2, no PATCH; with --yes they apply', async () => {
    box = await sandbox();
    const { users, file } = await titles(box, 4, 'Undo me');
    expect((await box.cli(['update', file, '--yes'])).code).toBe(0);
    const [runId] = await runIds(join(box.dir, STATE));
    const before = patchRequests(box.emulator.stats());

    const rollback = await box.cli(['rollback', runId!], { stdinNull: true });
    expect(rollback.stderr).toContain(NO_TERMINAL);
    expect(rollback.code).toBe(2);
    expect(patchRequests(box.emulator.stats())).toBe(before);
    expect(await runIds(join(box.dir, STATE))).toEqual([runId]);

    // A resume with work left: the journal lost, and the titles set back by someone.
    await writeFile(join(box.dir, STATE, 'runs', runId!, 'journal.jsonl'), '');
    for (const u of users) await adminEdit(box.emulator, u.id, { title: u.title ?? 'none' });
    const edited = patchRequests(box.emulator.stats());
    const resume = await box.cli(['update', '--resume', runId!], { stdinNull: true });
    expect(resume.stderr).toContain(NO_TERMINAL);
    expect(resume.code).toBe(2);
    expect(patchRequests(box.emulator.stats())).toBe(edited);

    const resumed = await box.cli(['update', '--resume', runId!, '--yes']);
    expect(resumed.code).toBe(0);
    for (const [i, u] of users.entries()) expect(box.emulator.user(u.id)!.title).toBe(`Undo me ${i}`);
  });
});

describe('consent at a terminal', () => {
  it('asks on the terminal even when stdin carries the data; "y" applies', async () => {
    box = await sandbox();
    const users = activeUsers(box).slice(0, 3);
    const data = await writeInput(
      box,
      'rows.jsonl',
      `${users.map((u, i) => JSON.stringify({ id: u.id, title: `Typed yes ${i}` })).join('\n')}\n`,
    );
    const r = await runOnPty(['update', '-', '--format', 'jsonl'], {
      cwd: box.dir,
      env: box.env,
      answer: 'y',
      stdinFile: data,
    });
    expect(r.asked).toBe(1);
    expect(r.terminal).toContain(`on ${box.emulator.url}`);
    expect(r.code).toBe(0);
    for (const [i, u] of users.entries()) expect(box.emulator.user(u.id)!.title).toBe(`Typed yes ${i}`);
  });

  it('stdin from /dev/null, "n" typed at the terminal: nothing written, exit 0', async () => {
    box = await sandbox();
    const { users, file } = await titles(box, 3, 'Typed no');
    const r = await runOnPty(['update', file], { cwd: box.dir, env: box.env, answer: 'n', stdinFile: '/dev/null' });
    expect(r.asked).toBe(1);
    expect(r.terminal).toContain('Nothing was written.');
    expect(r.code).toBe(0);
    expect(patchRequests(box.emulator.stats())).toBe(0);
    for (const u of users) expect(box.emulator.user(u.id)!.title).toBe(u.title);
  });

  it('the terminal closed with no answer (Ctrl-D; a CI job on a pseudo-terminal nobody types on): exit 2, not 0', async () => {
    box = await sandbox();
    const { users, file } = await titles(box, 3, 'Never answered');
    const r = await runOnPty(['update', file], { cwd: box.dir, env: box.env, answer: '\x04', stdinFile: '/dev/null' });
    expect(r.asked).toBe(1);
    expect(r.terminal).toContain('nothing written: the terminal closed without an answer; pass --yes');
    expect(r.code).toBe(2);
    expect(patchRequests(box.emulator.stats())).toBe(0);
    for (const u of users) expect(box.emulator.user(u.id)!.title).toBe(u.title);
  });

  it('rollback asks at the terminal too', async () => {
    box = await sandbox();
    const { users, file } = await titles(box, 3, 'Roll');
    expect((await box.cli(['update', file, '--yes'])).code).toBe(0);
    const [runId] = await runIds(join(box.dir, STATE));
    const r = await runOnPty(['rollback', runId!], {
      cwd: box.dir,
      env: box.env,
      answer: 'yes',
      stdinFile: '/dev/null',
    });
    expect(r.asked).toBe(1);
    expect(r.code).toBe(0);
    for (const u of users) expect(box.emulator.user(u.id)!.title).toBe(u.title);
  });
});

describe('--report and the input (#10.7)', () => {
  it('refuses a report that is the input, by path, symlink, hard link or stdin, before any call', async () => {
    box = await sandbox();
    const { file } = await titles(box, 2, 'Kept');
    const original = await readFile(file, 'utf8');
    await symlink(file, join(box.dir, 'alias.csv'));
    await link(file, join(box.dir, 'hard.csv'));
    const cases: [string[], string | undefined][] = [
      [['update', file, '--yes', '--report', file], undefined],
      [['update', 'titles.csv', '--yes', '--report', './titles.csv'], undefined],
      [['update', file, '--yes', '--report', 'alias.csv'], undefined],
      [['update', 'alias.csv', '--yes', '--report', 'hard.csv'], undefined],
      [['update', '-', '--format', 'csv', '--yes', '--report', 'hard.csv'], file],
    ];
    for (const [args, stdinFile] of cases) {
      const r = await box.cli(args, stdinFile ? { stdinFile } : {});
      expect(r.stderr, args.join(' ')).toMatch(/names the input file/);
      expect(r.code, args.join(' ')).toBe(2);
    }
    expect(box.emulator.stats().requests).toBe(0);
    expect(await readFile(file, 'utf8')).toBe(original);
  });
});
