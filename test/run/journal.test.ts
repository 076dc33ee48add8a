import { mkdir, mkdtemp, open, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ValidationError } from '../../src/errors.js';
import {
  type IntentRecord,
  Journal,
  type OutcomeRecord,
  readJournal,
  readRoutingJournal,
} from '../../src/run/journal.js';
import { readLifecycleJournal } from '../../src/run/lifecycle-journal.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'genesys-bulk-journal-'));
});
afterEach(async () => {
  vi.restoreAllMocks();
  await rm(dir, { recursive: true, force: true });
});

const intent = (row: number): IntentRecord => ({
  t: 'intent',
  at: '2026-11-29T10:00:00.000Z',
  row,
  userId: `u-${row}`,
  version: 1,
  before: { title: 'Old' },
  after: { title: 'New' },
});
const outcome = (row: number): OutcomeRecord => ({
  t: 'outcome',
  at: '2026-11-29T10:00:01.000Z',
  row,
  status: 'updated',
});
const HEADER = '{"t":"header","schemaVersion":1}';
/** The journal's record lines, after the header line every journal starts with. */
const lines = async () => {
  const [header, ...rest] = (await readFile(join(dir, 'journal.jsonl'), 'utf8')).split('\n').filter(Boolean);
  expect(header).toBe(HEADER);
  return rest;
};

describe('readJournal', () => {
  it('reads every record, and a missing journal as none', async () => {
    expect(await readJournal(dir)).toEqual([]);
    await writeFile(join(dir, 'journal.jsonl'), `${JSON.stringify(intent(1))}\n${JSON.stringify(outcome(1))}\n`);
    expect(await readJournal(dir)).toEqual([intent(1), outcome(1)]);
  });

  it('ignores a torn last line (a kill mid-write), with or without trailing blank lines', async () => {
    const torn = JSON.stringify(intent(2)).slice(0, 40);
    await writeFile(join(dir, 'journal.jsonl'), `${JSON.stringify(intent(1))}\n${torn}`);
    expect(await readJournal(dir)).toEqual([intent(1)]);
    await writeFile(join(dir, 'journal.jsonl'), `${JSON.stringify(intent(1))}\n${torn}\n\n`);
    expect(await readJournal(dir)).toEqual([intent(1)]);
  });

  it('refuses a corrupt line in the middle, naming it', async () => {
    await writeFile(
      join(dir, 'journal.jsonl'),
      `${JSON.stringify(intent(1))}\n{"t":"intent","ro\n${JSON.stringify(outcome(1))}\n`,
    );
    const err = await readJournal(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as Error).message).toMatch(/journal\.jsonl: line 2 is corrupt/);
  });
});

describe('journal versions', () => {
  const write = (...records: unknown[]) =>
    writeFile(join(dir, 'journal.jsonl'), records.map((r) => `${JSON.stringify(r)}\n`).join(''));

  it('reads a journal of version 1, with its header or from before headers', async () => {
    await write({ t: 'header', schemaVersion: 1 }, intent(1), outcome(1));
    expect(await readJournal(dir)).toEqual([intent(1), outcome(1)]);
    await write(intent(1));
    expect(await readJournal(dir)).toEqual([intent(1)]);
  });

  it('refuses another version, and a record of a kind it does not know: exit 2, saying what to do', async () => {
    for (const [records, said] of [
      [[{ t: 'header', schemaVersion: 2 }, intent(1)], /has journal schema version 2; .* reads journal version 1/],
      [[{ t: 'header' }, intent(1)], /has journal schema version null/],
      [[intent(1), { t: 'intent-v2', row: 2 }], /line 2 holds a record of a kind it does not know \("intent-v2"\)/],
      [[intent(1), { t: 'header', schemaVersion: 1 }], /line 2 holds a record of a kind it does not know/],
      [[{ t: 'call', seq: 1 }], /line 1 holds a record of a kind it does not know \("call"\)/],
    ] as const) {
      await write(...records);
      const err = await readJournal(dir).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).exitCode).toBe(2);
      expect((err as Error).message).toMatch(said);
      expect((err as Error).message).toContain('with the version of genesys-bulk that made it');
    }
  });

  it('the routing and lifecycle journals are checked alike', async () => {
    await writeFile(join(dir, 'routing.jsonl'), '{"t":"header","schemaVersion":3}\n');
    await expect(readRoutingJournal(dir)).rejects.toThrow(/routing\.jsonl has journal schema version 3/);
    await writeFile(join(dir, 'routing.jsonl'), '{"t":"header","schemaVersion":1}\n{"t":"routed","row":1}\n');
    expect(await readRoutingJournal(dir)).toEqual([{ t: 'routed', row: 1 }]);
    await writeFile(join(dir, 'lifecycle.jsonl'), '{"t":"created","row":1}\n{"t":"undeleted","row":1}\n');
    await expect(readLifecycleJournal(dir)).rejects.toThrow(/lifecycle\.jsonl line 2 holds a record of a kind/);
    await writeFile(join(dir, 'lifecycle.jsonl'), '{"t":"header","schemaVersion":2}\n');
    await expect(readLifecycleJournal(dir)).rejects.toBeInstanceOf(ValidationError);
  });

  it("a run folder's journal names its run, and is refused in another run's folder", async () => {
    const [run, other] = ['20261129-100000-aaaaaa', '20261129-110000-bbbbbb'].map((id) => join(dir, id));
    await mkdir(run!);
    await mkdir(other!);
    const journal = await Journal.open(join(run!, 'journal.jsonl'));
    await journal.append(intent(1));
    await journal.close();
    const text = await readFile(join(run!, 'journal.jsonl'), 'utf8');
    expect(text.split('\n')[0]).toBe('{"t":"header","schemaVersion":1,"runId":"20261129-100000-aaaaaa"}');
    expect(await readJournal(run!)).toEqual([intent(1)]);
    await writeFile(join(other!, 'journal.jsonl'), text);
    const err = await readJournal(other!).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as Error).message).toContain(
      'is the journal of run 20261129-100000-aaaaaa, not of run 20261129-110000-bbbbbb',
    );
  });

  it('a new journal starts with its header, written before any record', async () => {
    const journal = await Journal.open(join(dir, 'journal.jsonl'));
    expect(await readFile(join(dir, 'journal.jsonl'), 'utf8')).toBe(`${HEADER}\n`);
    await journal.append(intent(1));
    await journal.close();
    expect(await lines()).toEqual([JSON.stringify(intent(1))]);
    expect(await readJournal(dir)).toEqual([intent(1)]);
  });
});

