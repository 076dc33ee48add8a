/**
 * `export --keys` with emails reads only the users the file names: their emails searched (100 a search), their users
 * read by id; the directory is listed only when that takes fewer calls (page 1 of the listing says how many).
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Connection, exportUsers, type RunningEmulator, startEmulator } from '../../src/index.js';

let emulator: RunningEmulator;
let dir: string;
let connection: Connection;
beforeAll(async () => {
  // 3,000 users: a listing of 6 pages of 500.
  emulator = await startEmulator({ users: 3000, seed: 9, limit: 100_000 });
  dir = await mkdtemp(join(tmpdir(), 'genesys-bulk-export-keys-'));
  connection = { clientId: emulator.clientId, clientSecret: emulator.clientSecret, baseUrl: emulator.url };
});
afterAll(async () => {
  await emulator?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const withEmail = () => emulator.users().filter((u) => u.state !== 'deleted' && u.email);

async function exportKeys(name: string, lines: string[]) {
  await writeFile(join(dir, `${name}.csv`), `id,email\n${lines.join('\n')}\n`);
  const before = emulator.stats().requests;
  const summary = await exportUsers(`${name}-out.csv`, {
    connection,
    cwd: dir,
    columns: ['id', 'email', 'title'],
    keysPath: `${name}.csv`,
  });
  const rows = parse(await readFile(join(dir, `${name}-out.csv`), 'utf8'), { columns: true, bom: true }) as {
    id: string;
  }[];
  return { summary, requests: emulator.stats().requests - before, ids: rows.map((r) => r.id).sort() };
}

describe('export --keys with emails', () => {
  it('10 emails (one capitalised, one inactive user, one unknown) and an id: 1 search and 1 read by id', async () => {
    const people = withEmail();
    const picked = people.slice(100, 109);
    const inactive = people.find((u) => u.state === 'inactive')!;
    const byId = people[500]!;
    const lines = [
      ...picked.map((u, i) => `,${i === 0 ? u.email!.toUpperCase() : u.email}`),
      `,${inactive.email}`,
      ',nobody.here@nowhere.example',
      `${byId.id},`,
    ];
    const { summary, requests, ids } = await exportKeys('ten', lines);
    expect(ids).toEqual([...picked, inactive, byId].map((u) => u.id).sort());
    expect(summary.calls).toMatchObject({ searches: 1, userPages: 1 });
    expect(requests).toBe(1 + 2); // the login, the search, the read by id
  });

  it('200 emails: page 1 of the listing shows 5 more pages, more than the 4 calls by key, so those are made', async () => {
    const picked = withEmail()
      .filter((_, i) => i % 13 === 5)
      .slice(0, 200);
    const { summary, ids } = await exportKeys(
      'two-hundred',
      picked.map((u) => `,${u.email}`),
    );
    expect(ids).toEqual(picked.map((u) => u.id).sort());
    expect(summary.calls).toMatchObject({ searches: 2, userPages: 1 + 2 });
  });

  it('600 emails: listing the 6 pages takes fewer calls than 12 by key, so the directory is listed', async () => {
    const picked = withEmail()
      .filter((_, i) => i % 4 === 1)
      .slice(0, 600);
    const { summary, ids } = await exportKeys(
      'six-hundred',
      picked.map((u) => `,${u.email}`),
    );
    expect(ids).toEqual(picked.map((u) => u.id).sort());
    expect(summary.calls).toMatchObject({ searches: 0, userPages: 6 });
  });
});
