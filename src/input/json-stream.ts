/**
 * Linear-time splitting of JSON text into records, one pass over each character, with the per-record limits every
 * format shares. Two shapes:
 * - a stream of top-level values (JSON Lines, or concatenated pretty-printed objects as `jq '.[]'` prints them):
 *   `JsonStreamSplitter` hands out each value's text, with its row number and first line;
 * - a JSON array: `JsonArrayGuard` only watches each element's size and nesting as the text arrives, so a huge or
 *   deeply nested element is refused after reading about one record, before the array is parsed.
 */
import { ValidationError } from '../errors.js';

/** Far above any real profile row (CSV has the same cap); stops one value from swallowing a large file. */
export const MAX_RECORD_CHARS = 1_000_000;
/** Objects and arrays inside one record; a row needs 4 (`{"skills": {"add": [{"name": …}]}}`). */
export const MAX_NESTING = 32;

const LF = 10;
const CR = 13;
const SPACE = 32;
const TAB = 9;
const QUOTE = 34;
const BACKSLASH = 92;
const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;
const OPEN_BRACKET = 91;
const CLOSE_BRACKET = 93;
const COMMA = 44;
const BOM = 0xfeff;

function isSpace(c: number): boolean {
  return c === SPACE || c === TAB || c === CR || c === BOM;
}

export function tooLongMessage(name: string, rowNumber: number, line: number): string {
  return `${name}, row ${rowNumber} (line ${line}): the record is over ${MAX_RECORD_CHARS} characters long, far more than any user profile needs; is a closing quote or bracket missing? Split the value or fix the record.`;
}

export function tooDeepMessage(name: string, rowNumber: number, line: number): string {
  return `${name}, row ${rowNumber} (line ${line}): the record is nested more than ${MAX_NESTING} levels deep (objects and arrays inside each other); a user's row needs at most 4.`;
}

export interface StreamRecord {
  text: string;
  rowNumber: number;
  /** Line (1-based) of the record's first character. */
  line: number;
}

type Mode =
  /** Between records. */
  | 'idle'
  /** Inside an object or array. */
  | 'value'
  /** A complete value, on the rest of its last line. */
  | 'tail'
  /** Text that is not an object or array (or follows one on its line): read to the end of the line. */
  | 'junk';

/**
 * Splits a stream of JSON values. A record is an object or array, from its opening bracket to the matching close,
 * or any other text up to the end of its line. Values may span lines (pretty-printed) or share one.
 * Records that are broken are still handed out (JSON.parse then tells what is wrong), and reading resumes:
 * - a line break inside a string ends the record at that line;
 * - when a record whose first line held more than its bracket (a JSON Lines row) is still open, an unindented `{`
 *   or `[` at the start of a later line starts the next record.
 */
export class JsonStreamSplitter {
  private mode: Mode = 'idle';
  private depth = 0;
  private inString = false;
  private escaped = false;
  private line = 1;
  private column = 0;
  private rows = 0;
  private parts: string[] = [];
  private length = 0;
  private recordLine = 1;
  /** The record's first line holds more than its opening bracket: it reads as JSON Lines. */
  private compact = false;

  constructor(
    private readonly name: string,
    private readonly onRecord: (record: StreamRecord) => void,
  ) {}

  get rowCount(): number {
    return this.rows;
  }

