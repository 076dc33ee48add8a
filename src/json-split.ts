/**
 * Splits JSON, fed as bytes in pieces, into the elements of chosen arrays, each handed over as its own text as soon as
 * it is complete, and the rest of the document (the skeleton), kept with those arrays empty. It lets a large document
 * be read without ever holding it, or its parse, whole: a run's plan.json (its `plan.rows`, run/plan-read.ts) and a
 * page of users from the platform (`entities`, `results`, genesys/body.ts) (issue #12).
 *
 * Only the structure is scanned (strings, brackets, commas, colons); the skeleton and every element are still parsed
 * by JSON.parse, so that any text JSON.parse refuses whole makes one of the pieces fail. Structural characters are
 * ASCII and no byte of a multi-byte UTF-8 character is, so the bytes are scanned without being decoded.
 */

/** The text is not JSON (refused as JSON.parse would refuse it). */
export class NotJsonError extends Error {}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;

interface Frame {
  array: boolean;
  /** The key this container is the value of (null: an array's element, the top, or a key not read). */
  via: string | null;
  /** An object's: the next string is a key. */
  expectKey: boolean;
  /** An object's: its last key. */
  key: string | null;
}

export interface ListSink {
  /**
   * A list's array has opened. A key given twice keeps its last value in JSON.parse: a list opened again starts over,
   * and a list whose key's last value is not an array is in the skeleton as that value.
   */
  start(list: number): void;
  /** One element's text, blanks trimmed; the bytes are valid during the call only. */
  element(list: number, bytes: Buffer): void;
}

export class JsonListSplitter {
  private readonly stack: Frame[] = [];
  private inString = false;
  /** A backslash ended the last piece: the next byte is escaped. */
  private escaped = false;
  /** Bytes of the key being read, when the string is a key. */
  private keyBytes: Buffer[] | undefined;
  private readonly skeleton: Buffer[] = [];
  /** Inside a list: the pieces of the element being read, from earlier chunks. */
  private element: Buffer[] = [];
  private sawElement = false;
  /** The list being read (at any depth inside it), or -1. */
  private within = -1;
  /** Inside a list: how deep in its element. */
  private depth = 0;
  /** The longest list path: keys deeper than this are not read. */
  private readonly deepest: number;

  /**
   * @param lists The lists split out, each the path of object keys from the top to its array: `[['plan', 'rows']]`.
   */
  constructor(
    private readonly lists: readonly (readonly string[])[],
    private readonly sink: ListSink,
  ) {
    this.deepest = Math.max(0, ...lists.map((path) => path.length));
  }

