import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createProgress } from '../src/progress.js';

const terminal = (hasColors: boolean) => {
  const stream = Object.assign(new PassThrough(), {
    isTTY: true,
    columns: 200,
    hasColors: () => hasColors,
    cursorTo: () => true,
    clearLine: () => true,
    moveCursor: () => true,
  }) as unknown as NodeJS.WriteStream;
  let text = '';
  stream.on('data', (d) => {
    text += String(d);
  });
  return { stream, text: () => text };
};

const counters = (done: number, total: number) => ({ done, total, rateLimited: 0, retries: 0, failed: 0 });

describe('progress by phase (#14.6)', () => {
  for (const colour of [true, false]) {
    it(`${colour ? 'the bar' : 'the plain line'}: each phase labelled, an empty phase shows nothing, never 0/0`, () => {
      const t = terminal(colour);
      const p = createProgress(t.stream, true, {});
      p.start(0, 'Applying profile changes');
      p.update(counters(0, 0));
      p.stop();
      expect(t.text()).toBe('');
      p.start(3, 'Applying routing and access');
      p.update(counters(3, 3));
      p.stop();
      const text = t.text();
      expect(text).toContain('Applying routing and access');
      expect(text).toContain('3/3');
      expect(text).not.toContain('Applying profile changes');
      expect(text).not.toContain('0/0');
      expect(text).not.toMatch(/Applying \[|Applying \d/);
    });
  }

  it('off (not a terminal, or --no-progress): nothing at all', () => {
    const t = terminal(true);
    const p = createProgress(t.stream, false, {});
    p.start(5, 'Reading users');
    p.update(counters(5, 5));
    p.stop();
    expect(t.text()).toBe('');
  });
});
