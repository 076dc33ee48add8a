/**
 * Strings held outside the JavaScript heap, as UTF-8 in a few large buffers. A 100,000-row plan held as 100,000
 * strings is some 17 MB that V8 counts as live, and V8 lets its heap grow to a multiple of what is live before it
 * collects: a plan held here costs its bytes once, and a dry run's heap stays near what the SDK itself needs
 * (issue #12). Each `text` decodes a fresh copy, which dies young.
 */
const CHUNK_BYTES = 1 << 20;

export class TextStore {
  private readonly chunks: Buffer[] = [];
  private used = CHUNK_BYTES;
  /** Per entry: its chunk, its offset in the chunk, its length in bytes. */
  private chunkOf: Uint32Array<ArrayBuffer> = new Uint32Array(1024);
  private startOf: Uint32Array<ArrayBuffer> = new Uint32Array(1024);
  private lengthOf: Uint32Array<ArrayBuffer> = new Uint32Array(1024);
  private count = 0;

  /** Entries stored so far. */
  get size(): number {
    return this.count;
  }

  /** Stores `text`; returns its entry number. */
  add(text: string): number {
    const bytes = Buffer.byteLength(text, 'utf8');
    const { chunk, start } = this.room(bytes);
    this.chunks[chunk]!.write(text, start, 'utf8');
    return this.entry(chunk, start, bytes);
  }

  /** Stores UTF-8 bytes as they are (a text read from a file, never decoded on the way in). */
  addBytes(bytes: Uint8Array): number {
    const { chunk, start } = this.room(bytes.length);
    this.chunks[chunk]!.set(bytes, start);
    return this.entry(chunk, start, bytes.length);
  }

  /** Stores a copy of another store's entry without decoding it. */
  copy(from: TextStore, entry: number): number {
    const bytes = from.lengthOf[entry]!;
    const { chunk, start } = this.room(bytes);
    const at = from.startOf[entry]!;
    from.chunks[from.chunkOf[entry]!]!.copy(this.chunks[chunk]!, start, at, at + bytes);
    return this.entry(chunk, start, bytes);
  }

  /** The text of an entry (a new string each time). */
  text(entry: number): string {
    if (!(entry >= 0 && entry < this.count)) throw new RangeError(`TextStore: no entry ${entry}`);
    const start = this.startOf[entry]!;
    return this.chunks[this.chunkOf[entry]!]!.toString('utf8', start, start + this.lengthOf[entry]!);
  }

  /** Every entry so far, in order, as a list (one added later is not in it). */
  list(): TextList {
    return listOf(this.count, (i) => this.text(i));
  }

  /** Where the next `bytes` go: the last chunk, or a new one (a text is never split between chunks). */
  private room(bytes: number): { chunk: number; start: number } {
    const last = this.chunks.at(-1);
    if (!last || this.used + bytes > last.length) {
      this.chunks.push(Buffer.allocUnsafeSlow(Math.max(CHUNK_BYTES, bytes)));
      this.used = 0;
    }
    const start = this.used;
    this.used += bytes;
    return { chunk: this.chunks.length - 1, start };
  }

  private entry(chunk: number, start: number, bytes: number): number {
    if (this.count === this.chunkOf.length) {
      this.chunkOf = grown(this.chunkOf);
      this.startOf = grown(this.startOf);
      this.lengthOf = grown(this.lengthOf);
    }
    const n = this.count++;
    this.chunkOf[n] = chunk;
    this.startOf[n] = start;
    this.lengthOf[n] = bytes;
    return n;
  }
}

function grown(a: Uint32Array): Uint32Array<ArrayBuffer> {
  const out = new Uint32Array(a.length * 2);
  out.set(a);
  return out;
}

/** A list of strings, each decoded when read: the rows of a plan held encoded. */
export interface TextList extends Iterable<string> {
  readonly length: number;
  at(index: number): string;
}

/** The list of `store`'s entries `entries`, in that order. */
export function textList(store: TextStore, entries: ArrayLike<number>): TextList {
  return listOf(entries.length, (i) => store.text(entries[i]!));
}

/** The list of `length` texts, the i-th read by `textAt(i)`. */
function listOf(length: number, textAt: (i: number) => string): TextList {
  return {
    length,
    at: (i) => {
      if (!(i >= 0 && i < length)) throw new RangeError(`TextList: no item ${i}`);
      return textAt(i);
    },
    *[Symbol.iterator]() {
      for (let i = 0; i < length; i++) yield textAt(i);
    },
  };
}

/** Strings held encoded in a store of their own, in the order given. */
export function textListOf(texts: Iterable<string>): TextList {
  const store = new TextStore();
  const entries: number[] = [];
  for (const t of texts) entries.push(store.add(t));
  return textList(store, Int32Array.from(entries));
}
