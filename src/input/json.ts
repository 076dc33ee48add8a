import { ValidationError } from '../errors.js';
import { type Cell, cellFromJson, jsonTypeName } from './cell.js';
import { Collector, type HeldInput, materialize } from './collect.js';
import { COLUMN_NAMES, NESTED_GROUPS, unknownColumn, unknownColumnMessage } from './columns.js';
import { scanJson, UNEXPECTED_END } from './json-scan.js';
import { JsonArrayGuard, JsonStreamSplitter, type StreamRecord } from './json-stream.js';
import { CLI_INPUT_NAMES, type InputNames } from './option-names.js';
import { problem } from './problems.js';
import { normaliseRecord } from './record.js';
import type { InputProblem, ParsedInput } from './types.js';

/**
 * A JSON array is read whole (JSON.parse needs it), so it is capped well below V8's string limit; JSON Lines and
 * CSV stream and have no such cap. Each element is also held to the per-record limits as it arrives.
 */
const MAX_JSON_ARRAY_CHARS = 256 * 1024 * 1024;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function sentence(text: string): string {
  return /[.?!]$/.test(text) ? text : `${text}.`;
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

interface At {
  rowNumber: number;
  line: number;
}

/**
 * Turns one JSON object into cells, accepting both `"phone.work": …` and `"phone": {"work": …}`. Unknown keys are
 * reported once per file (with the first row that has them), through `unknownSeen`.
 */
function addObject(
  obj: Record<string, unknown>,
  at: At,
  collector: Collector,
  unknownSeen: Set<string>,
  repeatedPaths: string[],
): void {
  const cells = new Map<string, Cell>();
  const given = new Map<string, string>();
  const extra: InputProblem[] = repeatedPaths.map((path) =>
    problem(
      'error',
      { ...at, column: path },
      'the key appears twice in the same object and JSON keeps only the last; give it once',
    ),
  );

  const add = (column: string, value: unknown, spelled: string) => {
    const earlier = given.get(column);
    if (earlier !== undefined) {
      extra.push(problem('error', { ...at, column }, `given twice (as ${earlier} and as ${spelled}); give it once`));
      return;
    }
    given.set(column, spelled);
    if (!COLUMN_NAMES.has(column)) {
      if (!unknownSeen.has(column)) {
        unknownSeen.add(column);
        collector.addFileProblem(
          problem('error', { ...at, column }, unknownColumnMessage(column), unknownColumn(column)),
        );
      }
      return;
    }
    const cell = cellFromJson(value);
    if (cell !== undefined) cells.set(column, cell);
  };

  for (const [key, value] of Object.entries(obj)) {
    if ((NESTED_GROUPS as readonly string[]).includes(key)) {
      if (!isPlainObject(value)) {
        extra.push(
          problem(
            'error',
            { ...at, column: key },
            `expected an object such as {"${key}": {"${key === 'phone' ? 'work' : 'employeeId'}": "…"}}, got ${jsonTypeName(value)}; to clear one field set it to null inside the object`,
          ),
        );
        continue;
      }
      for (const [sub, subValue] of Object.entries(value)) {
        add(`${key}.${sub}`, subValue, JSON.stringify(`${key}: {${sub}}`));
      }
      continue;
    }
    add(key, value, JSON.stringify(key));
  }
  collector.addRecord(at, normaliseRecord(cells, at), extra);
}

async function readAll(text: AsyncIterable<string>, name: string): Promise<string> {
  const parts: string[] = [];
  let length = 0;
  const guard = new JsonArrayGuard(name);
  for await (const chunk of text) {
    guard.push(chunk);
    length += chunk.length;
    if (length > MAX_JSON_ARRAY_CHARS) {
      throw new ValidationError(
        `${name} is too large to read as one JSON array (over ${MAX_JSON_ARRAY_CHARS / 1024 / 1024} MiB); write it as JSON Lines (.jsonl, one object per line), which is streamed.`,
      );
    }
    parts.push(chunk);
  }
  return parts.join('');
}

/** A JSON array of objects. Read whole: see MAX_JSON_ARRAY_CHARS. */
export async function readJsonArray(text: AsyncIterable<string>, name: string): Promise<ParsedInput> {
  return materialize(await readJsonArrayHeld(text, name));
}

/** As readJsonArray, with the rows held as text (collect.ts). */
export async function readJsonArrayHeld(
  text: AsyncIterable<string>,
  name: string,
  names: InputNames = CLI_INPUT_NAMES,
): Promise<HeldInput> {
  const source = await readAll(text, name);
  if (source.trim() === '') throw new ValidationError(`${name} is empty: expected a JSON array of objects.`);

  let value: unknown;
  try {
    value = JSON.parse(source);
  } catch (err) {
    const scan = scanJson(source);
    if (!scan.ok) {
      const reason = scan.message === UNEXPECTED_END ? `${scan.message}; is the file truncated?` : scan.message;
      throw new ValidationError(`${name}, line ${scan.line}, column ${scan.column}: invalid JSON: ${sentence(reason)}`);
    }
    throw new ValidationError(`${name}: invalid JSON: ${sentence(err instanceof Error ? err.message : String(err))}`);
  }

  if (!Array.isArray(value)) {
    const type = jsonTypeName(value);
    const hint = isPlainObject(value)
      ? ` For one object per line, use a .jsonl file${names.format ? ` or ${names.format('jsonl')}` : ''}; otherwise put the objects in a top-level array.`
      : '';
    throw new ValidationError(
      `${name}: expected a JSON array of objects, such as [{"email": "…", "title": "…"}], but the file holds ${article(type)}.${hint}`,
    );
  }
  if (value.length === 0) throw new ValidationError(`${name} holds an empty array: there are no users to change.`);

  const scan = scanJson(source);
  // JSON.parse accepted the text, so the scan, which accepts the same grammar, cannot fail.
  if (!scan.ok) throw new Error(`JSON scan disagrees with JSON.parse at line ${scan.line}: ${scan.message}`);

  const repeated = new Map<number, string[]>();
  for (const r of scan.repeatedKeys) repeated.set(r.element, [...(repeated.get(r.element) ?? []), r.path]);

  value.forEach((element, index) => {
    if (!isPlainObject(element)) {
      throw new ValidationError(
        `${name}, line ${scan.elementLines[index]}: element ${index + 1} of the array is ${article(jsonTypeName(element))}, not an object; expected an array of objects such as [{"email": "…", "title": "…"}].`,
      );
    }
  });

  const collector = new Collector('json');
  const unknownSeen = new Set<string>();
  value.forEach((element, index) => {
    const at = { rowNumber: index + 1, line: scan.elementLines[index]! };
    addObject(element as Record<string, unknown>, at, collector, unknownSeen, repeated.get(index) ?? []);
  });
  return collector.finishHeld();
}

/**
 * JSON Lines, or a stream of objects that each span several lines (pretty-printed, as `jq '.[]'` prints them). A
 * bad record is a row problem, not fatal, since records are independent; a record over the size or nesting limit
 * is fatal (see json-stream.ts).
 */
export async function readJsonLines(text: AsyncIterable<string>, name: string): Promise<ParsedInput> {
  return materialize(await readJsonLinesHeld(text, name));
}

/** As readJsonLines, with the rows held as text (collect.ts). */
export async function readJsonLinesHeld(text: AsyncIterable<string>, name: string): Promise<HeldInput> {
  const collector = new Collector('jsonl');
  const unknownSeen = new Set<string>();

  const handle = ({ text: recordText, rowNumber, line }: StreamRecord) => {
    const at = { rowNumber, line };
    let value: unknown;
    try {
      value = JSON.parse(recordText);
    } catch {
      const scan = scanJson(recordText, line);
      const where = scan.ok || scan.line === line ? '' : ` (line ${scan.line})`;
      const detail = scan.ok ? 'not valid JSON' : `not valid JSON at column ${scan.column}${where}: ${scan.message}`;
      collector.addUnreadable(at, [problem('error', at, `${detail}; each record must be one complete JSON object`)]);
      return;
    }
    if (!isPlainObject(value)) {
      const type = jsonTypeName(value);
      const hint = type === 'array' ? '; a .jsonl file holds one object per line (for a JSON array use .json)' : '';
      collector.addUnreadable(at, [problem('error', at, `expected a JSON object, got ${article(type)}${hint}`)]);
      return;
    }
    const scan = scanJson(recordText, line);
    const repeated = scan.ok ? scan.repeatedKeys.map((r) => r.path) : [];
    addObject(value, at, collector, unknownSeen, repeated);
  };

  const splitter = new JsonStreamSplitter(name, handle);
  for await (const chunk of text) splitter.push(chunk);
  splitter.end();

  if (splitter.rowCount === 0) throw new ValidationError(`${name} is empty: expected one JSON object per line.`);
  return collector.finishHeld();
}
