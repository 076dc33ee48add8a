/**
 * `genesys-bulk export`: formats, columns, filters and the output file's safety, on a small directory without
 * routing assignments (the round trip with routing is in export.test.ts).
 */
import { chmod, lstat, mkdir, readdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDirectory } from '../../src/emulator/index.js';
import type { GenesysUser } from '../../src/genesys/types.js';
import { type Sandbox, sandbox } from './harness.js';
import { routeCount } from './helpers.js';
import { QUEUES } from './routing-helpers.js';

const FORMULA = '=HYPERLINK("http://evil.example","x")';
let box: Sandbox;
let users: GenesysUser[];
const live = () => box.emulator.users().filter((u) => u.state !== 'deleted');
const csvRows = async (name: string) =>
  parse(await readFile(join(box.dir, name), 'utf8'), { columns: true, bom: true }) as Record<string, string>[];
const jsonl = (text: string) =>
  text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, string>);

beforeAll(async () => {
  users = generateDirectory({ users: 60, seed: 11 });
  users[1] = { ...users[1]!, title: FORMULA, department: 'Sales\u001b[2J' };
  users[2] = { ...users[2]!, title: "'@ home" };
  // Members of the first queue: every third user (deleted ones included: the listing may name them).
  const assignments = Object.fromEntries(
    users.filter((_, i) => i % 3 === 0).map((u) => [u.id, { queues: [QUEUES[0]!.id] }]),
  );
  box = await sandbox({ users, queues: QUEUES, assignments });
});
afterAll(() => box?.close());

describe('formats', () => {
  it('stdout is JSON Lines, one object per user, blank values left out', async () => {
    const r = await box.cli(['export', '--no-progress']);
    expect(r.code, r.stderr).toBe(0);
    const rows = jsonl(r.stdout);
    expect(rows).toHaveLength(live().length);
    expect(new Set(rows.map((x) => x.id))).toEqual(new Set(live().map((u) => u.id)));
    expect(Object.values(rows[0]!)).not.toContain('');
    const dash = await box.cli(['export', '-', '--columns', 'id,email']);
    expect(jsonl(dash.stdout)).toEqual(rows.map((x) => ({ id: x.id, ...(x.email ? { email: x.email } : {}) })));
  });

  it('a .json file is one array, and update of it (and of .jsonl) changes nothing', async () => {
    for (const name of ['all.json', 'all.jsonl']) {
      const r = await box.cli(['export', name]);
      expect(r.code, r.stderr).toBe(0);
      const plan = await box.cli(['update', name, '--dry-run', '--json']);
      expect(plan.code, plan.stderr).toBe(0);
      const doc = JSON.parse(plan.stdout) as { summary: Record<string, number> };
      expect(doc.summary).toMatchObject({ planned: 0, unchanged: live().length });
    }
    const array = JSON.parse(await readFile(join(box.dir, 'all.json'), 'utf8')) as unknown[];
    expect(array).toHaveLength(live().length);
  }, 60_000);

  it('neutralises a formula in CSV and escapes outside text on the terminal', async () => {
    const r = await box.cli(['export', 'formula.csv', '--columns', 'id,title,department']);
    expect(r.code, r.stderr).toBe(0);
    const row = (await csvRows('formula.csv')).find((x) => x.id === users[1]!.id)!;
    expect(row.title).toBe(`'${FORMULA}`);
    expect(r.stderr).toMatch(/2 cells start like a spreadsheet formula/);
    expect(r.stderr).not.toContain('\u001b');
    expect(r.stderr).toMatch(/1 cell left blank .*department: a line break or control character/);
  });

  it("an unedited export with formula cells plans no change; a cell edited with its ' keeps the value typed", async () => {
    const r = await box.cli(['export', 'formula-trip.csv', '--columns', 'id,title']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/2 cells start like a spreadsheet formula .*update reads them back without it/);
    const text = await readFile(join(box.dir, 'formula-trip.csv'), 'utf8');
    expect((await csvRows('formula-trip.csv')).find((x) => x.id === users[2]!.id)!.title).toBe("''@ home");
    const unedited = await box.cli(['update', 'formula-trip.csv', '--dry-run', '--json']);
    expect(unedited.code, unedited.stderr).toBe(0);
    expect((JSON.parse(unedited.stdout) as { summary: Record<string, number> }).summary).toMatchObject({
      planned: 0,
      unchanged: live().length,
    });
    await writeFile(join(box.dir, 'formula-edited.csv'), text.replace(`'${FORMULA.replace(/"/g, '""')}`, "'=2+2"));
    const edited = await box.cli(['update', 'formula-edited.csv', '--dry-run', '--json']);
    expect(edited.code, edited.stderr).toBe(0);
    const doc = JSON.parse(edited.stdout) as {
      summary: Record<string, number>;
      rows: { userId?: string; changes?: { field: string; after: unknown }[] }[];
    };
    expect(doc.summary.planned).toBe(1);
    expect(doc.rows.find((x) => x.userId === users[1]!.id)!.changes).toEqual([
      expect.objectContaining({ field: 'title', after: '=2+2' }),
    ]);
  });
});

