import type { Grant } from '../../src/genesys/routing-types.js';
import { type MembershipKind, membershipOf } from '../../src/input/index.js';
import {
  type CurrentRouting,
  DIVISION_MOVES_PER_CALL,
  LANGUAGES_PER_CALL,
  type RoutingCall,
  SKILLS_PER_CALL,
} from '../../src/plan/index.js';

/** A user's routing as the model keeps it: CurrentRouting, writable. */
interface ModelUser extends CurrentRouting {
  skills: CurrentRouting['skills'][number][];
  languages: CurrentRouting['languages'][number][];
  memberOf: Partial<Record<MembershipKind, Set<string>>>;
  grants: Grant[];
}

/**
 * What the platform would hold after `calls`: a pure model of the routing endpoints. Strict
 * where the platform may be lenient, so that a plan that is not minimal or not well formed fails a test: it throws
 * on an unknown user, an oversized call, a proficiency outside 0–5, and on a write that changes nothing (adding
 * what is there, removing what is not). The input is not modified.
 */
export function applyRoutingCalls(
  state: ReadonlyMap<string, CurrentRouting>,
  calls: readonly RoutingCall[],
): Map<string, ModelUser> {
  const out = new Map<string, ModelUser>();
  for (const [id, s] of state) {
    out.set(id, {
      skills: s.skills.map((x) => ({ ...x })),
      languages: s.languages.map((x) => ({ ...x })),
      memberOf: Object.fromEntries(Object.entries(s.memberOf).map(([k, v]) => [k, new Set(v)])),
      grants: s.grants.map((g) => ({ ...g, role: { ...g.role }, division: { ...g.division } })),
      ...(s.divisionId !== undefined ? { divisionId: s.divisionId } : {}),
    });
  }
  const user = (id: string): ModelUser => {
    const u = out.get(id);
    if (u === undefined) throw new Error(`${id}: no such user`);
    return u;
  };
  const limit = (call: RoutingCall, n: number, max: number) => {
    if (n > max) throw new Error(`${call.kind}: ${n} items in one call, more than ${max}`);
  };

  for (const call of calls) {
    switch (call.kind) {
      case 'skills-patch':
      case 'languages-patch': {
        const u = user(call.userId);
        const key = call.kind === 'languages-patch' ? 'languages' : 'skills';
        limit(call, call.body.length, key === 'skills' ? SKILLS_PER_CALL : LANGUAGES_PER_CALL);
        const list = [...u[key]];
        for (const { id, proficiency } of call.body) {
          if (!(proficiency >= 0 && proficiency <= 5)) throw new Error(`${call.kind}: proficiency ${proficiency}`);
          const i = list.findIndex((x) => x.id === id);
          if (i === -1) list.push({ id, proficiency });
          else if (list[i]!.proficiency === proficiency) {
            throw new Error(`${call.kind}: ${call.userId} already has ${id} at ${proficiency}`);
          } else list[i] = { id, proficiency };
        }
        u[key] = list;
        break;
      }
      case 'skill-delete': {
        const u = user(call.userId);
        if (!u.skills.some((l) => l.id === call.skillId)) {
          throw new Error(`skill-delete: ${call.userId} has no skill ${call.skillId}`);
        }
        u.skills = u.skills.filter((l) => l.id !== call.skillId);
        break;
      }
      case 'language-delete': {
        const u = user(call.userId);
        if (!u.languages.some((l) => l.id === call.languageId)) {
          throw new Error(`language-delete: ${call.userId} has no language ${call.languageId}`);
        }
        u.languages = u.languages.filter((l) => l.id !== call.languageId);
        break;
      }
      case 'grants-add':
      case 'grants-remove': {
        const u = user(call.userId);
        const key = (g: { roleId: string; divisionId: string }) => `${g.roleId}\u0000${g.divisionId}`;
        const has = new Map(u.grants.map((g) => [key({ roleId: g.role.id, divisionId: g.division.id }), g]));
        const toGrant = (g: { roleId: string; divisionId: string }): Grant => ({
          role: { id: g.roleId },
          division: { id: g.divisionId },
        });
        for (const g of call.body.grants) {
          if (has.has(key(g)) === (call.kind === 'grants-add')) {
            throw new Error(
              `${call.kind}: ${call.userId} ${call.kind === 'grants-add' ? 'already has' : 'lacks'} ${key(g)}`,
            );
          }
          if (call.kind === 'grants-add') has.set(key(g), toGrant(g));
          else has.delete(key(g));
        }
        u.grants = [...has.values()];
        break;
      }
      case 'members': {
        limit(call, call.userIds.length, membershipOf(call.of).membersPerCall);
        for (const id of call.userIds) {
          const u = user(id);
          const members = u.memberOf[call.of] ?? new Set<string>();
          u.memberOf[call.of] = members;
          if (members.has(call.entityId) !== call.remove) {
            throw new Error(
              `members: ${id} is ${call.remove ? 'not' : 'already'} a member of ${call.of} ${call.entityId}`,
            );
          }
          if (call.remove) members.delete(call.entityId);
          else members.add(call.entityId);
        }
        break;
      }
      case 'division-move': {
        limit(call, call.userIds.length, DIVISION_MOVES_PER_CALL);
        for (const id of call.userIds) {
          const u = user(id);
          if (u.divisionId === call.divisionId)
            throw new Error(`division-move: ${id} is already in ${call.divisionId}`);
          u.divisionId = call.divisionId;
        }
        break;
      }
    }
  }
  return out;
}
