import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, sandbox } from './harness.js';
import { activeUsers, csv, readCsvReport, writeInput } from './helpers.js';

// ESC, BEL, BS, CR (alone, not in CRLF), DEL and the C1 controls, including U+009B (the one-character CSI).
// biome-ignore lint/suspicious/noControlCharactersInRegex: the test looks for them.
const RAW = /[\u0000-\u0009\u000b\u000c\u000e-\u001f\u007f-\u009f]|\r(?!\n)/;

/** The escape sequences the emulator serves with hostileNames: the same suffixes, as the tool prints them. */
const ESCAPED_ESC = '\\u001b';

let b: Sandbox;
beforeAll(async () => {
  b = await sandbox({ users: 60, hostileNames: true });
});
afterAll(async () => {
  await b.close();
});

const noRawControls = (what: string, text: string) => {
  const m = RAW.exec(text);
  expect(
    m
      ? `${what}: raw U+${m[0].charCodeAt(0).toString(16)} near ${JSON.stringify(text.slice(Math.max(0, m.index - 40), m.index + 10))}`
      : '',
  ).toBe('');
};

describe('hostile catalogue names and server messages (emulator hostileNames)', () => {
  it('the emulator serves them: names and error messages carry raw escape sequences', async () => {
    const names = b.emulator.routing().catalogue.skills.map((s) => s.name);
    expect(names.some((n) => n.includes('\u001b]0;'))).toBe(true);
    expect(names.some((n) => n.includes('\u009b'))).toBe(true);
    const res = await fetch(`${b.emulator.url}/api/v2/users`);
    expect(res.status).toBe(401);
    expect(await res.text()).toContain('\\u001b');
  });

  it('plan, JSON, logs, stderr and the report reach no raw control byte; a formula cell is neutralised', async () => {
    const dump = b.emulator.routing();
    const withSkills = activeUsers(b).filter((u) => dump.users.find((r) => r.id === u.id)!.skills.length > 0);
    expect(withSkills.length).toBeGreaterThan(1);
    const [a, c] = withSkills;
    const file = await writeInput(
      b,
      'hostile.csv',
      csv([
        ['email', 'title', 'skills'],
        [a!.email!, '=1+2', '<clear>'],
        [c!.email!, 'Agent \u001b[31mred\u001b[0m', '<clear>'],
        ['=cmd@example.com', '@SUM(A1)', ''],
      ]),
    );
    const skip = '--skip-invalid';
    const runs = [
      await b.cli(['update', file, '--dry-run']),
      await b.cli(['update', file, skip, '--dry-run', '--json']),
      await b.cli(['--log-level', 'trace', '--log-format', 'pretty', 'update', file, skip, '--dry-run']),
      await b.cli(['--log-level', 'trace', '--log-format', 'json', 'update', file, skip, '--yes', '--report', 'r.csv']),
      await b.cli(['update', file, skip, '--yes', '--report', 'r.jsonl']),
    ];
    // Without --skip-invalid the invalid row stops the run: its message (several lines) is escaped line by line.
    expect(runs[0]!.code).toBe(2);
    expect(runs[0]!.stderr).toContain('\nerror: row');
    for (const [i, r] of runs.entries()) {
      expect(r.stderr).not.toContain('a bug');
      noRawControls(`run ${i} stdout`, r.stdout);
      noRawControls(`run ${i} stderr`, r.stderr);
    }
    // The hostile skill names were shown, escaped: the plan lists every skill <clear> removes.
    expect(runs[2]!.stdout).toContain(ESCAPED_ESC);
    const plan = JSON.parse(runs[1]!.stdout) as { rows: { changes?: { field: string }[] }[] };
    const fields = plan.rows.flatMap((r) => r.changes ?? []).map((d) => d.field);
    // JSON keeps the exact value: the escapes are JSON escapes, parsed back into the names.
    expect(fields.some((f) => ['\u001b', '\u009b', '\u007f'].some((c) => f.includes(c)))).toBe(true);

    const reportText = await readFile(join(b.dir, 'r.csv'), 'utf8');
    noRawControls('CSV report', reportText);
    const report = await readCsvReport(b, 'r.csv');
    expect(report.find((r) => r.key?.includes('cmd@example.com'))!.key).toBe(`'=cmd@example.com`);
    for (const row of report) for (const cell of Object.values(row)) expect(cell).not.toMatch(/^[=+\-@\t\r]/);
    noRawControls('JSON Lines report', await readFile(join(b.dir, 'r.jsonl'), 'utf8'));
  });

  it("an unedited export of divisions updates as unchanged: a user's division is named as the catalogue names it", async () => {
    // Only these columns: a membership cell holding a hostile name starts like a formula, is written with a leading '
    // (the export says so) and is refused by update as it stands.
    const exported = await b.cli([
      'export',
      'hostile-export.csv',
      '--columns',
      'id,email,division',
      '--force',
      '--no-progress',
    ]);
    expect(exported.code, exported.stderr).toBe(0);
    const r = await b.cli(['update', 'hostile-export.csv', '--dry-run', '--json', '--no-progress']);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as { summary: Record<string, number> };
    expect(doc.summary.planned ?? 0).toBe(0);
    noRawControls('stderr', r.stderr);
    // A division named with a bidirectional override is left blank (no change), not written to reorder the line.
    expect(b.emulator.routing().catalogue.divisions.some((d) => d.name.includes('\u202e'))).toBe(true);
    expect(await readFile(join(b.dir, 'hostile-export.csv'), 'utf8')).not.toMatch(/[\u202a-\u202e\u2066-\u2069]/);
    expect(exported.stderr).toContain('a bidirectional control character');
  });

  it('a server error message with escape sequences is printed escaped', async () => {
    const file = await writeInput(
      b,
      'ok.csv',
      csv([
        ['email', 'title'],
        [activeUsers(b)[0]!.email!, 'Agent'],
      ]),
    );
    const r = await b.cli(['update', file, '--dry-run'], {
      env: { GENESYS_CLIENT_SECRET: 'wrong-secret' },
    });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('The platform says');
    expect(r.stderr).toContain(ESCAPED_ESC);
    noRawControls('stderr', r.stderr);
    noRawControls('stdout', r.stdout);
  });

  it('a name problem suggesting hostile catalogue names is printed escaped', async () => {
    const skill = b.emulator.routing().catalogue.skills[0]!.name;
    const file = await writeInput(
      b,
      'typo.csv',
      csv([
        ['email', 'skills'],
        [activeUsers(b)[0]!.email!, `${skill.slice(0, 5)}x:3`],
      ]),
    );
    const r = await b.cli(['update', file, '--dry-run']);
    expect(r.code).toBe(2);
    noRawControls('stderr', r.stderr);
    noRawControls('stdout', r.stdout);
  });
});
