import { constants, open as openFd } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { Socket } from 'node:net';
import { promisify } from 'node:util';
import { ValidationError } from '../errors.js';
import { type HeldInput, materialize } from './collect.js';
import { readCsvHeld } from './csv.js';
import { decodeText, peekFirstChar, resolveEncoding } from './decode.js';
import { detectFormat, isStdin } from './format.js';
import { readJsonArrayHeld, readJsonLinesHeld } from './json.js';
import { CLI_INPUT_NAMES, type InputNames } from './option-names.js';
import type { InputFormat, ParsedInput } from './types.js';

export interface InputSource {
  /** A file path; '-' or undefined means stdin (or `stream`). */
  path?: string;
  /** Read this instead of the file or stdin; `path`, if given, only names it in messages. */
  stream?: NodeJS.ReadableStream;
  format?: InputFormat;
  /** --encoding: a label TextDecoder knows (utf-8, utf-16le, windows-1252…); default UTF-8, or UTF-16 by its BOM. */
  encoding?: string;
  /** How messages name the encoding and format options (default: the CLI's flags). */
  names?: InputNames;
}

function openFailure(path: string, err: unknown): ValidationError {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const reason =
    code === 'ENOENT'
      ? 'the file does not exist'
      : code === 'EACCES' || code === 'EPERM'
        ? 'permission denied'
        : code === 'EISDIR'
          ? 'it is a directory, not a file'
          : err instanceof Error
            ? err.message
            : String(err);
  return new ValidationError(`Cannot read input file ${JSON.stringify(path)}: ${reason}.`);
}

/**
 * A named pipe (or `<(…)`) is read through the event loop: a blocking open or read of one with no writer would hold
 * a thread-pool thread, which neither Ctrl-C nor SIGTERM could end (process.exit waits for it).
 */
async function openPipe(path: string): Promise<NodeJS.ReadableStream> {
  const fd = await promisify(openFd)(path, constants.O_RDONLY | constants.O_NONBLOCK);
  return new Socket({ fd, readable: true, writable: false });
}

async function openFile(path: string): Promise<NodeJS.ReadableStream> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    if ((await stat(path)).isFIFO()) return await openPipe(path);
    handle = await open(path, 'r');
  } catch (err) {
    throw openFailure(path, err);
  }
  try {
    if ((await handle.stat()).isDirectory()) throw Object.assign(new Error('directory'), { code: 'EISDIR' });
  } catch (err) {
    await handle.close();
    throw openFailure(path, err);
  }
  return handle.createReadStream();
}

/**
 * Reads and validates a whole input before anything is written. File-level problems (unreadable, empty, bad
 * syntax, wrong shape) throw ValidationError; row-level problems are collected in `problems`.
 */
export async function readInput(source: InputSource): Promise<ParsedInput> {
  return materialize(await readInputHeld(source));
}

/** As readInput, with the valid rows held as text and decoded on each pass (collect.ts): what a run reads. */
export async function readInputHeld(source: InputSource): Promise<HeldInput> {
  const stdin = isStdin(source.path);
  const name = stdin ? 'stdin' : source.path!;
  // Decide the format before opening a file, so a bad extension fails without touching it.
  const names = source.names ?? CLI_INPUT_NAMES;
  let format = source.format ?? (stdin ? undefined : detectFormat(source.path, undefined, undefined, names));
  if (source.encoding !== undefined) resolveEncoding(source.encoding, names);
  const bytes = source.stream ?? (stdin ? process.stdin : await openFile(source.path!));

  let text: AsyncIterable<string> = decodeText(bytes as AsyncIterable<Buffer | string>, name, source.encoding, names);
  if (format === undefined) {
    const peeked = await peekFirstChar(text);
    if (peeked.first === undefined) throw new ValidationError(`${name} is empty: no input was given.`);
    format = detectFormat(source.path, undefined, peeked.first, names);
    text = peeked.text;
  }
  const readers = { csv: readCsvHeld, json: readJsonArrayHeld, jsonl: readJsonLinesHeld } as const;
  try {
    return format === 'json' ? await readJsonArrayHeld(text, name, names) : await readers[format](text, name);
  } finally {
    // A fatal error may stop reading part-way; release the file.
    if (source.stream === undefined && !stdin) (bytes as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
  }
}
