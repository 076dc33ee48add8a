import { getEventListeners } from 'node:events';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import {
  applyUpdate,
  type Connection,
  type EmulatorOptions,
  ExitCode,
  exportUsers,
  InterruptedError,
  InvalidInputError,
  planUpdate,
  type RunningEmulator,
  readInputFile,
  resume,
  rollback,
  startEmulator,
  ValidationError,
} from '../src/index.js';

/** The library API (src/index.ts) in-process: the same pipeline as the CLI, consent by callback, no console. */
describe('library API', () => {
  let emulator: RunningEmulator | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    await emulator?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
    emulator = undefined;
    dir = undefined;
  });
  const setUp = async (more: EmulatorOptions = {}) => {
    emulator = await startEmulator({ users: 30, seed: 5, limit: 10_000, windowSeconds: 60, ...more });
    dir = await mkdtemp(join(tmpdir(), 'genesys-bulk-api-'));
    const connection: Connection = {
      clientId: emulator.clientId,
      clientSecret: emulator.clientSecret,
      baseUrl: emulator.url,
    };
    const user = emulator.users().find((u) => u.state === 'active' && u.email)!;
    return { emulator, dir, connection, user };
  };

  it('plans without writing, asks confirm with the question, writes only on yes, and rolls back', async () => {
    const { emulator, dir, connection, user } = await setUp();
    const rows = [{ email: user.email, title: 'Library title' }];
    const plan = await planUpdate({ rows }, { connection, cwd: dir });
    expect(plan.records.map((r) => r.status)).toEqual(['planned']);
    expect(emulator.stats().patchesApplied).toBe(0);

    const questions: string[] = [];
    const declined = await applyUpdate(
      { rows: [...rows, { email: 'nobody.here@example.com', title: 'Nobody' }] },
      {
        connection,
        cwd: dir,
        confirm: (q) => {
          questions.push(q);
          return false;
        },
      },
    );
    expect(questions).toHaveLength(1);
    expect(questions[0]).toContain('127.0.0.1');
    expect(declined.runId).toBeUndefined();
    expect(declined.records.map((r) => r.status)).toEqual(['skipped', 'not_found']);
    expect(emulator.stats().patchesApplied).toBe(0);

    // Neither yes nor confirm: nobody can be asked, so nothing is written.
    await expect(applyUpdate({ rows }, { connection, cwd: dir })).rejects.toBeInstanceOf(ValidationError);
    await expect(applyUpdate({ rows }, { connection, cwd: dir })).rejects.toThrow(
      'nothing written: pass yes: true, or a confirm callback, to apply.',
    );
    expect(emulator.stats().patchesApplied).toBe(0);

    const applied = await applyUpdate({ rows }, { connection, cwd: dir, confirm: async () => true });
    expect(applied.exitCode).toBe(0);
    expect(applied.summary.updated).toBe(1);
    expect(emulator.user(user.id)?.title).toBe('Library title');

    const undone = await rollback(applied.runId!, { connection, cwd: dir, yes: true });
    expect(undone.exitCode).toBe(0);
    expect(emulator.user(user.id)?.title).toBe(user.title);
  });

  it("names the library's own options in the target it shows and in its configuration errors, not the CLI's flags", async () => {
    const { dir, connection, user } = await setUp();
    const input = { rows: [{ id: user.id, title: 'Library label' }] };
    const out = new PassThrough();
    let text = '';
    out.on('data', (chunk) => {
      text += String(chunk);
    });
    await planUpdate(input, { connection, cwd: dir, planOutput: out });
    expect(text).toContain('(from connection.baseUrl)');
    expect(text).not.toContain('--base-url');
    const both = planUpdate(input, { connection: { ...connection, region: 'eu_west_1' }, cwd: dir });
    await expect(both).rejects.toThrow(/from connection\.region\) and base URL .* \(from connection\.baseUrl\)/);
    const tokens = planUpdate(input, { connection: { ...connection, tokens: 0 }, cwd: dir });
    await expect(tokens).rejects.toThrow(/Invalid number of tokens "0" \(connection\.tokens\)/);
    const timeout = planUpdate(input, { connection: { ...connection, timeout: 0 }, cwd: dir });
    await expect(timeout).rejects.toThrow(/Invalid request timeout "0" \(connection\.timeout\)/);
  });

  it('connects with the connection given alone: a ./.env in cwd (a region, a token count) is not read', async () => {
    const { emulator, dir, connection, user } = await setUp();
    await writeFile(
      join(dir, '.env'),
      'GENESYS_REGION=eu_west_1\nGENESYS_TOKENS=0\nGENESYS_BASE_URL=http://127.0.0.1:9\n',
      {
        mode: 0o600,
      },
    );
    const rows = [{ id: user.id, title: 'Explicit target' }];
    const out = new PassThrough();
    let text = '';
    out.on('data', (chunk) => {
      text += String(chunk);
    });
    const plan = await planUpdate({ rows }, { connection, cwd: dir, planOutput: out });
    expect(plan.summary.planned).toBe(1);
    expect(text).toContain(`${new URL(emulator.url).host} (from connection.baseUrl)`);
    // Without a connection the CLI's rules apply: that same ./.env is read (its token count is refused).
    await expect(planUpdate({ rows }, { env: {}, cwd: dir })).rejects.toThrow(/GENESYS_TOKENS in \.\/\.env/);
  });

  it('an abort before any write (while logging in, or reading the users) rejects with an InterruptedError', async () => {
    const early = new AbortController();
    early.abort();
    // Aborted by the first API request (after the login): the reads are cancelled.
    const reading = new AbortController();
    const { emulator, dir, connection, user } = await setUp({
      onApiRequest: () => reading.abort(),
    });
    const rows = [{ id: user.id, title: 'Never written' }];
    const login = applyUpdate({ rows }, { connection, cwd: dir, yes: true, signal: early.signal });
    await expect(login).rejects.toBeInstanceOf(InterruptedError);
    await expect(login).rejects.toMatchObject({ exitCode: ExitCode.Interrupted });
    const read = applyUpdate({ rows }, { connection, cwd: dir, yes: true, signal: reading.signal });
    await expect(read).rejects.toBeInstanceOf(InterruptedError);
    const exported = exportUsers(new PassThrough(), { connection, cwd: dir, signal: reading.signal });
    await expect(exported).rejects.toBeInstanceOf(InterruptedError);
    expect(emulator.stats().patchesApplied).toBe(0);
  });

  it("leaves no listener on the caller's signal, and many requests waiting on it print no listener warning", async () => {
    const { emulator, dir, connection } = await setUp();
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on('warning', onWarning);
    try {
      const signal = new AbortController().signal;
      const rows = emulator
        .users()
        .filter((u) => u.state === 'active')
        .map((u) => ({ id: u.id, title: 'Many waiting' }));
      const applied = await applyUpdate({ rows }, { connection, cwd: dir, yes: true, signal, maxConcurrency: 64 });
      expect(applied.summary.updated).toBe(rows.length);
      await rollback(applied.runId!, { connection, cwd: dir, yes: true, signal });
      await planUpdate({ rows }, { connection, cwd: dir, signal });
      await exportUsers(new PassThrough(), { connection, cwd: dir, signal });
      await new Promise((r) => setImmediate(r));
      expect(warnings).toEqual([]);
      expect(getEventListeners(signal, 'abort')).toHaveLength(0);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('takes rows from any iterable, sync or async (a stream of rows)', async () => {
    const { emulator, dir, connection } = await setUp();
    const active = emulator.users().filter((u) => u.state === 'active');
    let pulled = 0;
    async function* stream() {
      for (const u of active) {
        pulled++;
        yield { id: u.id, title: `Streamed ${pulled}` };
      }
    }
    const plan = await planUpdate({ rows: stream() }, { connection, cwd: dir });
    expect(plan.summary.planned).toBe(active.length);
    expect(plan.records.map((r) => r.userId)).toEqual(active.map((u) => u.id));
    const fromSet = await planUpdate(
      { rows: new Set([{ id: active[0]!.id, title: 'From a set' }]) },
      { connection, cwd: dir },
    );
    expect(fromSet.summary.planned).toBe(1);
  });

  it("reads a file in the encoding given, as --encoding does (a spreadsheet's windows-1252 export)", async () => {
    const { dir, connection, user } = await setUp();
    await writeFile(join(dir, 'latin.csv'), Buffer.from(`id,title\n${user.id},Caf\xe9 lead\n`, 'latin1'));
    const parsed = await readInputFile('latin.csv', { cwd: dir, encoding: 'windows-1252' });
    expect(parsed.rows[0]!.changes.title).toBe('Café lead');
    const plan = await planUpdate({ path: 'latin.csv', encoding: 'windows-1252' }, { connection, cwd: dir });
    expect(plan.records[0]!.changes).toEqual([expect.objectContaining({ field: 'title', after: 'Café lead' })]);
  });

  it("tells what to do next in the library's terms: skipInvalid, resume(runId)", async () => {
    // Stopped by the first request after the answer (a write): the rows after it are not applied.
    let answered = false;
    const stop = new AbortController();
    const { emulator, dir, connection } = await setUp({ onApiRequest: () => answered && stop.abort() });
    const invalid = applyUpdate({ rows: [{ email: 'not-an-email', title: 'x' }] }, { connection, cwd: dir, yes: true });
    await expect(invalid).rejects.toThrow(/or give skipInvalid: true to apply the valid rows/);
    // Each problem as data, for a program to show: the class is exported.
    const refused = await invalid.catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(InvalidInputError);
    expect((refused as InvalidInputError).rows[0]).toMatchObject({ rowNumber: 1, line: 1 });
    expect((refused as InvalidInputError).rows[0]!.problems[0]).toMatchObject({ column: 'email', severity: 'error' });
    const rows = emulator
      .users()
      .filter((u) => u.state === 'active')
      .slice(0, 3)
      .map((u) => ({ id: u.id, title: 'Stopped' }));
    const confirm = () => {
      answered = true;
      return true;
    };
    const stopped = await applyUpdate(
      { rows },
      { connection, cwd: dir, signal: stop.signal, confirm, maxConcurrency: 1 },
    );
    expect(stopped.exitCode).toBe(ExitCode.Interrupted);
    const hints = stopped.records.map((r) => r.message ?? '').filter((m) => m.includes(`resume('${stopped.runId}')`));
    expect(hints.length).toBeGreaterThan(0);
    expect(stopped.records.some((r) => r.message?.includes('--resume'))).toBe(false);
  });

  it('gives confirm the signal, and an abort while it is open rejects with an InterruptedError and writes nothing', async () => {
    const { emulator, dir, connection, user } = await setUp();
    const stop = new AbortController();
    let told: AbortSignal | undefined;
    const late = applyUpdate(
      { rows: [{ id: user.id, title: 'Asked, then stopped' }] },
      {
        connection,
        cwd: dir,
        signal: stop.signal,
        confirm: (_question, signal) => {
          told = signal;
          stop.abort();
          return true;
        },
      },
    );
    await expect(late).rejects.toBeInstanceOf(InterruptedError);
    expect(told?.aborted).toBe(true);
    // An answer that never comes: the abort settles the call.
    const never = new AbortController();
    const open = applyUpdate(
      { rows: [{ id: user.id, title: 'Never answered' }] },
      { connection, cwd: dir, signal: never.signal, confirm: () => (never.abort(), new Promise<boolean>(() => {})) },
    );
    await expect(open).rejects.toBeInstanceOf(InterruptedError);
    expect(emulator.stats().patchesApplied).toBe(0);
    await expect(stat(join(dir, '.genesys-bulk', 'runs'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('refuses what the types rule out (plain JavaScript) with a ValidationError saying what to give, sending nothing', async () => {
    dir = await mkdtemp(join(tmpdir(), 'genesys-bulk-api-'));
    // Nothing listens here: each call must fail before connecting.
    const connection: Connection = { clientId: 'id', clientSecret: 'secret', baseUrl: 'http://127.0.0.1:9' };
    const cyclic: Record<string, unknown> = { email: 'a@example.com' };
    cyclic.self = cyclic;
    const loose = (v: unknown) => v as never;
    const cases: [Promise<unknown>, RegExp][] = [
      [planUpdate({ rows: [] }, { connection, cwd: dir, maxConcurrency: 0 }), /^maxConcurrency is 0: give a whole/],
      [planUpdate({ rows: [] }, { connection, cwd: dir, maxConcurrency: 2.5 }), /^maxConcurrency is 2\.5/],
      [planUpdate(loose(null), { connection, cwd: dir }), /^the input is null: give \{ rows/],
      [planUpdate(loose({ rows: 'a@example.com' }), { connection, cwd: dir }), /^input\.rows is "a@example\.com"/],
      [planUpdate({ path: 'in.xml', format: loose('xml') }, { connection, cwd: dir }), /^format is "xml"/],
      [
        planUpdate({ rows: [{ email: 'a@example.com', title: 1n }] }, { connection, cwd: dir }),
        /^input\.rows\[0\] cannot/,
      ],
      [planUpdate({ rows: [{ title: 'x' }, cyclic] }, { connection, cwd: dir }), /^input\.rows\[1\] cannot .*circular/],
      [exportUsers('out.csv', { connection, cwd: dir, state: loose('weird') }), /^state is "weird"/],
      [exportUsers('out.csv', { connection, cwd: dir, columns: loose('email') }), /^columns is "email"/],
      [exportUsers(loose(undefined), { connection, cwd: dir }), /^to is undefined/],
      [readInputFile(loose(5), { cwd: dir }), /^the path is 5/],
    ];
    for (const [call, message] of cases) {
      const err = await call.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err, String(message)).toBeInstanceOf(ValidationError);
      expect((err as Error).message).toMatch(message);
    }
  });

  it("names its own options in messages, never the CLI's flags or commands", async () => {
    const { emulator, dir, connection, user } = await setUp();
    await writeFile(join(dir, 'taken.csv'), 'x\n');
    await writeFile(join(dir, 'nokeys.csv'), 'email\nnot-an-email\n');
    await writeFile(join(dir, 'in.txt'), 'email,title\n');
    await writeFile(join(dir, 'one.json'), `{"email": "${user.email}", "title": "One"}`);
    await writeFile(join(dir, 'latin.csv'), Buffer.from(`email,title\n${user.email},Caf\xe9\n`, 'latin1'));
    const rows = [{ email: user.email, title: 'Named' }];
    // Each called in turn: a call made early would reject before anything listens.
    const cases: [() => Promise<unknown>, RegExp][] = [
      [
        () => applyUpdate({ rows }, { connection, cwd: dir, yes: true, reportPath: 'report.txt' }),
        /^reportPath \S*report\.txt: the report must end in/,
      ],
      [() => rollback('not-a-run', { connection, cwd: dir, yes: true }), /see the run folders under stateDir/],
      [() => resume('20261129-101500-a1b2c3', { connection, cwd: dir }), /see the run folders under stateDir/],
      [() => exportUsers('g.csv', { connection, cwd: dir, group: 'No Such Group' }), /^group: no group named/],
      [() => exportUsers('q.csv', { connection, cwd: dir, queue: 'No Such Queue' }), /^queue: no queue named/],
      [
        () => exportUsers('k.csv', { connection, cwd: dir, keysPath: 'nokeys.csv' }),
        /^keysPath ".*nokeys\.csv" names no user/,
      ],
      [
        () => exportUsers('e.csv', { connection, cwd: dir, keysEncoding: 'latin1' }),
        /^keysEncoding names .* keysPath file/,
      ],
      [() => exportUsers('taken.csv', { connection, cwd: dir }), /or give force: true to replace it/],
      [() => exportUsers('users.txt', { connection, cwd: dir }), /or give format\.$/],
      [
        () => applyUpdate({ path: 'in.txt' }, { connection, cwd: dir, yes: true }),
        /pass input\.format: 'csv\|json\|jsonl'/,
      ],
      [() => planUpdate({ path: 'latin.csv' }, { connection, cwd: dir }), /usually input\.encoding: 'windows-1252'\)/],
      [() => planUpdate({ path: 'latin.csv', encoding: 'nope' }, { connection, cwd: dir }), /for input\.encoding:/],
      [() => readInputFile('one.json', { cwd: dir }), /use a \.jsonl file or format: 'jsonl';/],
      [() => readInputFile('latin.csv', { cwd: dir }), /pass encoding with the encoding/],
      [
        () => exportUsers('l.csv', { connection, cwd: dir, keysPath: 'latin.csv' }),
        /usually keysEncoding: 'windows-1252'\)/,
      ],
    ];
    for (const [call, message] of cases) {
      const err = await call().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err, String(message)).toBeInstanceOf(ValidationError);
      expect((err as Error).message).toMatch(message);
      expect((err as Error).message).not.toMatch(/--[a-z]|genesys-bulk /);
    }
    expect(emulator.stats().patchesApplied).toBe(0);
  });

  it('reads a file relative to cwd, and reports its problems with row and line', async () => {
    dir = await mkdtemp(join(tmpdir(), 'genesys-bulk-api-'));
    await writeFile(join(dir, 'in.csv'), 'email,title\nnot-an-email,x\nok@example.com,y\n');
    const parsed = await readInputFile('in.csv', { cwd: dir });
    expect(parsed.rows.length).toBe(1);
    const errors = parsed.problems.filter((p) => p.severity === 'error');
    expect(errors.length).toBe(1);
    expect(errors[0]!.message).toMatch(/row 1/);
  });

  it('exports to a file that an update plans no change from, and to a stream with the CLI filters', async () => {
    const { emulator, dir, connection } = await setUp();
    const live = emulator.users().filter((u) => u.state !== 'deleted');
    const summary = await exportUsers('users.csv', { connection, cwd: dir });
    expect(summary.format).toBe('csv');
    expect(summary.rows).toBe(live.length);
    expect(summary.calls.userPages).toBe(1);
    expect(summary.calls.grants).toBe(live.length);
    expect((await stat(join(dir, 'users.csv'))).mode & 0o777).toBe(0o600);
    await expect(exportUsers('users.csv', { connection, cwd: dir })).rejects.toThrow(/already exists/);

    const plan = await planUpdate({ path: 'users.csv' }, { connection, cwd: dir });
    expect(plan.summary.planned).toBe(0);
    expect(plan.summary.unchanged).toBe(live.length);
    expect(plan.records.every((r) => r.status === 'unchanged')).toBe(true);

    const active = live.filter((u) => u.state === 'active');
    expect(active.length).toBeLessThan(live.length);
    const out = new PassThrough();
    let text = '';
    out.on('data', (d) => {
      text += String(d);
    });
    const streamed = await exportUsers(out, { connection, cwd: dir, columns: ['id', 'title'], state: 'active' });
    expect(streamed.format).toBe('jsonl');
    expect(streamed.calls.grants).toBe(0);
    const rows = text
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, string>);
    expect(rows.map((r) => r.id).sort()).toEqual(active.map((u) => u.id).sort());
    expect(Object.keys(rows[0]!)).toEqual(['id', 'title']);
    expect(streamed.rows).toBe(active.length);

    await writeFile(join(dir, 'keys.csv'), `email\n${active[0]!.email}\n`);
    const one = await exportUsers('one.json', { connection, cwd: dir, keysPath: 'keys.csv', columns: ['email'] });
    expect(one.rows).toBe(1);
    expect(JSON.parse(await readFile(join(dir, 'one.json'), 'utf8'))).toEqual([{ email: active[0]!.email }]);
  });
});
