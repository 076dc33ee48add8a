import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { writeChunks } from '../src/output.js';

/** A stream that takes one write at a time and asks to wait after each, draining on the next tick. */
function slowSink(highWaterMark: number) {
  const writes: string[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const stream = new Writable({
    highWaterMark,
    decodeStrings: false,
    write(chunk: string, _enc, done) {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      writes.push(chunk);
      setImmediate(() => {
        inFlight--;
        done();
      });
    },
  });
  return { stream, writes, maxInFlight: () => maxInFlight, buffered: () => stream.writableLength };
}

describe('writeChunks', () => {
  it('writes the pieces in order, joined into writes of about 64 KiB', async () => {
    const sink = slowSink(1);
    const pieces = Array.from({ length: 3000 }, (_, i) => `${String(i).padStart(60, '.')}\n`);
    await writeChunks(sink.stream, pieces);
    expect(sink.writes.join('')).toBe(pieces.join(''));
    // 3000 × 61 characters in batches of at least 64 KiB: three writes, not 3000.
    expect(sink.writes).toHaveLength(3);
    expect(sink.writes[0]!.length).toBeGreaterThanOrEqual(64 * 1024);
  });

  it('waits for the stream to drain rather than buffering everything', async () => {
    const sink = slowSink(1);
    let pulledWhileBuffered = 0;
    function* pieces() {
      for (let i = 0; i < 10_000; i++) {
        if (sink.buffered() > 128 * 1024) pulledWhileBuffered++;
        yield 'x'.repeat(100);
      }
    }
    await writeChunks(sink.stream, pieces());
    expect(sink.writes.join('')).toHaveLength(1_000_000);
    expect(pulledWhileBuffered).toBe(0);
  });

  it('writes nothing for no pieces', async () => {
    const sink = slowSink(1);
    await writeChunks(sink.stream, []);
    expect(sink.writes).toEqual([]);
  });
});
