import type {
  ApiCall,
  ApiFailure,
  ApiOutcome,
  ErrorKind,
  GenesysUser,
  UserEntityListing,
  UserPatch,
  UsersSearchResponse,
} from '../../src/genesys/types.js';
import type { Executor, UsersPort } from '../../src/run/ports.js';

export function user(overrides: Partial<GenesysUser> = {}): GenesysUser {
  return {
    id: 'u-1',
    name: 'Jane Doe',
    email: 'jane.doe@example.com',
    state: 'active',
    title: 'Agent',
    department: 'Sales',
    version: 7,
    ...overrides,
  };
}

export const ok = <T>(body: T): ApiOutcome<T> => ({ ok: true, status: 200, body, rateLimit: {}, latencyMs: 1 });

export function fail(kind: ErrorKind, status?: number, code?: string): ApiFailure {
  return {
    ok: false,
    kind,
    ...(status !== undefined ? { status } : {}),
    ...(code !== undefined ? { code } : {}),
    message: `${kind} (scripted)`,
    rateLimit: {},
    latencyMs: 1,
  };
}

type PatchScript = (
  id: string,
  patch: UserPatch,
  n: number,
) => ApiOutcome<GenesysUser> | Promise<ApiOutcome<GenesysUser>>;
type GetScript = (id: string, n: number) => ApiOutcome<GenesysUser>;

/**
 * A UsersPort that answers PATCH and GET from scripts, in order, and records every call. A script runs out
 * loudly: an unexpected call fails the test rather than looping.
 */
export class ScriptedUsers implements UsersPort {
  readonly patches: { id: string; patch: UserPatch }[] = [];
  readonly gets: string[] = [];
  constructor(
    private readonly patchScript: PatchScript[],
    private readonly getScript: GetScript[] = [],
  ) {}

  async patchUser(id: string, patch: UserPatch): Promise<ApiOutcome<GenesysUser>> {
    const n = this.patches.length;
    this.patches.push({ id, patch: structuredClone(patch) });
    const step = this.patchScript[n];
    if (!step) throw new Error(`unexpected PATCH #${n + 1}: ${JSON.stringify(patch)}`);
    return step(id, patch, n);
  }

  async getUser(id: string): Promise<ApiOutcome<GenesysUser>> {
    const n = this.gets.length;
    this.gets.push(id);
    const step = this.getScript[n];
    if (!step) throw new Error(`unexpected GET #${n + 1}`);
    return step(id, n);
  }

  getUsersByIds(): Promise<ApiOutcome<UserEntityListing>> {
    throw new Error('not scripted');
  }
  listUsers(): Promise<ApiOutcome<UserEntityListing>> {
    throw new Error('not scripted');
  }
  searchUsers(): Promise<ApiOutcome<UsersSearchResponse>> {
    throw new Error('not scripted');
  }
}

/** Runs each call once, as the governor would when nothing needs a retry. */
export const passThrough: Executor = {
  async execute<T>(call: ApiCall<T>) {
    return { outcome: await call(), attempts: 1 };
  },
};

/** Runs each call until it succeeds or fails with something other than `retryOn`, like the governor's retries. */
export function retrying(retryOn: ErrorKind[], maxAttempts = 6): Executor {
  return {
    async execute<T>(call: ApiCall<T>) {
      let attempts = 0;
      for (;;) {
        attempts++;
        const outcome = await call();
        if (outcome.ok || !retryOn.includes(outcome.kind) || attempts >= maxAttempts) return { outcome, attempts };
      }
    },
  };
}
