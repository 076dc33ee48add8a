import { once } from 'node:events';

const BATCH_CHARS = 64 * 1024;

/**
 * Writes text that comes in pieces (a plan, a report) to a stream in writes of about 64 KiB, waiting whenever the
 * stream asks to: a 100,000-row plan is never one string, and never sits whole in the stream's buffer either.
 */
export async function writeChunks(stream: NodeJS.WritableStream, chunks: Iterable<string>): Promise<void> {
  let batch: string[] = [];
  let size = 0;
  const flush = async () => {
    if (size === 0) return;
    const text = batch.join('');
    batch = [];
    size = 0;
    if (!stream.write(text)) await once(stream as NodeJS.EventEmitter, 'drain');
  };
  for (const chunk of chunks) {
    batch.push(chunk);
    size += chunk.length;
    if (size >= BATCH_CHARS) await flush();
  }
  await flush();
}
