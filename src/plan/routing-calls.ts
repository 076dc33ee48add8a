/**
 * The platform calls that apply every user's routing plan: each user's own writes, then memberships and division
 * moves grouped across users.
 */
import { type MembershipKind, membershipOf } from '../input/index.js';
import type { FieldDiff } from './fields.js';
import { chunk } from './read-strategy.js';
import type { RoutingPlan, UserRoutingWrite } from './routing.js';

/** `POST /api/v2/authorization/divisions/{id}/objects/USER`: users per call. */
export const DIVISION_MOVES_PER_CALL = 50;

/** Which users a call changes and which of each user's diffs it realises (several calls may share a diff: none do). */
export interface CallRealises {
  userId: string;
  diffs: FieldDiff[];
}

type UserCall<W> = W extends { diffs: FieldDiff[] }
  ? Omit<W, 'diffs'> & { userId: string; realises: CallRealises[] }
  : never;

/** A platform call, serialisable. `realises` names every user the call changes. */
export type RoutingCall =
  | UserCall<UserRoutingWrite>
  /** Adds users to an entity's members (`remove`: takes them out), e.g. `POST /api/v2/routing/queues/{id}/members`. */
  | {
      kind: 'members';
      of: MembershipKind;
      entityId: string;
      userIds: string[];
      remove: boolean;
      realises: CallRealises[];
    }
  /** `POST /api/v2/authorization/divisions/{divisionId}/objects/USER` with the user ids. */
  | { kind: 'division-move'; divisionId: string; userIds: string[]; realises: CallRealises[] };

/**
 * The calls that apply every user's plan: each user's own writes in input order, then memberships grouped per
 * entity (additions before removals, as many users a call as the kind takes), then division moves grouped per division (50 a call), each
 * group ordered by id. Deterministic for the same input. Throws when a user appears twice.
 */
export function planRoutingCalls(perUser: readonly { userId: string; plan: RoutingPlan }[]): RoutingCall[] {
  const seen = new Set<string>();
  const calls: RoutingCall[] = [];
  const members = new Map<
    string,
    { of: MembershipKind; entityId: string; remove: boolean; realises: CallRealises[] }
  >();
  const divisions = new Map<string, CallRealises[]>();

  for (const { userId, plan } of perUser) {
    if (seen.has(userId)) throw new Error(`User ${userId} appears twice in the routing plan input.`);
    seen.add(userId);
    for (const write of plan.writes) {
      const { diffs, ...call } = write;
      calls.push({ ...call, userId, realises: [{ userId, diffs }] } as RoutingCall);
    }
    for (const m of plan.memberships) {
      const key = `${m.kind}\u0000${m.entityId}\u0000${m.remove ? 1 : 0}`;
      let group = members.get(key);
      if (group === undefined) {
        group = { of: m.kind, entityId: m.entityId, remove: m.remove, realises: [] };
        members.set(key, group);
      }
      group.realises.push({ userId, diffs: [m.diff] });
    }
    if (plan.division !== undefined) {
      const group = divisions.get(plan.division.divisionId);
      const member = { userId, diffs: [plan.division.diff] };
      if (group === undefined) divisions.set(plan.division.divisionId, [member]);
      else group.push(member);
    }
  }

  const byId = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  for (const key of [...members.keys()].sort(byId)) {
    const { of, entityId, remove, realises: all } = members.get(key)!;
    for (const realises of chunk(all, membershipOf(of).membersPerCall)) {
      calls.push({ kind: 'members', of, entityId, userIds: realises.map((r) => r.userId), remove, realises });
    }
  }
  for (const divisionId of [...divisions.keys()].sort(byId)) {
    for (const realises of chunk(divisions.get(divisionId)!, DIVISION_MOVES_PER_CALL)) {
      calls.push({ kind: 'division-move', divisionId, userIds: realises.map((r) => r.userId), realises });
    }
  }
  return calls;
}

/** How many calls of each kind a list of calls holds, kinds in the order the list first names them. */
export interface CallCount {
  total: number;
  byKind: ReadonlyMap<RoutingCall['kind'], number>;
}

export const NO_CALLS: CallCount = { total: 0, byKind: new Map() };

export function callCountOf(calls: readonly RoutingCall[]): CallCount {
  const byKind = new Map<RoutingCall['kind'], number>();
  for (const c of calls) byKind.set(c.kind, (byKind.get(c.kind) ?? 0) + 1);
  return { total: calls.length, byKind };
}

/** The calls of `a`, then those of `b`. */
export function addCounts(a: CallCount, b: CallCount): CallCount {
  const byKind = new Map(a.byKind);
  for (const [kind, n] of b.byKind) byKind.set(kind, (byKind.get(kind) ?? 0) + n);
  return { total: a.total + b.total, byKind };
}

/**
 * `callCountOf(planRoutingCalls(perUser))`, taking one user's plan at a time and holding only a count per entity and
 * division: the plans of a 100,000-row run need not all be live to say how many calls they make (issue #12).
 */
export function countRoutingCalls(perUser: Iterable<{ userId: string; plan: RoutingPlan }>): CallCount {
  const own = new Map<RoutingCall['kind'], number>();
  const members = new Map<string, { of: MembershipKind; users: number }>();
  const divisions = new Map<string, number>();
  for (const { plan } of perUser) {
    for (const write of plan.writes) own.set(write.kind, (own.get(write.kind) ?? 0) + 1);
    for (const m of plan.memberships) {
      const key = `${m.kind}\u0000${m.entityId}\u0000${m.remove ? 1 : 0}`;
      const group = members.get(key) ?? { of: m.kind, users: 0 };
      group.users++;
      members.set(key, group);
    }
    if (plan.division !== undefined)
      divisions.set(plan.division.divisionId, (divisions.get(plan.division.divisionId) ?? 0) + 1);
  }
  const byKind = new Map(own);
  const add = (kind: RoutingCall['kind'], n: number) => byKind.set(kind, (byKind.get(kind) ?? 0) + n);
  for (const { of, users } of members.values()) add('members', Math.ceil(users / membershipOf(of).membersPerCall));
  for (const users of divisions.values()) add('division-move', Math.ceil(users / DIVISION_MOVES_PER_CALL));
  let total = 0;
  for (const n of byKind.values()) total += n;
  return { total, byKind };
}
