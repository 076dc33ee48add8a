/**
 * The --json contract (issue #14.3) and CI exit codes (#14.4): every document the built CLI prints against the
 * emulator, for a dry run, an apply, a rollback, a resume, a refused run and invalid input, is validated against
 * docs/output.schema.json (by a JSON Schema validator, not only by the zod definition it is generated from).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterEach, describe, expect, it } from 'vitest';
import { OutputDocument, outputJsonSchema } from '../../src/run/document-schema.js';
import { ROOT, type Sandbox, sandbox } from './harness.js';
import { csv, expectNoWrites, patchRequests, readJsonlReport, writeInput } from './helpers.js';
import { spawnCli, waitFor } from './resilience/helpers.js';
import { type RoutingOrg, routingOrg, skillsOf } from './routing-helpers.js';

const schemaPath = join(ROOT, 'docs', 'output.schema.json');
const schema = JSON.parse(await readFile(schemaPath, 'utf8')) as Record<string, unknown>;
const validate = new Ajv2020({ strict: true, allErrors: true }).compile(schema);

/** The one document on stdout, checked against the published schema and the zod definition alike. */
function doc(stdout: string): OutputDocument {
  const lines = stdout.split('\n').filter((l) => l !== '');
  expect(lines, 'stdout holds exactly one JSON document').toHaveLength(1);
  const value: unknown = JSON.parse(lines[0]!);
  const ok = validate(value);
  expect(validate.errors ?? [], JSON.stringify(validate.errors)).toEqual([]);
  expect(ok).toBe(true);
  return OutputDocument.parse(value);
}

let org: RoutingOrg | undefined;
let plain: Sandbox | undefined;
afterEach(async () => {
  await org?.box.close();
  await plain?.close();
  org = undefined;
  plain = undefined;
});

describe('docs/output.schema.json', () => {
  it('is the one generated from the zod definition (npm run schema)', () => {
    expect(schema).toEqual(JSON.parse(JSON.stringify(outputJsonSchema())));
  });

  it('refuses what the contract excludes: an unknown key, a missing one, an unknown status', () => {
    const good = {
      schemaVersion: 1,
      command: 'update',
      mode: 'dry-run',
      outcome: 'planned',
      exitCode: 0,
      target: '127.0.0.1',
      source: 'x.csv',
      runId: null,
      rollbackOf: null,
      summary: {
        rows: 0,
        planned: 0,
        updated: 0,
        unchanged: 0,
        not_found: 0,
        invalid: 0,
        failed: 0,
        skipped: 0,
        to_create: 0,
        created: 0,
        to_delete: 0,
        deleted: 0,
        changes: { updates: 0, removals: 0, revocations: 0, divisionMoves: 0 },
      },
      plan: null,
      layout: null,
      api: null,
      problems: [],
      rows: [],
    };
    expect(validate(good)).toBe(true);
    expect(validate({ ...good, extra: 1 })).toBe(false);
    const { summary: _s, ...noSummary } = good;
    expect(validate(noSummary)).toBe(false);
    const row = {
      row: 1,
      line: 2,
      key: 'a@b.c',
      userId: null,
      status: 'renamed',
      changes: [],
      problems: [],
      errorCode: null,
      message: null,
      attempts: 0,
      conflict: null,
    };
    expect(validate({ ...good, rows: [row] })).toBe(false);
    expect(validate({ ...good, rows: [{ ...row, status: 'planned' }] })).toBe(true);
  });
});

