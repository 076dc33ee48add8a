import { ValidationError } from '../errors.js';
import { CLI_INPUT_NAMES, type InputNames } from './option-names.js';

const utf8Hint = (n: InputNames) =>
  `save it as UTF-8 (in Excel: "CSV UTF-8 (Comma delimited)"), or pass ${n.encoding()} with the encoding it was saved in (a Windows export is usually ${n.encoding('windows-1252')})`;

/** Encodings a spreadsheet writes, named as --encoding takes them; any label TextDecoder knows is accepted. */
export const SPREADSHEET_ENCODINGS = ['utf-8', 'utf-16le', 'utf-16be', 'windows-1252', 'latin1'] as const;

/** The WHATWG encoding for an --encoding value, or a usage error naming the usual ones. */
export function resolveEncoding(label: string, names: InputNames = CLI_INPUT_NAMES): string {
  try {
    return new TextDecoder(label.trim()).encoding;
  } catch {
    throw new ValidationError(
      `Unknown encoding ${JSON.stringify(label)} for ${names.encoding()}: use one of ${SPREADSHEET_ENCODINGS.join(', ')} (or another name the WHATWG Encoding standard knows).`,
    );
  }
}

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

/** The encoding a byte-order mark at the start of `chunk` announces. */
function bomEncoding(chunk: Uint8Array): 'utf-16le' | 'utf-16be' | undefined {
  if (chunk.length < 2) return undefined;
  if (chunk[0] === 0xff && chunk[1] === 0xfe) return 'utf-16le';
  if (chunk[0] === 0xfe && chunk[1] === 0xff) return 'utf-16be';
  return undefined;
}

/** UTF-16 without a byte-order mark, read as UTF-8, is text with a NUL after (or before) every ASCII letter. */
function looksLikeUtf16(chunk: Uint8Array): 'utf-16le' | 'utf-16be' | undefined {
  const n = Math.min(chunk.length, 512) & ~1;
  if (n < 4) return undefined;
  let evenNuls = 0;
  let oddNuls = 0;
  for (let i = 0; i < n; i += 2) {
    if (chunk[i] === 0) evenNuls++;
    if (chunk[i + 1] === 0) oddNuls++;
  }
  const pairs = n / 2;
  if (oddNuls > pairs * 0.6 && evenNuls === 0) return 'utf-16le';
  if (evenNuls > pairs * 0.6 && oddNuls === 0) return 'utf-16be';
  return undefined;
}

/**
 * Decodes a byte stream to text, dropping a leading byte-order mark. Without `encoding`, UTF-8, or UTF-16 when a
 * byte-order mark says so. Undecodable bytes are fatal: decoding leniently would write replacement characters
 * into people's names.
 */
export async function* decodeText(
  source: AsyncIterable<Buffer | Uint8Array | string>,
  name: string,
  encoding?: string,
  names: InputNames = CLI_INPUT_NAMES,
): AsyncGenerator<string, void, undefined> {
  let decoder: InstanceType<typeof TextDecoder> | undefined;
  let chosen = encoding === undefined ? undefined : resolveEncoding(encoding, names);
  let first = true;
  let lines = 0;
  try {
    for await (const chunk of source) {
      let text: string;
      if (typeof chunk === 'string') {
        text = first && chunk.charCodeAt(0) === 0xfeff ? chunk.slice(1) : chunk;
      } else {
        if (decoder === undefined) {
          if (chunk.length === 0) continue;
          const bom = bomEncoding(chunk);
          // A UTF-16 byte-order mark is unambiguous; it wins over the UTF-8 default but not over a choice.
          if (chosen === undefined) chosen = bom ?? 'utf-8';
          if (chosen === 'utf-8' && bom === undefined) {
            const utf16 = looksLikeUtf16(chunk);
            if (utf16 !== undefined) {
              throw new ValidationError(
                `${name} looks encoded as UTF-16 without a byte-order mark: pass ${names.encoding(utf16)}, or save it as UTF-8.`,
              );
            }
          }
          decoder = new TextDecoder(chosen, { fatal: true });
        }
        try {
          text = decoder.decode(chunk, { stream: true });
        } catch {
          const line = chosen === 'utf-8' ? `, line ${lineOfInvalidByte(chunk, lines)}` : ` after line ${lines}`;
          throw new ValidationError(
            chosen === 'utf-8'
              ? `${name}${line}: the file is not valid UTF-8 text; ${utf8Hint(names)}.`
              : `${name}${line}: the file is not valid ${chosen} text; check the encoding it was saved in and pass it with ${names.encoding()}.`,
          );
        }
      }
      if (chunk.length > 0) first = false;
      if (text === '') continue;
      lines += countNewlines(text);
      yield text;
    }
    let tail = '';
    try {
      if (decoder !== undefined) tail = decoder.decode();
    } catch {
      throw new ValidationError(
        `${name}, line ${lines + 1}: the file ends in the middle of a ${chosen === 'utf-8' ? 'UTF-8' : chosen} character; ${chosen === 'utf-8' ? utf8Hint(names) : `check the encoding it was saved in and pass it with ${names.encoding()}`}.`,
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

/**
 * Reads chunks until `enough(head)` holds for the text read so far (or `cap` characters or the end), and returns
 * that head with a text stream that still yields everything read.
 */
export async function peekText(
  text: AsyncIterable<string>,
  enough: (head: string) => boolean,
  cap: number,
): Promise<{ head: string; text: AsyncIterable<string> }> {
  const iterator = text[Symbol.asyncIterator]();
  const buffered: string[] = [];
  let head = '';
  let done = false;
  while (!enough(head) && head.length < cap) {
    const next = await iterator.next();
    if (next.done) {
      done = true;
      break;
    }
    buffered.push(next.value);
    head += next.value;
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
  return { head, text: replay() };
}
