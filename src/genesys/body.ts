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
import { JsonListSplitter } from '../json-split.js';
import { type ExtendedResponse, isExtended } from './answers.js';
import { isRecord } from './shapes.js';
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
  lists: readonly string[],
  map: (element: unknown) => unknown,
): Promise<unknown> {
  const found = new Map<number, unknown[]>();
  const splitter = new JsonListSplitter(
    lists.map((key) => [key]),
    {
      start: (list) => found.set(list, []),
      element: (list, bytes) => found.get(list)!.push(map(JSON.parse(bytes.toString('utf8')))),
    },
  );
  let failed = false;
  const push = (bytes: Buffer) => {
    if (failed) return;
    try {
      splitter.push(bytes);
    } catch {
      failed = true;
    }
  };
  // The first bytes are held until there are three, to drop a byte-order mark as axios does.
  let lead: Buffer | undefined = Buffer.alloc(0);
  for await (const piece of body) {
    let bytes = typeof piece === 'string' ? Buffer.from(piece, 'utf8') : (piece as Buffer);
    if (lead) {
      bytes = Buffer.concat([lead, bytes]);
      if (bytes.length < BOM.length) {
        lead = bytes;
        continue;
      }
      lead = undefined;
      if (bytes.subarray(0, BOM.length).equals(BOM)) bytes = bytes.subarray(BOM.length);
    }
    push(bytes);
  }
  if (lead) push(lead);
  if (failed) return undefined;
  let data: unknown;
  try {
    data = JSON.parse(splitter.end());
  } catch {
    return undefined;
  }
  if (typeof data === 'object' && data !== null && !Array.isArray(data)) {
    const record = data as Record<string, unknown>;
    // A key given twice: JSON.parse keeps the last value, which is a list's only if the last was a list.
    for (const [list, items] of found) {
      const value = record[lists[list]!];
      if (Array.isArray(value) && value.length === 0) record[lists[list]!] = items;
    }
  }
  return data;
}

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

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

const USER_LISTS: readonly string[] = ['entities', 'results'];

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
