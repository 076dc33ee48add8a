/**
 * Several access tokens behind one SDK client (issue #12): each lane of the governor has a token of its own, and a
 * call is sent with the token of the lane it runs on.
 *
 * Why one `ApiClient` and a per-request Authorization header, rather than one `ApiClient` per token: an SDK client
 * holds one token, but also the gateway, the timeout, the pre-request hook (signal, no redirects, no proxy to a
 * loopback host), the config-file watcher to stop and the three API objects; N of them would repeat all of that and
 * leave each call to pick its client. The header is the only thing that differs between lanes, and the pre-request
 * hook the adapter already installs runs inside the call's async context: it reads the lane from there and sets the
 * header, so every API method works on every lane unchanged. The login still goes through the SDK
 * (`loginClientCredentialsGrant`), whose token is read once and kept here, per lane.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

/** Lanes are numbered from 0; a call made outside any lane runs on lane 0. */
const laneScope = new AsyncLocalStorage<number>();

/** Runs `fn` (and every call it makes) on `lane`'s token. */
export function onLane<T>(lane: number, fn: () => Promise<T>): Promise<T> {
  return laneScope.run(lane, fn);
}

export function currentLane(): number {
  return laneScope.getStore() ?? 0;
}

interface LaneToken {
  token: string;
  /** Epoch ms, from expires_in. */
  expiresAt: number;
}

/** The token of each lane. Never logged, never in a message: only `bearer` hands a token out, to the request hook. */
export class LaneTokens {
  private readonly lanes = new Map<number, LaneToken>();

  set(lane: number, token: string, expiresAt: number): void {
    this.lanes.set(lane, { token, expiresAt });
  }

  expiresAt(lane: number): number | undefined {
    return this.lanes.get(lane)?.expiresAt;
  }

  /** The Authorization header value for a call on `lane`; undefined before that lane's first login. */
  bearer(lane: number): string | undefined {
    const held = this.lanes.get(lane);
    return held ? `Bearer ${held.token}` : undefined;
  }
}

/** One login at a time per client: the SDK keeps the token of a login in state shared by every login it makes. */
export class LoginQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.tail.then(fn, fn);
    this.tail = next.catch(() => {});
    return next;
  }
}
