import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readMapped } from '../../src/genesys/body.js';

const LISTS = ['entities', 'results'];
const mark = (u: unknown) =>
  typeof u === 'object' && u !== null && !Array.isArray(u) ? { mapped: true, ...(u as object) } : u;

/** What the splitter must give: JSON.parse, then the lists of an object mapped; undefined for text that is not JSON. */
function reference(text: string): unknown {
  let data: unknown;
  try {
    // axios drops a byte-order mark before parsing.
    data = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch {
    return undefined;
  }
  if (typeof data === 'object' && data !== null && !Array.isArray(data)) {
    const record = data as Record<string, unknown>;
    for (const key of LISTS) {
      const value = record[key];
      if (Array.isArray(value)) record[key] = value.map(mark);
    }
  }
  return data;
}

/** readMapped of `text`'s bytes cut at `cuts` (byte offsets, in order). */
function split(text: string, cuts: readonly number[]): Promise<unknown> {
  const bytes = Buffer.from(text, 'utf8');
  const pieces: Buffer[] = [];
  let at = 0;
  for (const cut of [...cuts, bytes.length]) {
    pieces.push(bytes.subarray(at, cut));
    at = cut;
  }
  return readMapped(Readable.from(pieces), LISTS, mark);
}

const CASES = [
  '{"entities":[{"id":"a","x":[1,2,{"y":"]}\\\\"}]},{"id":"b\\"q"}],"pageSize":2,"total":2}',
  '{"entities":[]}',
  '{"entities":[ ]}',
  '{"entities":[1,]}',
  '{"entities":[,1]}',
  '{"entities":[1 2]}',
  '{"entities":[{"a":1}}',
  '{"entities":[{"a":1}],"entities":5}',
  '{"entities":5,"entities":[{"a":1}]}',
  '{"entities":[{"a":1}],"entities":[]}',
  '{"results":[{"a":"\\u00e9"},{"b":null}], "e\\u006etities":[{"c":1}]}',
  '[{"entities":[{"a":1}]}]',
  '["entities",[{"a":1}]]',
  '',
  'not json',
  '{"a":1',
  '{"a":1}}',
  '{"entities":[{"a":"x\\\\"}]}',
  '  {"entities" : [ {"a" : 1} , {"b":2} ] }  ',
  '"text"',
  '5',
  'null',
  '{"x":{"entities":[{"a":1}]}}',
  '{"entities":[[1],[2]],"results":[true,"s",null]}',
  '{"entities":[{"a":1}],}',
  '{"entities":[{"a":1}]',
  '{"entities":[{"a":1}]]}',
  '{"a":"[","entities":[{"q":"{,:"}]}',
  '\ufeff{"entities":[{"a":1}]}',
  '\ufeff',
  '{"\u00e9":[1],"entities":[{"k\\\\\\"":"\\\\\\\\\\"\\\\"}]}',
  '{"__proto__":[1],"entities":[{"__proto__":{"x":1}}]}',
];

describe('readMapped', () => {
  it('gives what JSON.parse then mapping gives, wherever the bytes are cut', async () => {
    for (const text of CASES) {
      const want = reference(text);
      const length = Buffer.byteLength(text);
      for (let cut = 0; cut <= length; cut++) expect(await split(text, [cut]), `${text} cut at ${cut}`).toEqual(want);
      for (let n = 0; n < 20; n++) {
        const cuts = Array.from({ length: 1 + (n % 5) }, (_, k) => (n * 7 + k * 13) % (length + 1));
        expect(
          await split(
            text,
            cuts.sort((a, b) => a - b),
          ),
        ).toEqual(want);
      }
    }
  });

  it('reads a page of users from a stream cut anywhere, multi-byte characters included', async () => {
    const users = Array.from({ length: 50 }, (_, i) => ({ id: `u${i}`, name: `N\\"${i}é😀`, a: [{ b: `x,]}${i}` }] }));
    const text = `\ufeff${JSON.stringify({ entities: users, pageSize: 50, pageNumber: 1, total: 50, pageCount: 1 })}`;
    const bytes = Buffer.from(text, 'utf8');
    const chunks = Array.from({ length: Math.ceil(bytes.length / 7) }, (_, i) => bytes.subarray(i * 7, i * 7 + 7));
    const mapped = await readMapped(Readable.from(chunks), LISTS, mark);
    expect(mapped).toEqual(reference(text.slice(1)));
  });
});