describe('columns', () => {
  it('--columns writes those columns only, and reads no routing it does not need', async () => {
    const before = box.emulator.stats();
    const r = await box.cli(['export', 'few.csv', '--columns', 'id,title,phone.mobile']);
    expect(r.code, r.stderr).toBe(0);
    expect((await readFile(join(box.dir, 'few.csv'), 'utf8')).split('\n')[0]).toBe('\ufeffid,title,phone.mobile');
    const after = box.emulator.stats();
    for (const route of Object.keys(after.byRoute).filter((x) => x.includes('routing') || x.includes('authorization')))
      expect(routeCount(after, route)).toBe(routeCount(before, route));
  });

  it('an unknown column is a usage error with a suggestion, and writes no file', async () => {
    const r = await box.cli(['export', 'bad.csv', '--columns', 'id,departmnt']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/did you mean "department"/);
    await expect(stat(join(box.dir, 'bad.csv'))).rejects.toThrow();
  });
});

describe('filters', () => {
  it('--state inactive exports only inactive users', async () => {
    const r = await box.cli(['export', 'inactive.csv', '--state', 'inactive']);
    expect(r.code, r.stderr).toBe(0);
    const rows = await csvRows('inactive.csv');
    const expected = live().filter((u) => u.state === 'inactive');
    expect(expected.length).toBeGreaterThan(0);
    expect(rows.map((x) => x.id).sort()).toEqual(expected.map((u) => u.id).sort());
  });

  it('--division exports only that division; an unknown one is refused with a suggestion', async () => {
    const name = live()[0]!.division!.name!;
    const r = await box.cli(['export', 'division.csv', '--division', name.toUpperCase()]);
    expect(r.code, r.stderr).toBe(0);
    const rows = await csvRows('division.csv');
    expect(rows.map((x) => x.id).sort()).toEqual(
      live()
        .filter((u) => u.division?.name === name)
        .map((u) => u.id)
        .sort(),
    );
    const bad = await box.cli(['export', 'x.csv', '--division', `${name}x`]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(`did you mean "${name}"`);
  });

  it('--queue exports only its members', async () => {
    const queue = QUEUES[0]!;
    const expected = (box.emulator.queueMembers(queue.id) ?? []).filter((id) => live().some((u) => u.id === id));
    const r = await box.cli(['export', 'queue.csv', '--queue', queue.name]);
    expect(r.code, r.stderr).toBe(0);
    expect(expected.length).toBeGreaterThan(5);
    expect((await csvRows('queue.csv')).map((x) => x.id).sort()).toEqual([...expected].sort());
    expect(box.emulator.catalogue().queues.length).toBeGreaterThan(1);
  });

  it("--keys exports the users a file's id or email column names", async () => {
    const [a, b, c] = live().filter((u) => u.email);
    await writeFile(join(box.dir, 'keys.csv'), `id,email\n${a!.id},\n,${b!.email!.toUpperCase()}\n,${c!.email}\n`);
    const r = await box.cli(['export', 'picked.csv', '--keys', 'keys.csv']);
    expect(r.code, r.stderr).toBe(0);
    expect((await csvRows('picked.csv')).map((x) => x.id).sort()).toEqual([a!.id, b!.id, c!.id].sort());
  });

  it('--keys reads a Windows-1252 file with --encoding, which the message about it names', async () => {
    const [a] = live().filter((u) => u.email);
    await writeFile(
      join(box.dir, 'keys-1252.csv'),
      Buffer.from(`email;Notiz\r\n${a!.email};Gr\xfc\xdfe\r\n`, 'latin1'),
    );
    const plain = await box.cli(['export', 'picked-1252.csv', '--keys', 'keys-1252.csv']);
    expect(plain.code).toBe(2);
    expect(plain.stderr).toContain('--encoding windows-1252');
    const r = await box.cli(['export', 'picked-1252.csv', '--keys', 'keys-1252.csv', '--encoding', 'windows-1252']);
    expect(r.code, r.stderr).toBe(0);
    expect((await csvRows('picked-1252.csv')).map((x) => x.id)).toEqual([a!.id]);
    const alone = await box.cli(['export', 'no-keys.csv', '--encoding', 'windows-1252']);
    expect(alone.code).toBe(2);
    expect(alone.stderr).toContain('give --keys too');
  });
});

describe('the output file', () => {
  it('a folder is refused as a folder, with or without --force; a missing folder is named', async () => {
    await mkdir(join(box.dir, 'out.csv'));
    for (const args of [
      ['export', 'out.csv'],
      ['export', 'out.csv', '--force'],
    ]) {
      const r = await box.cli(args);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/out\.csv" is a folder: give a file name, such as "[^"]*out\.csv\/users\.csv"/);
    }
    const missing = await box.cli(['export', 'nowhere/users.csv']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/cannot create "[^"]*nowhere\/users\.csv": its folder does not exist/);
  });

  it('is owner-only, never replaces a file without --force, and never its input', async () => {
    const path = join(box.dir, 'safe.csv');
    await writeFile(path, 'precious\n');
    await chmod(path, 0o644);
    const refused = await box.cli(['export', 'safe.csv']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/already exists.*--force/);
    expect(await readFile(path, 'utf8')).toBe('precious\n');

    const forced = await box.cli(['export', 'safe.csv', '--force']);
    expect(forced.code, forced.stderr).toBe(0);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await csvRows('safe.csv')).length).toBe(live().length);

    await writeFile(join(box.dir, 'mine.csv'), `id\n${live()[0]!.id}\n`);
    const same = await box.cli(['export', './mine.csv', '--keys', 'mine.csv', '--force']);
    expect(same.code).toBe(2);
    expect(same.stderr).toMatch(/overwrite its input/);
    expect(await readFile(join(box.dir, 'mine.csv'), 'utf8')).toBe(`id\n${live()[0]!.id}\n`);
  });

  it('--force replaces a symlink at the path, never the file it points to, and leaves no temporary file', async () => {
    const elsewhere = join(box.dir, 'elsewhere');
    await mkdir(elsewhere);
    const target = join(elsewhere, 'notes.txt');
    await writeFile(target, 'not an export\n');
    await chmod(target, 0o644);
    await symlink(target, join(box.dir, 'linked.csv'));

    const forced = await box.cli(['export', 'linked.csv', '--force', '--columns', 'email,title']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(await readFile(target, 'utf8')).toBe('not an export\n');
    expect((await stat(target)).mode & 0o777).toBe(0o644);
    const written = await lstat(join(box.dir, 'linked.csv'));
    expect(written.isFile()).toBe(true);
    expect(written.mode & 0o777).toBe(0o600);
    expect((await csvRows('linked.csv')).length).toBe(live().length);
    expect((await readdir(box.dir)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });
});
