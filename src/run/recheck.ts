/**
 * Writes that carry no version, read again just before they are sent: the platform cannot refuse one that undoes
 * what someone else did after the plan, as it refuses a stale PATCH, and what the journal says a write changed must
 * be what it changed, or a rollback takes back another admin's change (run/written.ts).
 *
 * - A division move (`POST /api/v2/authorization/divisions/{id}/objects/USER`): one `GET /api/v2/users?id=…` for the
 *   call's users, each judged as a profile field is on a version conflict (run/apply.ts).
 * - A grant or a revocation (`…/subjects/{id}/bulkadd|bulkremove`): one `GET /api/v2/authorization/subjects/{id}`;
 *   a grant the user holds already, or a revocation of one it no longer holds, is not sent (nor journaled).
 * - A queue's members added or removed (a membership kind written without a version): the entity's members, every
 *   page, once before its first call; a user who is a member already (or, to remove, no longer one) is left out.
 * - Skills and languages: recheck-items.ts, 100 users a call.
 */
import { morePages } from '../genesys/paging.js';
import { type GrantRef, heldThroughGroup } from '../genesys/routing-types.js';
import type { ApiFailure, GenesysUser } from '../genesys/types.js';
import type { MembershipKind } from '../input/index.js';
import { grantKeyOf } from '../plan/held.js';
import type { Executor, RoutingPort, UsersPort } from './ports.js';
import { MEMBERSHIP_ADAPTERS, ROUTING_PAGE_SIZE } from './routing-adapters.js';

/** Ids per read when the platform refuses a call's 50 at once (how many one GET takes is not documented). */
const FALLBACK_IDS_PER_GET = 25;

export interface DivisionVerdicts {
  /** Still where the plan found them: to move. */
  planned: string[];
  /** Already in the division the call moves to (someone else moved them there): no call needed. */
  already: string[];
  /** Not read back: deleted since the plan. */
  gone: string[];
  /** Moved elsewhere by someone else since the plan: the division they are in now, by name (else id). */
  foreign: Map<string, string>;
  attempts: number;
  /** The read failed: nothing is known, so nothing is moved. */
  failure?: ApiFailure;
}

/**
 * Reads `userIds` again and sorts them by where they are now against where the plan found them (`plannedFrom`):
 * what a move to `divisionId` would do to each.
 */
export async function recheckDivisions(
  users: Pick<UsersPort, 'getUsersByIds'>,
  executor: Executor,
  divisionId: string,
  userIds: readonly string[],
  plannedFrom: (userId: string) => string | undefined,
): Promise<DivisionVerdicts> {
  const verdicts: DivisionVerdicts = { planned: [], already: [], gone: [], foreign: new Map(), attempts: 0 };
  const found = new Map<string, GenesysUser>();
  const read = async (ids: readonly string[]): Promise<ApiFailure | undefined> => {
    const { outcome, attempts } = await executor.execute(() => users.getUsersByIds([...ids], { state: 'any' }));
    verdicts.attempts += attempts;
    if (!outcome.ok) return outcome;
    // Whether `state=any` lists deleted users is not documented: one that says so is as good as gone.
    for (const u of outcome.body.entities) if (u.state !== 'deleted') found.set(u.id, u);
    return undefined;
  };
  let failure = await read(userIds);
  if (failure?.status === 400 && userIds.length > FALLBACK_IDS_PER_GET) {
    failure = undefined;
    for (let i = 0; i < userIds.length && failure === undefined; i += FALLBACK_IDS_PER_GET) {
      failure = await read(userIds.slice(i, i + FALLBACK_IDS_PER_GET));
    }
  }
  if (failure !== undefined) return { ...verdicts, failure };
  for (const id of userIds) {
    const now = found.get(id)?.division;
    if (!found.has(id)) verdicts.gone.push(id);
    else if (now?.id === divisionId) verdicts.already.push(id);
    else if (now?.id === plannedFrom(id)) verdicts.planned.push(id);
    else verdicts.foreign.set(id, now?.name ?? now?.id ?? '(none)');
  }
  return verdicts;
}

export type GrantsRecheck =
  | { gone: true; attempts: number }
  | { failure: ApiFailure; attempts: number }
  /** The indexes of the call's grants still to send. */
  | { keep: number[]; attempts: number };

/** Which of `grants` a grant (`remove`: a revocation) of the user still changes, from the user's own grants now. */
export async function recheckGrants(
  port: Pick<RoutingPort, 'getSubject'>,
  executor: Executor,
  userId: string,
  grants: readonly GrantRef[],
  remove: boolean,
): Promise<GrantsRecheck> {
  const { outcome, attempts } = await executor.execute(() => port.getSubject(userId));
  if (!outcome.ok) return outcome.kind === 'not_found' ? { gone: true, attempts } : { failure: outcome, attempts };
  // A grant held through a group is the group's: the user's own is what the call adds or removes.
  const held = new Set(
    outcome.body.grants.filter((g) => !heldThroughGroup(g, userId)).map((g) => grantKeyOf(g.role.id, g.division.id)),
  );
  const keep: number[] = [];
  for (const [i, g] of grants.entries()) if (held.has(grantKeyOf(g.roleId, g.divisionId)) === remove) keep.push(i);
  return { keep, attempts };
}

export type MembersRead = { failure: ApiFailure; attempts: number } | { own: ReadonlySet<string>; attempts: number };

/**
 * An entity's own members now, every page (one a group makes a member does not count); an entity deleted since has
 * none. Read once per entity, before its first members call: the run's later calls to it are for other users.
 */
export async function readOwnMembers(
  port: RoutingPort,
  executor: Executor,
  kind: MembershipKind,
  entityId: string,
): Promise<MembersRead> {
  const own = new Set<string>();
  let attempts = 0;
  for (let page = 1; ; page++) {
    const r = await executor.execute(() => MEMBERSHIP_ADAPTERS[kind].members.read(port, entityId, page));
    attempts += r.attempts;
    if (!r.outcome.ok && r.outcome.kind === 'not_found') break;
    if (!r.outcome.ok) return { failure: r.outcome, attempts };
    for (const m of r.outcome.body.entities) if (!m.byGroup) own.add(m.userId);
    if (!morePages(r.outcome.body, page, ROUTING_PAGE_SIZE, r.outcome.body.entities.length)) break;
  }
  return { own, attempts };
}
