/**
 * Reading an answer's body from the response stream, for the calls that ask axios for one (the projected user reads,
 * see client.ts). axios's own reading holds every socket chunk of a page until its end, then copies them into one
 * buffer and that into a string, which JSON.parse makes into 500 whole users: copies of a ~1 MB page that live long
 * enough (four pages are in flight) to be promoted, and are then freed only by a full collection. V8 lets the heap
 * grow to about four times what was live at the last full collection before it runs another, so that garbage set the
 * peak of a 100,000-user read (issue #12). Here each user is parsed and projected as soon as its text has arrived:
 * what a page holds at any time is one user's text.
 */
import { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { type ExtendedResponse, isExtended, isRecord } from './answers.js';
import type { GenesysUser } from './types.js';

export function isBodyStream(value: unknown): value is Readable {
  return value instanceof Readable;
}

/** The body as text, as axios would have decoded it (UTF-8, without a byte-order mark). */
export async function readText(body: Readable): Promise<string> {
  const decoder = new StringDecoder('utf8');
  let text = '';
  for await (const chunk of body) text += typeof chunk === 'string' ? chunk : decoder.write(chunk as Buffer);
  text += decoder.end();
  return withoutBom(text);
}

/** The body as axios's default transform leaves it: parsed JSON, or the text itself when it is not JSON. */
export function parseBody(text: string): unknown {
  if (text === '') return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * The body parsed as JSON with each element of the top-level arrays named `lists` (`entities`, `results`) replaced
 * by `map(element)` as soon as its text has arrived: the same value as JSON.parse then mapping, for any JSON. For
 * text that is not JSON, undefined (the caller then has no answer it recognises, as with axios's unparsed text).
 */
export async function readMapped(
  body: Readable,
  lists: ReadonlySet<string>,
  map: (element: unknown) => unknown,
): Promise<unknown> {
  const decoder = new StringDecoder('utf8');
  const splitter = new ListSplitter(lists, map);
  let first = true;
  for await (const chunk of body) {
    const text = typeof chunk === 'string' ? chunk : decoder.write(chunk as Buffer);
    splitter.write(first ? withoutBom(text) : text);
    if (text !== '') first = false;
  }
  splitter.write(decoder.end());
  return splitter.end();
}

/**
 * Reads a streamed answer, projecting the users of a successful one (`entities` of a listing, `results` of a search)
 * as each user's text arrives (readMapped): no whole user outlives its own parse. A body cut off after the headers
 * fails as axios's own reading would have failed it.
 */
export async function readProjected(
  answer: ExtendedResponse,
  project: (user: GenesysUser) => GenesysUser,
): Promise<ExtendedResponse> {
  if (!isBodyStream(answer.body)) return answer;
  const ok = answer.status >= 200 && answer.status <= 299;
  try {
    const body = ok
      ? await readMapped(answer.body, USER_LISTS, (u) => (isRecord(u) ? project(u as unknown as GenesysUser) : u))
      : parseBody(await readText(answer.body));
    return { ...answer, body };
  } catch (error) {
    throw cutOff(answer, error);
  }
}

const USER_LISTS: ReadonlySet<string> = new Set(['entities', 'results']);

/** A failed call whose answer's body is still a stream, with that body read (an error answer is small). */
export async function withBodyRead(error: unknown): Promise<unknown> {
  if (!isExtended(error) || !isBodyStream(error.body)) return error;
  try {
    return { ...error, body: parseBody(await readText(error.body)) };
  } catch (cause) {
    return cutOff(error, cause);
  }
}

/** What axios reports for a body that ended early: its own errors (cancel, timeout) as they are. */
function cutOff(answer: ExtendedResponse, error: unknown): unknown {
  if (typeof error === 'object' && error !== null && (error as { isAxiosError?: unknown }).isAxiosError === true) {
    return error;
  }
  return { ...answer, body: undefined, error: { code: 'ERR_BAD_RESPONSE' } };
}

function withoutBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

const QUOTE = 0x22;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

/**
 * Splits JSON text, fed in pieces, into the text of the elements of the top-level arrays it is after (each parsed
 * and mapped once complete) and the rest (parsed at the end, those arrays left empty). Only the structure is
 * scanned (strings, brackets, commas, colons); JSON.parse judges the pieces, so any text JSON.parse refuses whole
 * makes one of the pieces fail.
 */
export class ListSplitter {
  private depth = 0;
  private inString = false;
  private escaped = false;
  /** The text is an object: its members' keys are read. */
  private object = false;
  /** At depth 1: the next string is a key. */
  private expectKey = false;
  /** The key string being read (depth 1), as raw text, or undefined. */
  private keyText: string | undefined;
  /** The decoded key of the member being read at depth 1. */
  private key: string | undefined;
  /** Text outside the lists' elements so far. */
  private outer = '';
  /** Inside a list's brackets: its key, and the text of the element being read. */
  private list: string | undefined;
  private element = '';
  private elements: unknown[] = [];
  private readonly found = new Map<string, unknown[]>();
  private failed = false;

  constructor(
    private readonly lists: ReadonlySet<string>,
    private readonly map: (element: unknown) => unknown,
  ) {}

  write(text: string): void {
    if (this.failed || text === '') return;
    try {
      this.scan(text);
    } catch {
      this.failed = true;
    }
  }

  end(): unknown {
    if (this.failed || this.depth !== 0 || this.inString || this.list !== undefined) return undefined;
    let data: unknown;
    try {
      data = JSON.parse(this.outer);
    } catch {
      return undefined;
    }
    if (typeof data === 'object' && data !== null && !Array.isArray(data)) {
      const record = data as Record<string, unknown>;
      // A key given twice: JSON.parse keeps the last value, which is a list's only if the last was a list.
      for (const [key, items] of this.found) {
        const value = record[key];
        if (Array.isArray(value) && value.length === 0) record[key] = items;
      }
    }
    return data;
  }

  /** `from` is where the text not yet given to `outer`, `element` or the key starts. */
  private scan(text: string): void {
    let from = 0;
    let i = 0;
    if (this.escaped) {
      // The character after a backslash that ended the last piece.
      this.escaped = false;
      i = 1;
    }
    // The next backslash at or after i (strings are skipped with indexOf, and most have none).
    let backslash = -1;
    while (i < text.length) {
      if (this.inString) {
        const quote = text.indexOf('"', i);
        if (backslash < i) backslash = text.indexOf('\\', i);
        if (backslash === -1) backslash = text.length;
        if (backslash < quote || (quote === -1 && backslash < text.length)) {
          i = backslash + 2;
          if (i > text.length) this.escaped = true;
          continue;
        }
        if (quote === -1) break;
        i = quote;
        this.inString = false;
        if (this.keyText !== undefined) {
          const raw = this.keyText + text.slice(from, i);
          this.key = JSON.parse(`"${raw}"`) as string;
          this.keyText = undefined;
          this.outer += raw;
          from = i;
        }
        i++;
        continue;
      }
      const c = text.charCodeAt(i);
      switch (c) {
        case QUOTE:
          this.inString = true;
          if (this.depth === 1 && this.object && this.expectKey) {
            this.outer += text.slice(from, i + 1);
            from = i + 1;
            this.keyText = '';
          }
          break;
        case OPEN_BRACE:
        case OPEN_BRACKET:
          this.depth++;
          if (this.depth === 2 && c === OPEN_BRACKET && this.key !== undefined && this.lists.has(this.key)) {
            this.outer += text.slice(from, i + 1);
            from = i + 1;
            this.list = this.key;
            this.element = '';
            this.elements = [];
          } else if (this.depth === 1 && c === OPEN_BRACE) {
            this.object = true;
            this.expectKey = true;
          }
          break;
        case CLOSE_BRACE:
        case CLOSE_BRACKET:
          if (this.depth === 2 && this.list !== undefined) {
            const last = this.element + text.slice(from, i);
            // `[]` has no element; `[1,]` has an empty last one, which JSON.parse refuses.
            if (this.elements.length > 0 || last.trim() !== '') this.take(last);
            this.found.set(this.list, this.elements);
            this.list = undefined;
            from = i;
          }
          this.depth--;
          if (this.depth < 0) throw new SyntaxError('unbalanced');
          break;
        case COMMA:
          if (this.depth === 2 && this.list !== undefined) {
            this.take(this.element + text.slice(from, i));
            from = i + 1;
          } else if (this.depth === 1) {
            this.expectKey = true;
            this.key = undefined;
          }
          break;
        case COLON:
          if (this.depth === 1) this.expectKey = false;
          break;
      }
      i++;
    }
    const rest = text.slice(from);
    if (this.keyText !== undefined) this.keyText += rest;
    else if (this.list !== undefined) this.element += rest;
    else this.outer += rest;
  }

  private take(text: string): void {
    this.element = '';
    this.elements.push(this.map(JSON.parse(text)));
  }
}
