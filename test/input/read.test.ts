import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ValidationError } from '../../src/errors.js';
import { detectFormat, readInput } from '../../src/input/index.js';
import { fatal, streamOf } from './helpers.js';

describe('detectFormat', () => {
  it.each([
    ['users.csv', 'csv'],
    ['USERS.CSV', 'csv'],
    ['dir.v2/users.json', 'json'],
    ['users.jsonl', 'jsonl'],
    ['users.ndjson', 'jsonl'],
  ] as const)('%s is %s', (path, format) => {
    expect(detectFormat(path)).toBe(format);
  });

  it('lets an explicit format win over the extension', () => {
    expect(detectFormat('users.txt', 'csv')).toBe('csv');
    expect(detectFormat('users.json', 'jsonl')).toBe('jsonl');
  });

  it.each(['users.txt', 'users', 'users.xlsx'])('rejects %s, naming the file and --format', (path) => {
    expect(() => detectFormat(path)).toThrow(ValidationError);
    expect(() => detectFormat(path)).toThrow(
      `Cannot tell the format of "${path}" from its extension: use .csv, .json, .jsonl or .ndjson, or pass --format csv|json|jsonl.`,
    );
  });

  it('sniffs stdin: "[" is a JSON array, "{" is JSON Lines, anything else needs --format', () => {
    expect(detectFormat('-', undefined, '[')).toBe('json');
    expect(detectFormat(undefined, undefined, '{')).toBe('jsonl');
    expect(() => detectFormat('-', undefined, 'e')).toThrow('For CSV on stdin pass --format csv.');
    expect(detectFormat('-', 'csv', 'e')).toBe('csv');
  });
});

describe('readInput', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'genesys-bulk-input-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads a file by path', async () => {
    const path = join(dir, 'users.ndjson');
    await writeFile(path, '{"email": "a@example.com", "title": "A"}\n');
    const parsed = await readInput({ path });
    expect(parsed.format).toBe('jsonl');
    expect(parsed.rows).toHaveLength(1);
  });

  it('names a missing file', async () => {
    const path = join(dir, 'missing.csv');
    const err = await fatal(readInput({ path }));
    expect(err.message).toBe(`Cannot read input file ${JSON.stringify(path)}: the file does not exist.`);
  });

  it('names a directory given as the file', async () => {
    const path = join(dir, 'folder.csv');
    await import('node:fs/promises').then((fs) => fs.mkdir(path));
    const err = await fatal(readInput({ path }));
    expect(err.message).toBe(`Cannot read input file ${JSON.stringify(path)}: it is a directory, not a file.`);
  });

  it('checks the extension before opening the file', async () => {
    const err = await fatal(readInput({ path: join(dir, 'missing.txt') }));
    expect(err.message).toContain('from its extension');
  });

  it('uses the path only to name a given stream', async () => {
    const err = await fatal(readInput({ path: 'exported.csv', stream: streamOf('email,title\n'), format: 'csv' }));
    expect(err.message).toBe('exported.csv has a header but no data rows: add one row per user to change.');
  });

  it('wraps a read failure of the stream', async () => {
    async function* failing() {
      yield Buffer.from('email,title\n');
      throw Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO' });
    }
    const err = await fatal(readInput({ path: 'users.csv', stream: failing() as unknown as NodeJS.ReadableStream }));
    expect(err.message).toBe('Cannot read users.csv: EIO: i/o error, read');
  });

  it('asks for --encoding when a file is UTF-16 without a byte-order mark', async () => {
    const err = await fatal(
      readInput({ path: 'users.csv', stream: streamOf(Buffer.from('email,title\n', 'utf16le')) }),
    );
    expect(err.message).toContain('looks encoded as UTF-16 without a byte-order mark: pass --encoding utf-16le');
  });

  it('reports invalid UTF-8 on the right line even when the bad byte is in a later chunk', async () => {
    const first = Buffer.from('email,name\na@example.com,A\nb@example.com,Jos');
    const second = Buffer.from([0xe9, 0x0a]);
    const err = await fatal(readInput({ path: 'users.csv', stream: streamOf(first, second) }));
    expect(err.message).toContain('users.csv, line 3: the file is not valid UTF-8 text');
  });

  it('reports invalid UTF-8 after a character split across chunks', async () => {
    const bytes = Buffer.from('email,name\na@example.com,Zoë\nb@example.com,X\n');
    const cut = bytes.indexOf(0xc3) + 1;
    const second = Buffer.concat([bytes.subarray(cut), Buffer.from([0x41, 0xff, 0x0a])]);
    const err = await fatal(readInput({ path: 'users.csv', stream: streamOf(bytes.subarray(0, cut), second) }));
    expect(err.message).toContain('users.csv, line 4: the file is not valid UTF-8 text');
  });

  it('reports a file cut in the middle of a UTF-8 character', async () => {
    const bytes = Buffer.from('email,name\na@example.com,Zoë');
    const err = await fatal(readInput({ path: 'users.csv', stream: streamOf(bytes.subarray(0, -1)) }));
    expect(err.message).toContain('users.csv, line 2: the file ends in the middle of a UTF-8 character');
  });

  describe('stdin', () => {
    it('reads process.stdin when no path or stream is given', async () => {
      const spy = vi
        .spyOn(process, 'stdin', 'get')
        .mockReturnValue(streamOf('[{"email": "a@example.com", "title": "A"}]') as typeof process.stdin);
      try {
        const parsed = await readInput({ path: '-' });
        expect(parsed.format).toBe('json');
        expect(parsed.rows[0]!.changes).toEqual({ title: 'A' });
      } finally {
        spy.mockRestore();
      }
    });

    it('sniffs a JSON array, even after a byte-order mark, whitespace and a chunk boundary', async () => {
      const parsed = await readInput({
        stream: streamOf('\uFEFF', '\n  ', '[{"email": "a@example.com", "title": "A"}]'),
      });
      expect(parsed.format).toBe('json');
      expect(parsed.rows).toHaveLength(1);
    });

    it('sniffs JSON Lines', async () => {
      const parsed = await readInput({
        stream: streamOf('\n{"email": "a@example.com", "title": "A"}\n{"email": "b@example.com", "title": "B"}\n'),
      });
      expect(parsed.format).toBe('jsonl');
      expect(parsed.rows.map((r) => r.line)).toEqual([2, 3]);
    });

    it('refuses CSV without --format csv, and reads it with it', async () => {
      const err = await fatal(readInput({ stream: streamOf('email,title\na@example.com,A\n') }));
      expect(err.message).toBe(
        'Cannot tell the format of stdin: it starts with "e", not "[" (a JSON array) or "{" (JSON Lines). For CSV on stdin pass --format csv.',
      );
      const parsed = await readInput({ path: '-', stream: streamOf('email,title\na@example.com,A\n'), format: 'csv' });
      expect(parsed.rows).toHaveLength(1);
    });

    it('fails on empty stdin', async () => {
      const err = await fatal(readInput({ stream: streamOf(' \n') }));
      expect(err.message).toBe('stdin is empty: no input was given.');
    });
  });
});
