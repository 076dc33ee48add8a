import { describe, expect, it } from 'vitest';
import { analyseLimitChange, type RequestEvent } from '../bench/limit-change.js';

const WINDOW = 5000;
/** `n` allowed requests evenly from `from` to `to` (exclusive). */
const evenly = (n: number, from: number, to: number, extra: Partial<RequestEvent> = {}): RequestEvent[] =>
  Array.from({ length: n }, (_, i) => ({ at: from + ((to - from) * i) / n, status: 200, ...extra }));

describe('analyseLimitChange', () => {
  // A fixed window opened at 0: halved to 100 at 1 s; the client spends the new quota late in each window.
  const boundary = [
    ...evenly(150, 0, 1000),
    ...evenly(100, 2500, 5000),
    ...evenly(100, 5000, 7500),
    ...evenly(100, 10_000, 12_500),
  ];
  const input = { events: boundary, changedAt: 1000, oldLimit: 200, newLimit: 100, windowMs: WINDOW };

  it("a fixed window's own windows: a quota at each side of its turn is within the limit", () => {
    const r = analyseLimitChange({ ...input, windows: 'opened-by-request' });
    expect(r.settleSeconds).toBe(0);
    // The spans from 2.5 s to 5 s hold up to 200: the last over the limit starts at the last request before the turn.
    expect(r.slidingSettleSeconds).toBeCloseTo(3.975, 3);
  });

  it('window-long spans (the default): the same requests settle only after the last span over the limit', () => {
    const r = analyseLimitChange(input);
    expect(r.settleSeconds).toBeCloseTo(3.975, 3);
    expect(r.slidingSettleSeconds).toBeUndefined();
  });

  it("a fixed window's window over the new limit puts the settling at its end, a later 429 at the 429", () => {
    const over = [...evenly(150, 0, 1000), ...evenly(120, 5000, 6000), ...evenly(50, 10_000, 11_000)];
    expect(analyseLimitChange({ ...input, events: over, windows: 'opened-by-request' }).settleSeconds).toBe(9);
    const refused = [...boundary, { at: 11_000, status: 429 }];
    expect(analyseLimitChange({ ...input, events: refused, windows: 'opened-by-request' }).settleSeconds).toBe(10);
  });

  it('each token has windows of its own', () => {
    // Token 2's window opens at 3 s: counted in token 1's windows, 3–5 s would hold 150 in one.
    const tokens = [...evenly(100, 1000, 5000, { token: 1 }), ...evenly(100, 3000, 8000, { token: 2 })];
    expect(analyseLimitChange({ ...input, events: tokens, windows: 'opened-by-request' }).settleSeconds).toBe(0);
    const one = tokens.map((e) => ({ ...e, token: 1 }));
    expect(analyseLimitChange({ ...input, events: one, windows: 'opened-by-request' }).settleSeconds).toBe(5);
  });
});
