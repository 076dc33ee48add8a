/**
 * The family of limiters a client should hold on: every algorithm the emulator has, the bucket's burst from 1% to 100%
 * of the window's quota, fixed windows aligned to the clock or to the first request, and headers truthful, absent,
 * scaled or stale. A seeded sample of it is what the governor's tests and the bench both run.
 */
import type { RateLimitAlgorithm } from './limiter.js';
import { createPrng } from './prng.js';
import { HEADER_MODELS, type HeaderModel } from './rate-headers.js';

export interface FamilyMember {
  algorithm: RateLimitAlgorithm;
  /** Bucket and GCRA: capacity as a fraction of the quota. */
  burst?: number;
  headers: HeaderModel;
  /** `stale` headers: how far behind they are. */
  headerLagMs?: number;
  /** `fixed-clock` and `sliding-counter`: where the windows start on the limiter's clock. */
  originMs?: number;
}

const BURSTY: readonly RateLimitAlgorithm[] = ['bucket', 'gcra'];
const WINDOWS: readonly RateLimitAlgorithm[] = ['fixed', 'fixed-clock', 'sliding', 'sliding-counter'];

/** A short, stable name: `bucket burst=10% headers=scaled`. */
export function memberLabel(m: FamilyMember): string {
  const parts: string[] = [m.algorithm];
  if (m.burst !== undefined && BURSTY.includes(m.algorithm)) parts.push(`burst=${+(m.burst * 100).toFixed(1)}%`);
  parts.push(`headers=${m.headers}`);
  if (m.headers === 'stale' && m.headerLagMs !== undefined) parts.push(`lag=${Math.round(m.headerLagMs)}ms`);
  return parts.join(' ');
}

/** Emulator and limiter options for a member (the quota and window are the caller's). */
export function memberOptions(m: FamilyMember): {
  algorithm: RateLimitAlgorithm;
  burst: number;
  rateLimitHeaders: boolean;
  headerModel: HeaderModel;
  headerLagMs?: number;
  windowOriginMs?: number;
} {
  return {
    algorithm: m.algorithm,
    burst: m.burst ?? 1,
    rateLimitHeaders: m.headers !== 'absent',
    headerModel: m.headers,
    ...(m.headerLagMs !== undefined && { headerLagMs: m.headerLagMs }),
    ...(m.originMs !== undefined && { windowOriginMs: m.originMs }),
  };
}

/**
 * `n` members drawn with `seed`: the algorithms and header models in turn (so any 12 cover every algorithm and every
 * model), the burst log-uniform in [1%, 100%], a header lag of 4%–30% of the window, a window origin anywhere in one.
 */
export function sampleFamily(seed: number, n: number, windowMs: number): FamilyMember[] {
  const prng = createPrng(seed);
  const algorithms = [...BURSTY, ...WINDOWS];
  const members: FamilyMember[] = [];
  for (let i = 0; i < n; i++) {
    const algorithm = algorithms[i % algorithms.length] as RateLimitAlgorithm;
    // Offset the header models against the algorithms so each algorithm meets several models.
    const headers = HEADER_MODELS[(i + Math.floor(i / algorithms.length)) % HEADER_MODELS.length] as HeaderModel;
    const member: FamilyMember = { algorithm, headers };
    if (BURSTY.includes(algorithm)) member.burst = +(0.01 * 100 ** prng.next()).toFixed(3);
    if (headers === 'stale') member.headerLagMs = Math.round(windowMs * (0.04 + 0.26 * prng.next()));
    if (algorithm === 'fixed-clock' || algorithm === 'sliding-counter') {
      member.originMs = Math.round(prng.next() * windowMs);
    }
    members.push(member);
  }
  return members;
}
