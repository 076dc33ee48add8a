/**
 * A user's skills, languages and groups from expanded user reads (`expand=skills,languages,groups`), many users a
 * call, instead of one read per user and kind. `export` gets them with its listing pages; `update`, its resume, its
 * rollback and `--create` read them by id, 100 users a call. The platform calls expansions best effort: a user whose
 * answer lacks one (or who is not in the answer) is read alone, as before, so either answer gives the same plan.
 */
import type { UserRoutingLanguage, UserRoutingSkill } from '../genesys/routing-types.js';
import type { ApiFailure, GenesysUser } from '../genesys/types.js';
import type { MembershipKind } from '../input/index.js';
import { chunk, type RoutingNeeds } from '../plan/index.js';
import { fatalApiError } from './api-errors.js';
import { forEachPooled, poolSize } from './pool.js';
import type { Executor, UsersPort } from './ports.js';
import { IDS_PER_GET_SIZES, type SizeStep } from './resolve.js';

/** Users per `GET /api/v2/users?id=…` (the platform's cap is unconfirmed; the other reads by id send 100 too). */
export const EXPANDED_IDS_PER_CALL = 100;

/** The expansions that carry routing: skills, languages, and the groups a user is a member of. */
export type RoutingExpansion = 'skills' | 'languages' | 'groups';

/** The membership kinds whose whole list of a user an expansion carries (as ids). */
export const MEMBERSHIP_EXPANSIONS: Partial<Record<MembershipKind, 'groups'>> = { group: 'groups' };

/** A user as an expanded read shows it. */
export type ExpandedUser = GenesysUser & {
  skills?: UserRoutingSkill[];
  languages?: UserRoutingLanguage[];
  groups?: { id: string; name?: string }[];
};

/** What the expansions gave of one user; a kind left out was not asked for or not given. */
export interface ExpandedRouting {
  skills?: UserRoutingSkill[];
  languages?: UserRoutingLanguage[];
  /** Ids of the groups the user is a member of. */
  groups?: string[];
}

export interface ExpandReadDeps {
  /** Undefined: no read by id; only what the users already carry is used (a test's fake port). */
  users?: Pick<UsersPort, 'getUsersByIds'>;
  executor: Executor;
  signal?: AbortSignal;
  concurrency: number;
}

/** The expansions that a user's needs would take from the read, in the order they are asked for. */
export function routingExpansions(needs: RoutingNeeds): RoutingExpansion[] {
  const out: RoutingExpansion[] = [];
  if (needs.skills) out.push('skills');
  if (needs.languages) out.push('languages');
  for (const [kind, expansion] of Object.entries(MEMBERSHIP_EXPANSIONS) as [MembershipKind, 'groups'][])
    if (needs.members[kind] === 'all') out.push(expansion);
  return out;
}

/** What a user read with expansions carries: only the kinds whose field is a list (a missing one was not given). */
export function carried(user: ExpandedUser): ExpandedRouting {
  const out: ExpandedRouting = {};
  if (Array.isArray(user.skills)) out.skills = user.skills;
  if (Array.isArray(user.languages)) out.languages = user.languages;
  if (Array.isArray(user.groups)) out.groups = user.groups.map((g) => g.id);
  return out;
}

/**
 * A user as kept for its routing to be planned: its expansions' items cut to what planning reads (id, name,
 * proficiency; a group's id) and its division to its id and name, the rest as it is. The links and states an item
 * comes with were most of a kept user: 100,000 users held as text through a run with routing columns (issue #12).
 */
export function keptForRouting(user: ExpandedUser): ExpandedUser {
  const out: ExpandedUser = { ...user };
  if (Array.isArray(user.skills)) out.skills = user.skills.map(proficiencyItem);
  if (Array.isArray(user.languages)) out.languages = user.languages.map(proficiencyItem);
  if (Array.isArray(user.groups)) out.groups = user.groups.map((g) => ({ id: g.id }));
  if (user.division && typeof user.division.id === 'string')
    out.division = { id: user.division.id, ...(user.division.name !== undefined && { name: user.division.name }) };
  return out;
}

function proficiencyItem<T extends { id: string; name?: string; proficiency: number }>(item: T): T {
  return { id: item.id, ...(item.name !== undefined && { name: item.name }), proficiency: item.proficiency } as T;
}

/**
 * Each target's routing from expansions: what its user already carries, and what it lacks read by id with
 * `expand`, 100 users a call (targets that lack the same expansions share calls). A user missing from the answers,
 * given without an expansion or deleted since, or a call refused as invalid, leaves that kind to the caller's read
 * of the user alone; any other failure is fatal, as every read before a write is.
 */
