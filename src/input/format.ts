import { extname } from 'node:path';
import { ValidationError } from '../errors.js';
import { CLI_INPUT_NAMES, type InputNames } from './option-names.js';
import type { InputFormat } from './types.js';

const BY_EXTENSION: Record<string, InputFormat> = {
  '.csv': 'csv',
  '.json': 'json',
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
};

export function isStdin(path: string | undefined): boolean {
  return path === undefined || path === '-';
}

/**
 * The format of an input: `explicit` wins; otherwise a file's extension decides. For stdin without `explicit`,
 * `head` (the first non-whitespace character of the data) tells a JSON array ("[") from JSON Lines ("{"); with no
 * `head` the answer is 'json', a placeholder that `readInput` replaces by sniffing the data. CSV on stdin needs
 * `explicit`.
 */
export function detectFormat(
  path: string | undefined,
  explicit?: InputFormat,
  head?: string,
  names: InputNames = CLI_INPUT_NAMES,
): InputFormat {
  if (explicit !== undefined) return explicit;
  if (isStdin(path)) {
    if (head === undefined || head === '[') return 'json';
    if (head === '{') return 'jsonl';
    throw new ValidationError(
      `Cannot tell the format of stdin: it starts with ${JSON.stringify(head)}, not "[" (a JSON array) or "{" (JSON Lines).${names.format ? ` For CSV on stdin pass ${names.format('csv')}.` : ''}`,
    );
  }
  const format = BY_EXTENSION[extname(path!).toLowerCase()];
  if (format === undefined) {
    throw new ValidationError(
      `Cannot tell the format of ${JSON.stringify(path)} from its extension: use .csv, .json, .jsonl or .ndjson${names.format ? `, or pass ${names.format('csv|json|jsonl')}` : ''}.`,
    );
  }
  return format;
}