describe('--json: one document for every command', () => {
  it('dry run, apply, resume and rollback print documents of the one schema', async () => {
    org = await routingOrg({ users: 40 });
    const { box, people } = org;
    const [a, b, c] = people;
    const file = await writeInput(
      box,
      'mixed.csv',
      csv([
        ['email', 'title', 'skills'],
        [a!.email!, 'E2E Json Title', '+Billing:3'],
        [b!.email!, b!.title ?? '', ''],
        [c!.email!, 'E2E Json Other', ''],
        ['nobody-e2e-json@example.com', 'Ghost', ''],
      ]),
    );

    const dry = await box.cli(['update', file, '--dry-run', '--json']);
    expect(dry.code, dry.stderr).toBe(1);
    const planned = doc(dry.stdout);
    expect(planned).toMatchObject({
      command: 'update',
      mode: 'dry-run',
      outcome: 'planned',
      exitCode: 1,
      runId: null,
      source: file,
      summary: { rows: 4, planned: 2, unchanged: 1, not_found: 1 },
      plan: { requests: 2, routingRequests: 1 },
    });
    expect(planned.target).toBe(box.env.GENESYS_BASE_URL);
    expect(planned.rows.map((r) => [r.row, r.status])).toEqual([
      [1, 'planned'],
      [2, 'unchanged'],
      [3, 'planned'],
      [4, 'not_found'],
    ]);
    expect(planned.rows[0]!.changes).toEqual([
      { field: 'title', before: a!.title ?? null, after: 'E2E Json Title' },
      { field: 'skill:Billing', before: null, after: '3' },
    ]);
    expectNoWrites(box.emulator.stats());

    const applied = await box.cli(['update', file, '--yes', '--json']);
    expect(applied.code, applied.stderr).toBe(1);
    const result = doc(applied.stdout);
    expect(result).toMatchObject({
      mode: 'apply',
      outcome: 'completed',
      exitCode: 1,
      summary: { rows: 4, updated: 2, unchanged: 1, not_found: 1 },
    });
    expect(result.runId).toMatch(/\S/);
    expect(result.api!.requests).toBeGreaterThan(0);
    expect(skillsOf(box.emulator, a!.id)).toMatchObject({ Billing: 3 });

    const resumed = await box.cli(['update', '--resume', result.runId!, '--yes', '--json']);
    expect(resumed.code, resumed.stderr).toBe(1);
    expect(doc(resumed.stdout)).toMatchObject({ command: 'update', mode: 'resume', runId: result.runId });

    const resumeDry = await box.cli(['update', '--resume', result.runId!, '--dry-run', '--json']);
    expect(doc(resumeDry.stdout)).toMatchObject({ mode: 'dry-run', runId: result.runId, summary: { planned: 0 } });

    const rollbackDry = await box.cli(['rollback', result.runId!, '--dry-run', '--json']);
    expect(rollbackDry.code, rollbackDry.stderr).toBe(0);
    expect(doc(rollbackDry.stdout)).toMatchObject({
      command: 'rollback',
      mode: 'dry-run',
      rollbackOf: result.runId,
      summary: { planned: 2 },
    });

    const patches = patchRequests(box.emulator.stats());
    const rolledBack = await box.cli(['rollback', result.runId!, '--yes', '--json']);
    expect(rolledBack.code, rolledBack.stderr).toBe(0);
    const undone = doc(rolledBack.stdout);
    expect(undone).toMatchObject({
      command: 'rollback',
      mode: 'rollback',
      outcome: 'completed',
      rollbackOf: result.runId,
      summary: { updated: 2 },
    });
    expect(undone.runId).not.toBe(result.runId);
    expect(patchRequests(box.emulator.stats())).toBe(patches + 2);
    expect(skillsOf(box.emulator, a!.id)).toEqual({});
  });

  it('a refused run (usage, configuration) prints a document saying why, with its exit code', async () => {
    org = await routingOrg({ users: 10 });
    const { box } = org;
    const usage = await box.cli(['rollback', 'no-such-run', '--json']);
    expect(usage.code).toBe(2);
    expect(doc(usage.stdout)).toMatchObject({ command: 'rollback', outcome: 'error', exitCode: 2, rows: [] });

    const both = await box.cli(['update', 'x.csv', '--resume', 'some-run', '--json']);
    expect(both.code).toBe(2);
    expect(doc(both.stdout)).toMatchObject({ mode: 'resume', outcome: 'error', problems: [{ code: 'usage' }] });

    const file = await writeInput(
      box,
      'one.csv',
      csv([
        ['email', 'title'],
        [org.people[0]!.email!, 'X'],
      ]),
    );
    const config = await box.cli(['update', file, '--dry-run', '--json'], {
      env: { GENESYS_CLIENT_SECRET: 'wrong' },
    });
    expect(config.code).toBe(3);
    const refused = doc(config.stdout);
    expect(refused).toMatchObject({ outcome: 'error', exitCode: 3 });
    expect(refused.problems[0]).toMatchObject({ code: 'config' });
    expect(config.stdout).not.toContain('wrong');
  });

  it('a platform that keeps failing the reads (exit 1) is a platform problem, not an internal one (70)', async () => {
    plain = await sandbox({ users: 5, error502Rate: 1 });
    const file = await writeInput(
      plain,
      'one.csv',
      csv([
        ['email', 'title'],
        [plain.emulator.users()[0]!.email!, 'X'],
      ]),
    );
    const failed = await plain.cli(['update', file, '--dry-run', '--json']);
    expect(failed.code, failed.stderr).toBe(1);
    const refused = doc(failed.stdout);
    expect(refused).toMatchObject({ outcome: 'error', exitCode: 1 });
    expect(refused.problems[0]).toMatchObject({ code: 'platform' });
    expect(refused.problems[0]!.message).toMatch(/502/);
  });

  it('an option commander refuses (a bad value, an unknown flag) prints the usage document too', async () => {
    plain = await sandbox({ users: 5 });
    const cases: [string[], { command: string; mode: string }][] = [
      [['update', 'x.csv', '--json', '--max-concurrency', '-1'], { command: 'update', mode: 'apply' }],
      [['update', 'x.csv', '--dry-run', '--json', '--format', 'xml'], { command: 'update', mode: 'dry-run' }],
      [['rollback', '--last', '--json', '--no-such-flag'], { command: 'rollback', mode: 'rollback' }],
    ];
    for (const [args, what] of cases) {
      const refused = await plain.cli(args);
      expect(refused.code, args.join(' ')).toBe(2);
      const document = doc(refused.stdout);
      expect(document).toMatchObject({ ...what, outcome: 'error', exitCode: 2, rows: [] });
      expect(document.problems[0]).toMatchObject({ code: 'usage' });
      expect(refused.stderr).toMatch(/^error: /m);
    }
    // Without --json, stdout stays empty.
    expect((await plain.cli(['update', 'x.csv', '--max-concurrency', '-1'])).stdout).toBe('');
  });
});