export async function readExpansions(
  deps: ExpandReadDeps,
  targets: readonly { user: ExpandedUser; needs: RoutingNeeds }[],
  count: () => void,
): Promise<Map<string, ExpandedRouting>> {
  const found = new Map<string, ExpandedRouting>();
  const lacking = new Map<string, string[]>();
  for (const { user, needs } of targets) {
    const have = carried(user);
    found.set(user.id, have);
    const missing = routingExpansions(needs).filter((e) => have[e] === undefined);
    if (missing.length === 0 || deps.users === undefined) continue;
    const key = missing.join(',');
    const ids = lacking.get(key);
    if (ids) ids.push(user.id);
    else lacking.set(key, [user.id]);
  }
  const port = deps.users;
  if (port === undefined || lacking.size === 0) return found;
  const batches = [...lacking].flatMap(([key, ids]) =>
    chunk(ids, EXPANDED_IDS_PER_CALL).map((batch) => ({ expand: key.split(',') as RoutingExpansion[], batch })),
  );
  const step: SizeStep = { at: 0 };
  await forEachPooled(batches, poolSize(deps.executor, deps.concurrency), async ({ expand, batch }) => {
    count();
    const r = await readExpandedByIds(port, deps.executor, batch, expand, deps.signal, step);
    // A platform that refuses the expansion on a list (400) is one that does not give it: read them alone.
    if ('refused' in r) return;
    if ('failure' in r) {
      throw fatalApiError(`Reading users' ${expand.join(', ')} (GET /api/v2/users?id=…&expand=…)`, r.failure);
    }
    for (const [id, given] of r.found) {
      const had = found.get(id);
      if (had !== undefined) found.set(id, { ...given, ...had });
    }
  });
  return found;
}

export type ExpandedRead =
  | { found: Map<string, ExpandedRouting>; attempts: number }
  /** Refused as invalid (400): the platform does not give these expansions on a read by id. */
  | { refused: true; attempts: number }
  | { failure: ApiFailure; attempts: number };

/**
 * `GET /api/v2/users?id=…&expand=…` (at most EXPANDED_IDS_PER_CALL ids, fewer while `step` says a size is refused;
 * past the smallest of IDS_PER_GET_SIZES, the platform is taken not to give the expansions on a list):
 * what each user still there carries. A user deleted since, or left out of the answer, is not in `found`: its own
 * reads find it gone.
 */
export async function readExpandedByIds(
  port: Pick<UsersPort, 'getUsersByIds'>,
  executor: Executor,
  ids: readonly string[],
  expand: readonly RoutingExpansion[],
  signal?: AbortSignal,
  step: SizeStep = { at: 0 },
): Promise<ExpandedRead> {
  const at = step.at;
  const most = IDS_PER_GET_SIZES[at];
  if (most === undefined) return { refused: true, attempts: 0 };
  if (ids.length > most) return readParts(port, executor, chunk([...ids], most), expand, signal, step);
  const { outcome, attempts } = await executor.execute(
    () => port.getUsersByIds([...ids], { state: 'any', expand: [...expand] }),
    { signal },
  );
  if (!outcome.ok && outcome.kind === 'invalid') {
    step.at = Math.max(step.at, at + 1);
    const again = await readExpandedByIds(port, executor, ids, expand, signal, step);
    return { ...again, attempts: attempts + again.attempts };
  }
  if (!outcome.ok) return { failure: outcome, attempts };
  const found = new Map<string, ExpandedRouting>();
  for (const user of outcome.body.entities as ExpandedUser[])
    if (user.state !== 'deleted') found.set(user.id, carried(user));
  return { found, attempts };
}

/** The parts read in turn as one read: refused or failed as soon as one part is. */
async function readParts(
  port: Pick<UsersPort, 'getUsersByIds'>,
  executor: Executor,
  parts: string[][],
  expand: readonly RoutingExpansion[],
  signal: AbortSignal | undefined,
  step: SizeStep,
): Promise<ExpandedRead> {
  const found = new Map<string, ExpandedRouting>();
  let attempts = 0;
  for (const part of parts) {
    const r = await readExpandedByIds(port, executor, part, expand, signal, step);
    attempts += r.attempts;
    if (!('found' in r)) return { ...r, attempts };
    for (const [id, given] of r.found) found.set(id, given);
  }
  return { found, attempts };
}
