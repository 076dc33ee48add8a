import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { documentRow, refusedHead, writeDocument } from '../../src/run/document.js';
import { OutputDocument } from '../../src/run/document-schema.js';

async function written(head: Parameters<typeof writeDocument>[1], rows: Parameters<typeof writeDocument>[2]) {
  const out = new PassThrough();
  let text = '';
  out.on('data', (d: Buffer) => {
    text += d.toString('utf8');
  });
  await writeDocument(out, head, rows);
  out.end();
  return text;
}

describe('the --json document', () => {
  it('is one line of JSON, its keys in the order of the schema, valid by it', async () => {
    const head = refusedHead(
      { command: 'update', mode: 'apply', exitCode: 2, source: 'f.csv' },
      {
        kind: 'invalid',
        fileProblems: [
          {
            severity: 'error',
            line: 1,
            column: 'Titel',
            message: 'unknown',
            code: 'unknown_column',
            suggestion: 'title',
          },
        ],
        rows: 1,
      },
    );
    const row = documentRow(
      { row: 1, line: 2, key: 'a@example.com', status: 'invalid', changes: [], message: 'bad', attempts: 0 },
      [{ severity: 'error', rowNumber: 1, line: 2, column: 'phone.work', message: 'bad phone', code: 'invalid_phone' }],
    );
    const text = await written(head, [row]);
    expect(text.endsWith('}\n')).toBe(true);
    expect(text.split('\n')).toHaveLength(2);
    const value = JSON.parse(text) as Record<string, unknown>;
    expect(Object.keys(value)).toEqual(Object.keys(OutputDocument.shape));
    const doc = OutputDocument.parse(value);
    expect(doc.problems[0]).toEqual({
      severity: 'error',
      code: 'unknown_column',
      message: 'unknown',
      row: null,
      line: 1,
      column: 'Titel',
      columns: ['Titel'],
      suggestion: 'title',
    });
    expect(doc.rows[0]!.problems[0]).toMatchObject({ code: 'invalid_phone', row: 1, line: 2, column: 'phone.work' });
  });

  it('an empty row list is still an array', async () => {
    const head = refusedHead(
      { command: 'rollback', mode: 'rollback', exitCode: 3, source: null },
      { kind: 'error', message: 'no login' },
    );
    const doc = OutputDocument.parse(JSON.parse(await written(head, [])));
    expect(doc.rows).toEqual([]);
    expect(doc.problems.map((p) => p.code)).toEqual(['config']);
  });

  it('gives an invalid row without structured problems one from its message, and a problem without a code one', () => {
    const row = documentRow(
      {
        row: 4,
        line: 5,
        key: 'u',
        userId: 'id-1',
        status: 'invalid',
        changes: [],
        message: 'name cannot be cleared',
        attempts: 0,
      },
      undefined,
    );
    expect(row.problems).toEqual([
      {
        severity: 'error',
        code: 'invalid_change',
        message: 'name cannot be cleared',
        row: 4,
        line: 5,
        column: null,
        columns: [],
        suggestion: null,
      },
    ]);
    const uncoded = documentRow({ row: 1, line: 2, key: 'u', status: 'invalid', changes: [], attempts: 0 }, [
      { severity: 'error', rowNumber: 1, column: 'skills', message: 'bad cell' },
    ]);
    expect(uncoded.problems[0]!.code).toBe('invalid_value');
    expect(uncoded.problems[0]!.columns).toEqual(['skills']);
    // A row refused for several cells (--skip-invalid keeps its note only): every column, the first as `column`.
    const several = documentRow(
      {
        row: 2,
        line: 3,
        key: 'u',
        status: 'invalid',
        changes: [],
        attempts: 0,
        message: 'phone.mobile: "1415" is a phone number without its +; type it again; queues: "#NAME?" is an error',
      },
      undefined,
    );
    expect(several.problems.map((p) => [p.column, p.columns])).toEqual([['phone.mobile', ['phone.mobile', 'queues']]]);
    expect(
      documentRow({ row: 1, line: 2, key: 'u', status: 'updated', changes: [], attempts: 1 }, undefined).problems,
    ).toEqual([]);
  });
});
