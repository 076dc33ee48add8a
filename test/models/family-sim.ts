/**
 * The emulator's limiter family (src/emulator/limiter.ts, rate-headers.ts) as simulation limiters: the same code the
 * emulator answers HTTP with, asked on the fake clock, so the governor's tests and the bench run one family.
 */
import { type FamilyMember, memberLabel } from '../../src/emulator/family.js';
import { type PresentedLimiter, presentLimiter } from '../../src/emulator/rate-headers.js';
import type { Governor } from '../../src/governor/index.js';
import { type Admission, FakeClock, type Limiter, SimApi, seededRandom } from './platform-sim.js';

export class FamilyLimiter implements Limiter {
  readonly name: string;
  private readonly limiter: PresentedLimiter;
  private lastNow = 0;

  constructor(
    readonly member: FamilyMember,
    public limit: number,
    readonly windowMs: number,
    private readonly now0 = 0,
  ) {
    this.name = memberLabel(member);
    this.limiter = presentLimiter(member.algorithm, this.config(), {
      model: member.headers,
      ...(member.headerLagMs !== undefined && { lagMs: member.headerLagMs }),
    });
  }

  private config() {
    return {
      limit: this.limit,
      windowMs: this.windowMs,
      ...(this.member.burst !== undefined && { burst: this.member.burst }),
      ...(this.member.originMs !== undefined && { originMs: this.now0 + this.member.originMs }),
    };
  }

  setLimit(limit: number): void {
    this.limit = limit;
    this.limiter.configure(this.config(), this.lastNow);
  }

  admit(now: number): Admission {
    this.lastNow = now;
    const d = this.limiter.take(now);
    const headers = d.headers ?? {};
    return d.allowed ? { ok: true, headers } : { ok: false, headers, retryAfterSeconds: d.retryAfterSeconds };
  }
}

export interface FamilyRun {
  label: string;
  calls: number;
  /** Time to the last accepted call over the least time all the calls (reads and writes) take at the allowed rate. */
  ratio: number;
  /** 429s as a share of all requests, in percent. */
  refusedPct: number;
  refused: number;
  requests: number;
  maxInFlight: number;
}

/**
 * What the CLI does before its writes: it reads the directory's listing pages one after another, then plans (no
 * request at all), then writes. The governor meets its first headers on reads at a low pace, and comes back from
 * the idle gap with whatever it learnt. The bench's run (2,000 users, 600 rows) reads 4 pages and starts writing
 * about 0.3 s after the last.
 */
export interface WarmUp {
  reads: number;
  idleMs: number;
}

export const CLI_WARM_UP: WarmUp = { reads: 4, idleMs: 300 };

/**
 * `reads` calls one after another, an idle gap, then `calls` calls by 40 workers each running one after another,
 * through one governor on the fake clock, against `member` at `limit` per `windowMs`, with 20–80 ms latency (or
 * `latencyMs`). The
 * limiter answers a 429 with its headers, as the emulator does.
 */
export async function runFamilyMember(opts: {
  member: FamilyMember;
  limit: number;
  windowMs: number;
  calls: number;
  seed: number;
  warmUp?: WarmUp;
  /** Each request's latency, uniform in this range (default 20–80 ms). */
  latencyMs?: [number, number];
  createGovernor: (o: { clock: FakeClock; random: () => number }) => Governor;
  /** Called once the run is over with the API it ran against and its start: each accepted and refused time. */
  inspect?: (api: SimApi, start: number) => void;
}): Promise<FamilyRun> {
  const { member, limit, windowMs, calls, seed } = opts;
  const warmUp = opts.warmUp ?? CLI_WARM_UP;
  const clock = new FakeClock(seed * 7919);
  const start = clock.now();
  const limiter = new FamilyLimiter(member, limit, windowMs, start);
  const api = new SimApi({
    clock,
    limiter,
    seed,
    headersOn429: true,
    ...(opts.latencyMs && { latencyMs: opts.latencyMs }),
  });
  const governor = opts.createGovernor({ clock, random: seededRandom(seed + 1) });
  const call = async () => {
    const { outcome } = await governor.execute(api.call);
    if (!outcome.ok) throw new Error(`request failed: ${outcome.kind}`);
  };
  const run = async () => {
    for (let i = 0; i < warmUp.reads; i++) await call();
    if (warmUp.idleMs > 0) await clock.sleep(warmUp.idleMs);
    let issued = 0;
    await Promise.all(
      Array.from({ length: 40 }, async () => {
        while (issued < calls) {
          issued++;
          await call();
        }
      }),
    );
  };
  const settled = await clock.settle([run()]);
  for (const s of settled) if (s.status === 'rejected') throw s.reason;
  opts.inspect?.(api, start);
  const makespan = (api.accepted.at(-1) as number) - start;
  const requests = api.accepted.length + api.refused.length;
  return {
    label: limiter.name,
    calls: warmUp.reads + calls,
    ratio: makespan / (((warmUp.reads + calls) * windowMs) / limit),
    refusedPct: (100 * api.refused.length) / requests,
    refused: api.refused.length,
    requests,
    maxInFlight: api.maxInFlight,
  };
}
