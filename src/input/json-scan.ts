/**
 * A validating scan of JSON text that keeps what JSON.parse throws away: the line each element of a top-level
 * array starts on, keys repeated within one object (JSON.parse silently keeps the last), and for bad JSON the
 * line and column of the first error with a plain-language reason. Values themselves still come from JSON.parse.
 */

export interface RepeatedKey {
  /** 0-based index of the top-level array element it is in, or -1 when the top level is not an array. */
  element: number;
  /** Dotted path of the key within the element, e.g. `title` or `phone.work`. */
  path: string;
  line: number;
}

export type ScanResult =
  | { ok: true; elementLines: number[]; repeatedKeys: RepeatedKey[] }
  | { ok: false; line: number; column: number; message: string };

const MAX_DEPTH = 500;

export const UNEXPECTED_END = 'the JSON ends unexpectedly';

class ScanError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: JSON forbids raw control characters in strings.
const plainChars = /[^"\\\u0000-\u001f]*/y;
const numberPattern = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const hex4 = /^[0-9a-fA-F]{4}$/;

function describeChar(c: string): string {
  return JSON.stringify(c);
}

export function scanJson(text: string, firstLine = 1): ScanResult {
  let i = 0;
  let line = firstLine;
  const elementLines: number[] = [];
  const repeatedKeys: RepeatedKey[] = [];
  let element = -1;

  const fail = (message: string, at = i): never => {
    throw new ScanError(message, at);
  };
  // Pointing past trailing line breaks would name a line the reader sees as empty.
  const truncated = (): never => fail(UNEXPECTED_END, text.trimEnd().length);

  const skipWhitespace = () => {
    for (; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) {
        line++;
      } else if (c !== 13 && c !== 32 && c !== 9) {
        return;
      }
    }
  };

  const scanString = (): string => {
    const start = i;
    i++;
    let hasEscape = false;
    for (;;) {
      plainChars.lastIndex = i;
      plainChars.exec(text);
      i = plainChars.lastIndex;
      if (i >= text.length) truncated();
      const c = text[i]!;
      if (c === '"') {
        i++;
        const raw = text.slice(start, i);
        return hasEscape ? (JSON.parse(raw) as string) : raw.slice(1, -1);
      }
      if (c === '\\') {
        hasEscape = true;
        const e = text[i + 1];
        if (e === undefined) truncated();
        if (e === 'u') {
          if (!hex4.test(text.slice(i + 2, i + 6))) fail('a \\u escape must be followed by four hex digits');
          i += 6;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) {
          i += 2;
        } else {
          fail(`${describeChar(`\\${e}`)} is not a valid escape in a JSON string`);
        }
        continue;
      }
      fail('a line break or control character inside a string must be escaped (is a closing quote missing?)');
    }
  };

  const scanValue = (depth: number, path: string): void => {
    if (depth > MAX_DEPTH) fail(`the JSON is nested more than ${MAX_DEPTH} levels deep`);
    skipWhitespace();
    if (i >= text.length) truncated();
    const c = text[i]!;
    if (c === '{') {
      scanObject(depth, path);
      return;
    }
    if (c === '[') {
      scanArray(depth, path);
      return;
    }
    if (c === '"') {
      scanString();
      return;
    }
    if (c === '-' || (c >= '0' && c <= '9')) {
      numberPattern.lastIndex = i;
      if (!numberPattern.exec(text)) fail('invalid number');
      i = numberPattern.lastIndex;
      return;
    }
    for (const literal of ['true', 'false', 'null']) {
      if (text.startsWith(literal, i)) {
        i += literal.length;
        return;
      }
    }
    if (c === "'") fail('JSON strings must use double quotes, not single quotes');
    fail(`unexpected ${describeChar(c)} where a value was expected`);
  };

  const scanObject = (depth: number, path: string): void => {
    i++;
    const keys = new Set<string>();
    skipWhitespace();
    if (text[i] === '}') {
      i++;
      return;
    }
    for (;;) {
      skipWhitespace();
      if (i >= text.length) truncated();
      if (text[i] !== '"') {
        if (text[i] === '}') fail('a comma before "}" is not allowed in JSON');
        fail(`expected a property name in double quotes, got ${describeChar(text[i]!)}`);
      }
      const keyLine = line;
      const key = scanString();
      const keyPath = path === '' ? key : `${path}.${key}`;
      if (keys.has(key)) repeatedKeys.push({ element, path: keyPath, line: keyLine });
      keys.add(key);
      skipWhitespace();
      if (i >= text.length) truncated();
      if (text[i] !== ':') fail(`expected ":" after the property name "${key}"`);
      i++;
      scanValue(depth + 1, keyPath);
      skipWhitespace();
      if (i >= text.length) truncated();
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] === '}') {
        i++;
        return;
      }
      fail(`expected "," or "}" after a property value, got ${describeChar(text[i]!)}`);
    }
  };

  const scanArray = (depth: number, path: string): void => {
    i++;
    skipWhitespace();
    if (text[i] === ']') {
      i++;
      return;
    }
    for (;;) {
      skipWhitespace();
      if (i >= text.length) truncated();
      if (text[i] === ']') fail('a comma before "]" is not allowed in JSON');
      if (depth === 0) {
        element++;
        elementLines.push(line);
      }
      scanValue(depth + 1, depth === 0 ? '' : path);
      skipWhitespace();
      if (i >= text.length) truncated();
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] === ']') {
        i++;
        return;
      }
      fail(`expected "," or "]" after an array element, got ${describeChar(text[i]!)}`);
    }
  };

  try {
    skipWhitespace();
    if (i >= text.length) truncated();
    scanValue(0, '');
    skipWhitespace();
    if (i < text.length) {
      fail('unexpected text after the end of the JSON value (one object per line is JSON Lines: use .jsonl)');
    }
    return { ok: true, elementLines, repeatedKeys };
  } catch (err) {
    if (!(err instanceof ScanError)) throw err;
    // Report at the offending character's own line, which may be past `line` when the error is at the end.
    let errLine = firstLine;
    let errLineStart = 0;
    for (let k = 0; k < err.offset && k < text.length; k++) {
      const c = text.charCodeAt(k);
      if (c === 10 || (c === 13 && text.charCodeAt(k + 1) !== 10)) {
        errLine++;
        errLineStart = k + 1;
      }
    }
    return { ok: false, line: errLine, column: err.offset - errLineStart + 1, message: err.message };
  }
}