describe('Journal', () => {
  it('resolves an append only once its record is on disk', async () => {
    const journal = await Journal.open(join(dir, 'journal.jsonl'));
    const seen: string[][] = [];
    await Promise.all(
      [1, 2, 3].map((row) =>
        journal.append(intent(row)).then(async () => {
          seen.push(await lines());
        }),
      ),
    );
    await journal.close();
    for (const [i, snapshot] of seen.entries()) {
      expect(snapshot.map((l) => (JSON.parse(l) as IntentRecord).row)).toContain(i + 1);
    }
  });

  it('group commit: records appended during a write go out together, in append order, with one sync per batch', async () => {
    const probe = await open(join(dir, 'probe'), 'w');
    const proto = Object.getPrototypeOf(probe) as { datasync: () => Promise<void> };
    await probe.close();
    const syncs = vi.spyOn(proto, 'datasync');

    const journal = await Journal.open(join(dir, 'journal.jsonl'));
    // The first append starts a write; the 99 made while it is under way wait for the next one.
    const first = journal.append(intent(0));
    const rest = Array.from({ length: 99 }, (_, i) => journal.append(i % 2 ? outcome(i + 1) : intent(i + 1)));
    await Promise.all([first, ...rest]);
    await journal.close();

    const rows = (await lines()).map((l) => (JSON.parse(l) as IntentRecord).row);
    expect(rows).toEqual(Array.from({ length: 100 }, (_, i) => i));
    // One for the header, written as the journal is created; then one per batch.
    expect(syncs.mock.calls.length).toBe(3);
  });

  it('keeps order across batches: a record is never written before one appended earlier', async () => {
    const journal = await Journal.open(join(dir, 'journal.jsonl'));
    const all: Promise<void>[] = [];
    for (let batch = 0; batch < 20; batch++) {
      for (let i = 0; i < 5; i++) all.push(journal.append(intent(batch * 5 + i)));
      await new Promise((resolve) => setImmediate(resolve));
    }
    await Promise.all(all);
    await journal.close();
    expect((await lines()).map((l) => (JSON.parse(l) as IntentRecord).row)).toEqual(
      Array.from({ length: 100 }, (_, i) => i),
    );
  });

  it('flushSync writes what is pending at once (the exit of a second Ctrl-C), owner-only', async () => {
    const path = join(dir, 'journal.jsonl');
    const journal = await Journal.open(path);
    const first = journal.append(intent(1));
    void journal.append(outcome(1));
    void journal.append(intent(2));
    journal.flushSync();
    const rows = (await readJournal(dir)).map((r) => `${r.t}:${r.row}`);
    expect(rows).toContain('outcome:1');
    expect(rows).toContain('intent:2');
    await first;
    await journal.close();
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  it('drops a torn last line when reopened, so that appending after it keeps the journal readable', async () => {
    const path = join(dir, 'journal.jsonl');
    await writeFile(path, `${JSON.stringify(intent(1))}\n${JSON.stringify(outcome(1)).slice(0, 25)}`);
    const journal = await Journal.open(path);
    await journal.append(intent(2));
    await journal.close();
    expect(await readJournal(dir)).toEqual([intent(1), intent(2)]);
  });

  it('reopens an intact journal without changing it', async () => {
    const path = join(dir, 'journal.jsonl');
    const text = `${JSON.stringify(intent(1))}\n${JSON.stringify(outcome(1))}\n`;
    await writeFile(path, text);
    await (await Journal.open(path)).close();
    expect(await readFile(path, 'utf8')).toBe(text);
  });

  it('rejects appends after close and leaves no exit hook behind', async () => {
    const before = process.listenerCount('exit');
    const journal = await Journal.open(join(dir, 'journal.jsonl'));
    expect(process.listenerCount('exit')).toBe(before + 1);
    await journal.close();
    expect(process.listenerCount('exit')).toBe(before);
    await expect(journal.append(intent(1))).rejects.toThrow(/closed/);
  });
});
