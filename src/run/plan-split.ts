import { TextStore } from '../plan/text-store.js';

/**
 * Splits a run folder's plan.json as it is read: the elements of `plan.rows` go, each as its own UTF-8 text, into a
 * TextStore (off the JavaScript heap), and the rest of the document is kept as one text with `"rows":[]` in their
 * place (the skeleton). A 100,000-row plan.json is tens of megabytes; parsed whole it was several hundred megabytes of
 * objects, all held while the resume ran (issue #12).
 *
 * Nothing is judged here but the nesting: the skeleton and every row text are still parsed as JSON by the reader
 * (plan-read.ts), so that a file that is not JSON is refused as JSON.parse refused it. Structural characters are
 * ASCII, and no byte of a multi-byte UTF-8 character is, so the bytes are scanned without being decoded.
 */

/** The file is not JSON (refused as JSON.parse would refuse it). */
export class NotJsonError extends Error {}

export interface SplitPlan {
  /** The document with its `plan.rows` emptied. */
  skeleton: string;
  /** The rows' texts, in order: entries 0 to `rows - 1` of `store` unless a later `rows` replaced them. */
  store: TextStore;
  entries: number[];
}

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
  /** The array is `plan.rows`. */
  rows: boolean;
}

export class PlanSplitter {
  private readonly stack: Frame[] = [];
  private inString = false;
  private escaped = false;
  /** Bytes of the key being read, when the string is an object's key. */
  private keyBytes: Buffer[] | undefined;
  private keyStart = -1;
  private readonly skeleton: Buffer[] = [];
  private store = new TextStore();
  private entries: number[] = [];
  /** Inside `plan.rows`: the pieces of the element being read, from earlier chunks. */
  private element: Buffer[] = [];
  private sawElement = false;
  /** Inside `plan.rows`, at any depth. */
  private withinRows = false;

  /** Takes the next bytes of the file. */
  push(chunk: Buffer): void {
    const { stack } = this;
    let skeletonFrom = this.withinRows ? -1 : 0;
    let elementFrom = this.withinRows ? 0 : -1;
    this.keyStart = this.keyBytes ? 0 : -1;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i]!;
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === BACKSLASH) this.escaped = true;
        else if (c === QUOTE) {
          this.inString = false;
          if (this.keyBytes) {
            this.keyBytes.push(Buffer.from(chunk.subarray(this.keyStart, i)));
            const top = stack.at(-1)!;
            top.key = keyText(Buffer.concat(this.keyBytes));
            this.keyBytes = undefined;
            this.keyStart = -1;
          }
        }
        continue;
      }
      const top = stack.at(-1);
      if (c === QUOTE) {
        this.inString = true;
        if (top && !top.array && top.expectKey) {
          this.keyBytes = [];
          this.keyStart = i + 1;
        }
      } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
        const via = top && !top.array ? top.key : null;
        const rows =
          c === OPEN_ARRAY &&
          via === 'rows' &&
          stack.length === 2 &&
          !stack[0]!.array &&
          !stack[1]!.array &&
          stack[1]!.via === 'plan';
        stack.push({ array: c === OPEN_ARRAY, via, expectKey: c === OPEN_OBJECT, key: null, rows });
        if (rows) {
          this.skeleton.push(Buffer.from(chunk.subarray(skeletonFrom, i + 1)));
          skeletonFrom = -1;
          // A later `rows` replaces an earlier one, as JSON.parse keeps the last of a key.
          this.entries = [];
          this.element = [];
          this.sawElement = false;
          this.withinRows = true;
          elementFrom = i + 1;
        }
      } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
        const closed = stack.pop();
        if (!closed || closed.array !== (c === CLOSE_ARRAY)) throw new NotJsonError('unbalanced');
        if (closed.rows) {
          this.endElement(chunk.subarray(elementFrom, i), true);
          this.withinRows = false;
          elementFrom = -1;
          skeletonFrom = i;
        }
      } else if (c === COLON) {
        if (top && !top.array) top.expectKey = false;
      } else if (c === COMMA) {
        if (top && !top.array) top.expectKey = true;
        else if (top?.rows) {
          this.endElement(chunk.subarray(elementFrom, i), false);
          elementFrom = i + 1;
        }
      }
    }
    if (this.keyBytes && this.keyStart >= 0) this.keyBytes.push(Buffer.from(chunk.subarray(this.keyStart)));
    if (skeletonFrom >= 0) this.skeleton.push(Buffer.from(chunk.subarray(skeletonFrom)));
    if (elementFrom >= 0) this.element.push(Buffer.from(chunk.subarray(elementFrom)));
  }

  /** The file has ended. */
  end(): SplitPlan {
    if (this.inString || this.stack.length > 0) throw new NotJsonError('unexpected end');
    return { skeleton: Buffer.concat(this.skeleton).toString('utf8'), store: this.store, entries: this.entries };
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
    this.entries.push(this.store.addBytes(text));
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
