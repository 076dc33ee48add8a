import { describe, expect, it } from 'vitest';
import { JsonListSplitter, NotJsonError } from '../src/json-split.js';

/** Splits `text` fed `step` bytes at a time: each list's last elements as texts, and the skeleton. */
function split(text: string, step: number, lists: readonly (readonly string[])[] = [['plan', 'rows']]) {
  const bytes = Buffer.from(text, 'utf8');
  const elements: string[][] = lists.map(() => []);
  const s = new JsonListSplitter(lists, {
    start: (list) => {
      elements[list] = [];
    },
    element: (list, b) => elements[list]!.push(b.toString('utf8')),
  });
  for (let i = 0; i < bytes.length; i += step) s.push(bytes.subarray(i, i + step));
  return { skeleton: s.end(), elements };
}

const row = (n: number) => ({
  rowNumber: n,
  key: `u${n}@example.com`,
  diffs: [{ field: 'title', before: 'A "quoted" [one], {with} \\ marks \\"', after: 'B\u2028é漢😀' }],
});

describe('JsonListSplitter', () => {
  it('splits the lists out of the document at any chunk boundary, leaving the rest as it was', () => {
    const doc = {
      plan: { schemaVersion: 2, summary: { rows: [1, 2] }, rows: [row(1), row(2), row(3)] },
      managers: { 'email:m@example.com': 'm-id' },
      skipped: [{ rows: [1] }],
      entities: [row(4), 'x', [1, [2]], null],
    };
    for (const text of [JSON.stringify(doc, null, 1), JSON.stringify(doc)]) {
      for (const step of [1, 2, 3, 7, 64, 1 << 20]) {
        const { skeleton, elements } = split(text, step, [['plan', 'rows'], ['entities']]);
        expect(JSON.parse(skeleton)).toEqual({ ...doc, plan: { ...doc.plan, rows: [] }, entities: [] });
        expect(elements[0]!.map((r) => JSON.parse(r))).toEqual(doc.plan.rows);
        expect(elements[1]!.map((r) => JSON.parse(r))).toEqual(doc.entities);
      }
    }
  });

  it('starts a list again when its key is given again, and splits nothing off any other path', () => {
    const { skeleton, elements } = split(
      '{"x":{"rows":[1]},"plan":{"rows":[1,2],"p\\u006cx":{"rows":[3]},"rows":[4]},"rows":[5]}',
      5,
    );
    expect(elements[0]).toEqual(['4']);
    expect(JSON.parse(skeleton)).toEqual({ x: { rows: [1] }, plan: { rows: [], plx: { rows: [3] } }, rows: [5] });
    expect(split('{"p\\u006can":{"rows":[ 5 ]}}', 1).elements[0]).toEqual(['5']);
    expect(split('[{"plan":{"rows":[1]}}]', 1).elements[0]).toEqual([]);
    expect(split('{"plan":[{"rows":[1]}]}', 1).elements[0]).toEqual([]);
  });

  it('refuses what is not JSON in the nesting or between the elements', () => {
    for (const text of [
      '{"plan":{"rows":[1,,2]}}',
      '{"plan":{"rows":[1,]}}',
      '{"plan":{"rows":[,1]}}',
      '{"plan":{"rows":[1}}',
      '{"plan":{"rows":[1]',
      '{"plan":{"rows":["1]}}',
      '{"plan":{"rows":["1\\"]}}',
      ']',
    ]) {
      for (const step of [1, 3, 100]) expect(() => split(text, step), text).toThrow(NotJsonError);
    }
    expect(split('{"plan":{"rows":[ ]}}', 1).elements[0]).toEqual([]);
  });
});
