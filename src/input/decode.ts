import { ValidationError } from '../errors.js';

const UTF8_HINT = 'save it as UTF-8 (in Excel: "CSV UTF-8 (Comma delimited)")';

function countNewlines(text: string, end = text.length): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < end; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

/** Line (1-based) of the first undecodable byte in `bytes`, given how many lines came before it. */
function lineOfInvalidByte(bytes: Uint8Array, linesBefore: number): number {
  // A chunk may start with the tail of a character begun in the previous chunk; skip it.
  let start = 0;
  while (start < 3 && start < bytes.length && (bytes[start]! & 0xc0) === 0x80) start++;
  const lossy = Buffer.from(bytes.buffer, bytes.byteOffset + start, bytes.byteLength - start).toString('utf8');
  const at = lossy.indexOf('\uFFFD');
  return linesBefore + 1 + countNewlines(lossy, at === -1 ? 0 : at);
}

/**
 * Decodes a byte stream as UTF-8, dropping a leading byte-order mark. Invalid UTF-8 (a Windows-1252 or UTF-16
 * export) is fatal: decoding it leniently would write replacement characters into people's names.
 */
export async function* decodeUtf8(
  source: AsyncIterable<Buffer | Uint8Array | string>,
  name: string,
): AsyncGenerator<string, void, undefined> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let first = true;
  let lines = 0;
  try {
    for await (const chunk of source) {
      let text: string;
      if (typeof chunk === 'string') {
        text = first && chunk.charCodeAt(0) === 0xfeff ? chunk.slice(1) : chunk;
      } else {
        if (
          first &&
          chunk.length >= 2 &&
          ((chunk[0] === 0xff && chunk[1] === 0xfe) || (chunk[0] === 0xfe && chunk[1] === 0xff))
        ) {
          throw new ValidationError(`${name} is encoded as UTF-16; ${UTF8_HINT} and try again.`);
        }
        try {
          text = decoder.decode(chunk, { stream: true });
        } catch {
          const line = lineOfInvalidByte(chunk, lines);
          throw new ValidationError(
            `${name}, line ${line}: the file is not valid UTF-8 text; ${UTF8_HINT} and try again.`,
          );
        }
      }
      if (chunk.length > 0) first = false;
      if (text === '') continue;
      lines += countNewlines(text);
      yield text;
    }
    let tail: string;
    try {
      tail = decoder.decode();
    } catch {
      throw new ValidationError(
        `${name}, line ${lines + 1}: the file ends in the middle of a UTF-8 character; ${UTF8_HINT} and try again.`,
      );
    }
    if (tail !== '') yield tail;
  } catch (err) {
    if (err instanceof ValidationError) throw err;
    const reason = err instanceof Error ? err.message : String(err);
    throw new ValidationError(`Cannot read ${name}: ${reason}`);
  }
}

/**
 * Reads until the first non-whitespace character, for telling a JSON array from JSON Lines on stdin, and returns
 * a text stream that still yields everything read.
 */
export async function peekFirstChar(
  text: AsyncIterable<string>,
): Promise<{ first: string | undefined; text: AsyncIterable<string> }> {
  const iterator = text[Symbol.asyncIterator]();
  const buffered: string[] = [];
  let first: string | undefined;
  let done = false;
  while (first === undefined) {
    const next = await iterator.next();
    if (next.done) {
      done = true;
      break;
    }
    buffered.push(next.value);
    const match = /\S/.exec(next.value);
    if (match) first = match[0];
  }
  async function* replay(): AsyncGenerator<string, void, undefined> {
    yield* buffered;
    if (done) return;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      yield next.value;
    }
  }
  return { first, text: replay() };
}
