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
