import { once } from 'node:events';

const BATCH_CHARS = 64 * 1024;

/** Text that comes in pieces, joined into strings of about 64 KiB: one write each, never the whole text at once. */
export function* batched(pieces: Iterable<string>): Generator<string> {
  let batch: string[] = [];
  let size = 0;
  for (const piece of pieces) {
    batch.push(piece);
    size += piece.length;
    if (size >= BATCH_CHARS) {
      yield batch.join('');
      batch = [];
      size = 0;
    }
  }
  if (size > 0) yield batch.join('');
}

/**
 * Writes text that comes in pieces (a plan, a report) to a stream in writes of about 64 KiB, waiting whenever the
 * stream asks to: a 100,000-row plan is never one string, and never sits whole in the stream's buffer either.
 */
export async function writeChunks(stream: NodeJS.WritableStream, chunks: Iterable<string>): Promise<void> {
  for (const text of batched(chunks)) {
    if (!stream.write(text)) await once(stream as NodeJS.EventEmitter, 'drain');
  }
}

/** An error of a write to a stream whose reader went away (`| head`, a `less` quit early). */
export function isOutputClosed(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'EPIPE' || code === 'ERR_STREAM_DESTROYED' || code === 'ERR_STREAM_WRITE_AFTER_END';
}