describe('--json when interrupted', () => {
  it('Ctrl-C: outcome interrupted, exit 130; the resume of that run completes it, each a document of the schema', async () => {
    const box = await sandbox({ users: 120, seed: 5, limit: 200, windowSeconds: 10, latencyMs: [100, 200] });
    plain = box;
    const rows = 80;
    const targets = box.emulator
      .users()
      .filter((u) => u.state === 'active' && u.email)
      .slice(0, rows);
    const file = await writeInput(
      box,
      'slow.csv',
      csv([['email', 'title'], ...targets.map((u, i) => [u.email!, `E2E Json Interrupted ${i}`])]),
    );
    const cli = spawnCli(['update', file, '--yes', '--json'], { cwd: box.dir, env: box.env });
    await waitFor('some writes', () => box.emulator.stats().patchesApplied >= 10, 30_000, 5);
    cli.child.kill('SIGINT');
    const stopped = await cli.done;
    expect(stopped.code, stopped.stderr).toBe(130);
    const first = doc(stopped.stdout);
    expect(first).toMatchObject({ mode: 'apply', outcome: 'interrupted', exitCode: 130 });
    expect(first.summary.updated).toBeLessThan(rows);
    expect(first.summary.skipped).toBeGreaterThan(0);

    const resumed = await box.cli(['update', '--resume', first.runId!, '--yes', '--json']);
    expect(resumed.code, resumed.stderr).toBe(0);
    const second = doc(resumed.stdout);
    expect(second).toMatchObject({ mode: 'resume', outcome: 'completed', runId: first.runId, exitCode: 0 });
    expect(second.summary.updated).toBe(rows);
    expect(box.emulator.stats().patchesApplied).toBe(rows);
  });
});