  /** Takes the next bytes. */
  push(chunk: Buffer): void {
    const { stack } = this;
    let skeletonFrom = this.within >= 0 ? -1 : 0;
    let elementFrom = this.within >= 0 ? 0 : -1;
    let keyFrom = this.keyBytes ? 0 : -1;
    let i = 0;
    if (this.escaped) {
      this.escaped = false;
      i = 1;
    }
    const length = chunk.length;
    while (i < length) {
      if (this.inString) {
        // A byte loop: Buffer#indexOf is a call into C++, dearer than the few bytes of a typical string.
        let end = i;
        while (end < length && chunk[end] !== QUOTE && chunk[end] !== BACKSLASH) end++;
        if (end === length) break;
        if (chunk[end] === BACKSLASH) {
          i = end + 2;
          if (i > length) this.escaped = true;
          continue;
        }
        i = end;
        this.inString = false;
        if (this.keyBytes) {
          this.keyBytes.push(Buffer.from(chunk.subarray(keyFrom, i)));
          stack.at(-1)!.key = keyText(Buffer.concat(this.keyBytes));
          this.keyBytes = undefined;
          keyFrom = -1;
        }
        i++;
        continue;
      }
      const c = chunk[i]!;
      if (this.within >= 0) {
        // Inside a list only the element's nesting is followed: JSON.parse judges the element.
        if (c === QUOTE) this.inString = true;
        else if (c === OPEN_OBJECT || c === OPEN_ARRAY) this.depth++;
        else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
          if (this.depth > 0) this.depth--;
          else {
            if (c !== CLOSE_ARRAY) throw new NotJsonError('unbalanced');
            stack.pop();
            this.endElement(chunk.subarray(elementFrom, i), true);
            this.within = -1;
            elementFrom = -1;
            skeletonFrom = i;
          }
        } else if (c === COMMA && this.depth === 0) {
          this.endElement(chunk.subarray(elementFrom, i), false);
          elementFrom = i + 1;
        }
        i++;
        continue;
      }
      const top = stack.at(-1);
      if (c === QUOTE) {
        this.inString = true;
        // Keys are read only where a list's path may pass.
        if (top && !top.array && top.expectKey && stack.length <= this.deepest) {
          this.keyBytes = [];
          keyFrom = i + 1;
        }
      } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
        const via = top && !top.array ? top.key : null;
        const list = c === OPEN_ARRAY ? this.listAt(via) : -1;
        stack.push({ array: c === OPEN_ARRAY, via, expectKey: c === OPEN_OBJECT, key: null });
        if (list >= 0) {
          this.skeleton.push(Buffer.from(chunk.subarray(skeletonFrom, i + 1)));
          skeletonFrom = -1;
          this.element = [];
          this.sawElement = false;
          this.depth = 0;
          this.within = list;
          elementFrom = i + 1;
          this.sink.start(list);
        }
      } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
        const closed = stack.pop();
        if (!closed || closed.array !== (c === CLOSE_ARRAY)) throw new NotJsonError('unbalanced');
      } else if (c === COLON) {
        if (top && !top.array) top.expectKey = false;
      } else if (c === COMMA) {
        if (top && !top.array) top.expectKey = true;
      }
      i++;
    }
    if (this.keyBytes && keyFrom >= 0) this.keyBytes.push(Buffer.from(chunk.subarray(keyFrom)));
    if (skeletonFrom >= 0) this.skeleton.push(Buffer.from(chunk.subarray(skeletonFrom)));
    if (elementFrom >= 0) this.element.push(Buffer.from(chunk.subarray(elementFrom)));
  }

  /** The input has ended: the skeleton's text. */
  end(): string {
    if (this.inString || this.stack.length > 0) throw new NotJsonError('unexpected end');
    return Buffer.concat(this.skeleton).toString('utf8');
  }

  /** The list an array opened here (the value of `key` in the top frame) is, or -1. */
  private listAt(key: string | null): number {
    const { stack } = this;
    if (key === null || stack.length === 0 || stack[0]!.array) return -1;
    for (let n = 0; n < this.lists.length; n++) {
      const path = this.lists[n]!;
      if (path.length !== stack.length || path[path.length - 1] !== key) continue;
      let on = true;
      for (let d = 1; d < stack.length && on; d++) on = !stack[d]!.array && stack[d]!.via === path[d - 1];
      if (on) return n;
    }
    return -1;
  }

  private endElement(last: Buffer, closing: boolean): void {
    const text = trimmed(this.element.length > 0 ? Buffer.concat([...this.element, last]) : last);
    this.element = [];
    // `[]` (or blanks only) is an empty array; an empty element anywhere else is not JSON (`[,`, `,,`, `,]`).
    if (text.length === 0) {
      if (closing && !this.sawElement) return;
      throw new NotJsonError('empty element');
    }
    this.sawElement = true;
    this.sink.element(this.within, text);
  }
}

/** JSON's whitespace off both ends. */
function trimmed(b: Buffer): Buffer {
  let start = 0;
  let end = b.length;
  while (start < end && isBlank(b[start]!)) start++;
  while (end > start && isBlank(b[end - 1]!)) end--;
  return b.subarray(start, end);
}

function isBlank(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

/** A key as JSON.parse reads it (escapes and all); one that is not a JSON string is none. */
function keyText(raw: Buffer): string | null {
  try {
    return JSON.parse(`"${raw.toString('utf8')}"`) as string;
  } catch {
    return null;
  }
}
