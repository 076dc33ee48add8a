import type { GenesysUser } from '../../src/genesys/types.js';
import type { ManagerRef } from '../../src/input/index.js';
import type { PlanContext } from '../../src/plan/user-change.js';

export function user(overrides: Partial<GenesysUser> = {}): GenesysUser {
  return {
    id: 'u-1',
    name: 'Jane Doe',
    email: 'jane.doe@example.com',
    state: 'active',
    version: 7,
    ...overrides,
  };
}

/** Managers known by email; an id reference resolves to itself. */
export function managers(byEmail: Record<string, string> = {}): PlanContext {
  return {
    managerId: (ref: ManagerRef) => (ref.kind === 'id' ? ref.id : byEmail[ref.email]),
  };
}

/** mulberry32: a small seeded PRNG, so that a failing property run can be replayed from its seed. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