describe('--json without consent', () => {
  it('no terminal and no --yes: the rows as planned, outcome declined, exit 2, nothing written', async () => {
    org = await routingOrg({ users: 10 });
    const { box, people } = org;
    const file = await writeInput(
      box,
      'ask.csv',
      csv([
        ['email', 'title'],
        [people[0]!.email!, 'E2E Ask One'],
        [people[1]!.email!, 'E2E Ask Two'],
      ]),
    );
    const r = await box.cli(['update', file, '--json'], { stdinNull: true });
    expect(r.code).toBe(2);
    expect(doc(r.stdout)).toMatchObject({
      mode: 'apply',
      outcome: 'declined',
      exitCode: 2,
      summary: { planned: 2 },
      problems: [{ code: 'no_consent' }],
    });
    expect(r.stderr).toContain('pass --yes');
    expectNoWrites(box.emulator.stats());
  });
});

describe('--json on invalid input (exit 2)', () => {
  it('lists format and name problems of one pass, every one, structured, and --report holds them all', async () => {
    org = await routingOrg({ users: 40 });
    const { box, people } = org;
    const rows: string[][] = [['email', 'phone.mobile', 'skills', 'manager', 'Titel']];
    // 25 rows with a bad phone: more than the 20 the message shows.
    for (let i = 0; i < 25; i++) rows.push([people[i]!.email!, `555-01${String(i).padStart(2, '0')}`, '', '', '']);
    // Name problems, in valid rows and in a row that also has a format problem.
    rows.push([people[25]!.email!, '', '+Biling:3;+Retension', '', '']);
    rows.push([people[26]!.email!, 'bad', '+Sales:2;+Klingon', '', '']);
    rows.push([people[27]!.email!, '', '', 'nobody-e2e-json@example.com', '']);
    const file = await writeInput(box, 'bad.csv', csv(rows));

    const r = await box.cli(['update', file, '--dry-run', '--json', '--report', 'bad-report.jsonl']);
    expect(r.code, r.stderr).toBe(2);
    const d = doc(r.stdout);
    expect(d).toMatchObject({
      command: 'update',
      mode: 'dry-run',
      outcome: 'invalid',
      exitCode: 2,
      source: file,
      target: box.env.GENESYS_BASE_URL,
    });
    expect(d.problems).toEqual([
      {
        severity: 'error',
        code: 'unknown_column',
        message: expect.stringContaining('"Titel"'),
        row: null,
        line: 1,
        column: 'Titel',
        columns: ['Titel'],
        suggestion: 'title',
      },
    ]);
    expect(d.rows).toHaveLength(28);
    expect(d.summary).toMatchObject({ rows: 28, invalid: 28 });
    expect(d.rows[0]!.problems).toEqual([
      expect.objectContaining({ code: 'invalid_phone', row: 1, line: 2, column: 'phone.mobile', severity: 'error' }),
    ]);
    const byRow = new Map(d.rows.map((x) => [x.row, x]));
    expect(byRow.get(26)!.problems).toEqual([
      expect.objectContaining({ code: 'unknown_skill', column: 'skills', suggestion: 'Billing' }),
      expect.objectContaining({ code: 'unknown_skill', column: 'skills', suggestion: 'Retention' }),
    ]);
    expect(byRow.get(27)!.problems.map((p) => [p.code, p.column])).toEqual([
      ['invalid_phone', 'phone.mobile'],
      ['unknown_skill', 'skills'],
    ]);
    expect(byRow.get(28)!.problems).toEqual([expect.objectContaining({ code: 'unknown_manager', column: 'manager' })]);
    // The message shows 20; stderr says how many more.
    expect(r.stderr).toMatch(/… and \d+ more problems/);
    expectNoWrites(box.emulator.stats());

    const report = await readJsonlReport(box, 'bad-report.jsonl');
    expect(report.map((x) => x.row)).toEqual([0, ...Array.from({ length: 28 }, (_, i) => i + 1)]);
    expect(report.every((x) => x.status === 'invalid')).toBe(true);
    expect(report.find((x) => x.row === 27)!.message).toMatch(/phone.*Klingon/s);
  });

  it('when the organisation cannot be reached, the format problems are still reported (exit 2) and names unchecked', async () => {
    org = await routingOrg({ users: 10 });
    const { box, people } = org;
    const file = await writeInput(
      box,
      'offline.csv',
      csv([
        ['email', 'phone.work', 'skills'],
        [people[0]!.email!, '12', '+Biling'],
      ]),
    );
    const r = await box.cli(['update', file, '--dry-run', '--json'], { env: { GENESYS_CLIENT_SECRET: 'wrong' } });
    expect(r.code, r.stderr).toBe(2);
    const d = doc(r.stdout);
    expect(d.outcome).toBe('invalid');
    expect(d.rows[0]!.problems.map((p) => p.code)).toEqual(['invalid_phone']);
    expect(r.stderr).toContain('were not checked');
    expect(r.stderr).not.toContain('wrong');
  });

  it('a file that cannot be read at all is one problem of the file', async () => {
    org = await routingOrg({ users: 10 });
    const { box } = org;
    const file = await writeInput(box, 'empty.csv', '');
    const r = await box.cli(['update', file, '--json']);
    expect(r.code).toBe(2);
    const d = doc(r.stdout);
    expect(d).toMatchObject({ outcome: 'invalid', rows: [], problems: [{ code: 'unreadable_input', row: null }] });
  });

  it('with --skip-invalid, the invalid rows carry structured problems beside the applied ones', async () => {
    org = await routingOrg({ users: 10 });
    const { box, people } = org;
    const file = await writeInput(
      box,
      'skip.csv',
      csv([
        ['email', 'title', 'phone.work'],
        [people[0]!.email!, 'E2E Skip Title', ''],
        [people[1]!.email!, '', '12'],
      ]),
    );
    const r = await box.cli(['update', file, '--yes', '--skip-invalid', '--json']);
    expect(r.code, r.stderr).toBe(1);
    const d = doc(r.stdout);
    expect(d.rows.map((x) => [x.row, x.status])).toEqual([
      [1, 'updated'],
      [2, 'invalid'],
    ]);
    expect(d.rows[1]!.problems).toEqual([
      expect.objectContaining({ code: 'invalid_phone', row: 2, line: 3, column: 'phone.work' }),
    ]);
    expect(d.rows[0]!.problems).toEqual([]);
  });

  // JSON: a CSV's such cell is judged against the current value when planning (docs/spreadsheets.md).
  it("a row's every warning is in its problems: a repeated row whose cell a spreadsheet made a date has both", async () => {
    plain = await sandbox({ users: 3 });
    const email = plain.emulator.users()[0]!.email!;
    const line = JSON.stringify({ email, title: '4/12/2024' });
    const file = await writeInput(plain, 'warn.jsonl', `${line}\n${line}\n`);
    const r = await plain.cli(['update', file, '--dry-run', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const d = doc(r.stdout);
    expect(d.rows.map((x) => [x.row, x.status, x.problems.map((p) => p.code)])).toEqual([
      [1, 'planned', ['invalid_value']],
      [2, 'skipped', ['invalid_value', 'duplicate_row']],
    ]);
  });
});

describe('--detailed-exitcode (CI)', () => {
  it('a dry run exits 4 when changes are pending, 0 when there is nothing to do, 1 on a row not found', async () => {
    org = await routingOrg({ users: 10 });
    const { box, people } = org;
    const file = await writeInput(
      box,
      'ci.csv',
      csv([
        ['email', 'title'],
        [people[0]!.email!, 'E2E CI Title'],
      ]),
    );

    const pending = await box.cli(['update', file, '--dry-run', '--detailed-exitcode']);
    expect(pending.code, pending.stderr).toBe(4);
    expect(pending.stdout).toMatch(/1 to change/);
    const pendingJson = await box.cli(['update', file, '--dry-run', '--detailed-exitcode', '--json']);
    expect(doc(pendingJson.stdout)).toMatchObject({ exitCode: 4, summary: { planned: 1 } });
    // Without the option a dry run with changes exits 0, as before.
    expect((await box.cli(['update', file, '--dry-run'])).code).toBe(0);
    expectNoWrites(box.emulator.stats());

    expect((await box.cli(['update', file, '--yes'])).code).toBe(0);
    const clean = await box.cli(['update', file, '--dry-run', '--detailed-exitcode']);
    expect(clean.code, clean.stderr).toBe(0);

    const ghost = await writeInput(
      box,
      'ghost.csv',
      csv([
        ['email', 'title'],
        [people[1]!.email!, 'E2E CI Other'],
        ['nobody-e2e-ci@example.com', 'X'],
      ]),
    );
    expect((await box.cli(['update', ghost, '--dry-run', '--detailed-exitcode'])).code).toBe(1);
  });

  it('is a usage error without --dry-run, and nothing is written', async () => {
    org = await routingOrg({ users: 10 });
    const { box, people } = org;
    const file = await writeInput(
      box,
      'ci.csv',
      csv([
        ['email', 'title'],
        [people[0]!.email!, 'E2E CI Title'],
      ]),
    );
    const r = await box.cli(['update', file, '--yes', '--detailed-exitcode']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--detailed-exitcode only applies to --dry-run');
    expect(patchRequests(box.emulator.stats())).toBe(0);
  });
});

describe('a rollback refused before it reads anything', () => {
  it('names the run it was asked to undo (source and rollbackOf) once known: by id at once, by --last once found', async () => {
    plain = await sandbox({ users: 5 });
    const none = doc((await plain.cli(['rollback', '--last', '--json'])).stdout);
    // No run to undo yet: nothing is known.
    expect(none).toMatchObject({ outcome: 'error', source: null, rollbackOf: null });
    const [user] = plain.emulator.users().filter((u) => u.state === 'active');
    const file = await writeInput(
      plain,
      'one.csv',
      csv([
        ['id', 'title'],
        [user!.id, 'Undo me'],
      ]),
    );
    const applied = await plain.cli(['update', file, '--yes']);
    const runId = /\(run (\d{8}-\d{6}-[0-9a-f]{6})\)/.exec(applied.stderr)?.[1] as string;
    expect(runId).toBeDefined();
    const cases: string[][] = [
      ['rollback', '--last', '--json', '--yes', '--report', 'r.xyz'],
      ['rollback', runId, '--json', '--yes', '--report', 'r.xyz'],
      ['rollback', runId, '--json', '--yes', '--tokens', '0'],
      ['rollback', runId, '--json', '--no-such-flag'],
      ['rollback', runId, '--json', '--dry-run', '--tokens', '0'],
    ];
    for (const args of cases) {
      const r = await plain.cli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(doc(r.stdout), args.join(' ')).toMatchObject({ outcome: 'error', source: runId, rollbackOf: runId });
    }
    // A resume names no undone run before it has read the run it resumes.
    const resumed = doc((await plain.cli(['rollback', '--resume', runId, '--json', '--tokens', '0'])).stdout);
    expect(resumed).toMatchObject({ mode: 'resume', rollbackOf: null });
    // Only the update wrote.
    expect(patchRequests(plain.emulator.stats())).toBe(1);
  });
});
