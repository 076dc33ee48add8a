/**
 * Colour only where wanted (#14.2), from the stream's own support: a terminal gets colour in the plan, the logs and
 * the progress bar; NO_COLOR, FORCE_COLOR=0 and a pipe get none anywhere (not even the bar's cursor codes);
 * FORCE_COLOR gets it into a pipe. Real processes: on a pseudo-terminal (pty.ts) and with pipes.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type Sandbox, sandbox } from './harness.js';
import { activeUsers, csv, writeInput } from './helpers.js';
import { runOnPty } from './pty.js';

const ESC = '\u001b';
const TERM = 'xterm-256color';

let box: Sandbox | undefined;
afterEach(async () => {
  await box?.close();
  box = undefined;
});

async function titles(b: Sandbox, label: string) {
  const users = activeUsers(b).slice(0, 4);
  return writeInput(b, 'titles.csv', csv([['id', 'title'], ...users.map((u, i) => [u.id, `${label} ${i}`])]));
}

/** An apply on a terminal, answered yes: plan, question, logs and progress all reach the terminal. */
async function applyOnTerminal(env: Record<string, string>) {
  box = await sandbox();
  const file = await titles(box, 'Colour');
  const r = await runOnPty(['update', file, '--log-level', 'info'], {
    cwd: box.dir,
    env: { ...box.env, TERM, ...env },
    answer: 'y',
  });
  expect(r.asked).toBe(1);
  expect(r.code).toBe(0);
  expect(r.terminal).toContain('Colour 0');
  expect(r.terminal).toContain('Run journal');
  return r.terminal;
}

describe('colour on a terminal', () => {
  it('without NO_COLOR: the plan, the logs and the progress bar are coloured', async () => {
    const out = await applyOnTerminal({});
    expect(out).toContain(`${ESC}[33m~`); // the plan's change marker
    expect(out).toMatch(new RegExp(`${ESC}\\[\\d+m[^\\n]*INFO`)); // the log level
    expect(out).toContain(`${ESC}[?25l`); // the bar hides the cursor
  }, 120_000);

  it('NO_COLOR=1: no escape code anywhere in what reaches the terminal', async () => {
    const out = await applyOnTerminal({ NO_COLOR: '1' });
    expect(out).not.toContain(ESC);
  }, 120_000);

  it('FORCE_COLOR=0: none either', async () => {
    const out = await applyOnTerminal({ FORCE_COLOR: '0' });
    expect(out).not.toContain(ESC);
  }, 120_000);
});

describe('colour into pipes', () => {
  it('a piped apply (stdout and stderr pipes): no escape code in either, with a colour TERM', async () => {
    box = await sandbox();
    const file = await titles(box, 'Piped');
    const r = await box.spawnCli(['update', file, '--yes', '--log-format', 'pretty'], { env: { TERM } });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Piped 0');
    expect(r.stderr).toContain('Run journal');
    expect(r.stdout + r.stderr).not.toContain(ESC);
  }, 120_000);

  it('FORCE_COLOR=1 colours the plan and the logs even into a pipe; NO_COLOR still wins over it', async () => {
    box = await sandbox();
    const file = await titles(box, 'Forced');
    const forced = await box.spawnCli(['update', file, '--dry-run', '--log-format', 'pretty'], {
      env: { FORCE_COLOR: '1' },
    });
    expect(forced.code).toBe(0);
    expect(forced.stdout).toContain(`${ESC}[33m~`);
    const vetoed = await box.spawnCli(['update', file, '--dry-run', '--log-format', 'pretty'], {
      env: { FORCE_COLOR: '1', NO_COLOR: '1' },
    });
    expect(vetoed.code).toBe(0);
    expect(vetoed.stdout + vetoed.stderr).not.toContain(ESC);
  }, 120_000);
});