  push(chunk: string): void {
    let start = 0;
    const n = chunk.length;
    for (let i = 0; i < n; i++) {
      const c = chunk.charCodeAt(i);
      switch (this.mode) {
        case 'idle':
          if (c === LF) {
            this.newLine();
            continue;
          }
          if (isSpace(c)) {
            this.column++;
            continue;
          }
          start = i;
          this.begin(c);
          break;
        case 'junk':
          if (c === LF) {
            start = this.finish(chunk, start, i);
            this.newLine();
            continue;
          }
          break;
        case 'tail':
          if (c === LF) {
            start = this.finish(chunk, start, i);
            this.newLine();
            continue;
          }
          if (c === OPEN_BRACE || c === OPEN_BRACKET) {
            start = this.finish(chunk, start, i);
            this.begin(c);
          } else if (!isSpace(c)) {
            this.mode = 'junk';
          }
          break;
        case 'value':
          if (this.inString) {
            if (this.escaped) this.escaped = false;
            else if (c === BACKSLASH) this.escaped = true;
            else if (c === QUOTE) this.inString = false;
            else if (c === LF) {
              start = this.finish(chunk, start, i);
              this.newLine();
              continue;
            }
            break;
          }
          if (c === LF) {
            this.newLine();
            continue;
          }
          if (c === QUOTE) {
            this.inString = true;
          } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
            if (this.column === 0 && this.compact && this.line > this.recordLine) {
              start = this.finish(chunk, start, i);
              this.begin(c);
              break;
            }
            if (++this.depth > MAX_NESTING) {
              throw new ValidationError(tooDeepMessage(this.name, this.rows, this.recordLine));
            }
          } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
            if (--this.depth === 0) this.mode = 'tail';
          }
          if (this.line === this.recordLine && !isSpace(c)) this.compact = true;
          break;
      }
      this.column++;
    }
    if (this.mode !== 'idle') this.keep(chunk.slice(start));
  }

  /** Hands out the record still open at the end of the input, if any. */
  end(): void {
    if (this.mode !== 'idle') this.emit();
  }

  private newLine(): void {
    this.line++;
    this.column = 0;
  }

  private begin(c: number): void {
    this.rows++;
    this.recordLine = this.line;
    this.parts = [];
    this.length = 0;
    this.compact = false;
    this.inString = false;
    this.escaped = false;
    if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      this.mode = 'value';
      this.depth = 1;
    } else {
      this.mode = 'junk';
    }
  }

  private keep(text: string): void {
    this.length += text.length;
    if (this.length > MAX_RECORD_CHARS) {
      throw new ValidationError(tooLongMessage(this.name, this.rows, this.recordLine));
    }
    this.parts.push(text);
  }

  /** Ends the record at `end` (exclusive) of `chunk`; returns where the next record's text may start. */
  private finish(chunk: string, start: number, end: number): number {
    this.keep(chunk.slice(start, end));
    this.emit();
    return end;
  }

  private emit(): void {
    const text = this.parts.length === 1 ? this.parts[0]! : this.parts.join('');
    this.parts = [];
    this.mode = 'idle';
    this.depth = 0;
    this.onRecord({
      text: text.endsWith('\r') ? text.slice(0, -1) : text,
      rowNumber: this.rows,
      line: this.recordLine,
    });
  }
}

/**
 * Watches a JSON array's text as it arrives: each top-level element (a row) at most MAX_RECORD_CHARS long and
 * MAX_NESTING deep. Syntax is left to the parser; a text that is not an array is only held to the nesting limit.
 */
export class JsonArrayGuard {
  private depth = 0;
  private inString = false;
  private escaped = false;
  private line = 1;
  private offset = 0;
  private rows = 0;
  /** Offset where the current element started, or -1 between elements. */
  private elementStart = -1;
  private elementLine = 1;
  private topIsArray: boolean | undefined;

  constructor(private readonly name: string) {}

  push(chunk: string): void {
    const n = chunk.length;
    for (let i = 0; i < n; i++) {
      const c = chunk.charCodeAt(i);
      if (c === LF) this.line++;
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === BACKSLASH) this.escaped = true;
        else if (c === QUOTE) this.inString = false;
        continue;
      }
      if (isSpace(c) || c === LF) continue;
      if (this.topIsArray === undefined) this.topIsArray = c === OPEN_BRACKET;
      if (this.depth === 1 && this.topIsArray) {
        if (c === COMMA || c === CLOSE_BRACKET) {
          this.elementStart = -1;
        } else if (this.elementStart === -1) {
          this.rows++;
          this.elementStart = this.offset + i;
          this.elementLine = this.line;
        }
      }
      if (c === QUOTE) this.inString = true;
      else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
        if (++this.depth > MAX_NESTING + 1) {
          throw new ValidationError(tooDeepMessage(this.name, Math.max(this.rows, 1), this.elementLine));
        }
      } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) this.depth--;
      if (this.elementStart !== -1 && this.offset + i - this.elementStart >= MAX_RECORD_CHARS) {
        throw new ValidationError(tooLongMessage(this.name, this.rows, this.elementLine));
      }
    }
    // A long string spans chunks without a structural character: check the element's size once per chunk too.
    this.offset += n;
    if (this.elementStart !== -1 && this.offset - this.elementStart > MAX_RECORD_CHARS) {
      throw new ValidationError(tooLongMessage(this.name, this.rows, this.elementLine));
    }
  }
}
