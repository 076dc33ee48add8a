import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { GovernorEvent } from '../../src/governor/index.js';
import { createLogger } from '../../src/log.js';
import { governorEventLog } from '../../src/run/context.js';

function logged() {
  const out = new PassThrough();
  const lines: { level: number; msg: string }[] = [];
  out.on('data', (d) => {
    for (const line of String(d).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
  });
  return { log: createLogger({ format: 'json', level: 'info', destination: out }), lines };
}

const retry = (at: number, reason: 'timeout' | 'server', attempt = 1): GovernorEvent => ({
  type: 'retry',
  at,
  reason,
  delayMs: 1000,
  attempt,
});

describe('governorEventLog', () => {
  it('says a request with no answer at the warn level, at most once in 30 s, and not a 5xx retry', () => {
    const { log, lines } = logged();
    const onEvent = governorEventLog(log, 1, 'https://api.example.test');
    for (const at of [0, 10_000, 29_999, 30_000, 45_000, 61_000]) onEvent(retry(at, 'timeout', 2));
    onEvent(retry(100_000, 'server'));
    const warnings = lines.filter((l) => l.level === 40);
    expect(warnings).toHaveLength(3);
    expect(warnings[0]!.msg).toContain('No answer from https://api.example.test within the request timeout');
    expect(warnings[0]!.msg).toContain('attempt 3');
    expect(warnings[0]!.msg).toContain('press Ctrl-C to stop sooner');
  });

  it('says a pause over a minute at the warn level, a shorter one only at debug', () => {
    const { log, lines } = logged();
    const onEvent = governorEventLog(log, 1, 'https://api.example.test');
    onEvent({ type: 'pause', at: 0, untilMs: 5_000, retryAfterSeconds: 5 });
    onEvent({ type: 'pause', at: 0, untilMs: 90_000, retryAfterSeconds: 90 });
    expect(lines.map((l) => l.msg)).toEqual([expect.stringContaining('wait 90 s (Retry-After)')]);
  });
});
