/**
 * Groups in the run layer: the catalogue (with each group's version), the member listings, and the member writes,
 * which carry the group's version: on a 409 the group is re-read and the write re-applied, so that a member someone
 * else added meanwhile is never lost (an add only adds, a removal only removes the ids it names).
 */

import type { GenesysGroup, GroupMember } from '../genesys/groups-client.js';
import { morePages } from '../genesys/paging.js';
import type { NamedEntity } from '../genesys/routing-types.js';
import type { ApiFailure, ApiOutcome } from '../genesys/types.js';
import { chunk } from '../plan/index.js';
import { fatalApiError } from './api-errors.js';
import { forEachPooled, poolSize } from './pool.js';
import type { Executor, GroupsPort } from './ports.js';

/** Groups per listing page, and members per member-listing page (the platform's maximum is assumed to be 100). */
export const GROUPS_PAGE_SIZE = 100;
/** Re-reads of a group after a version conflict before the write is given up (Genesys's Terraform provider: 10). */
export const MAX_GROUP_CONFLICTS = 10;

export interface GroupReadDeps {
  port: GroupsPort;
  executor: Executor;
  signal?: AbortSignal;
  concurrency: number;
  /** Counted per call. */
  cost: { catalogue: number; groupMembers: number };
}

/**
 * The latest version known of each group (a write reads the group when it knows none), and the most member ids one
 * write is known to take.
 */
export class GroupVersions {
  private readonly known = new Map<string, number>();
  /** Lowered when a write refused (400) went through in smaller parts: the platform's limit is unconfirmed. */
  membersPerCall = Number.POSITIVE_INFINITY;
  set(groupId: string, version: number): void {
    this.known.set(groupId, version);
  }
  get(groupId: string): number | undefined {
    return this.known.get(groupId);
  }
  forget(groupId: string): void {
    this.known.delete(groupId);
  }
}

/** Every group, every page, once per run: names to resolve (as a catalogue) and each group's version. */
export async function loadGroups(
  deps: GroupReadDeps,
  versions?: GroupVersions,
): Promise<{ entities: NamedEntity[]; groups: GenesysGroup[] }> {
  const byId = new Map<string, GenesysGroup>();
  for (let page = 1; ; page++) {
    deps.cost.catalogue++;
    const { outcome } = await deps.executor.execute(
      () => deps.port.listGroups({ pageNumber: page, pageSize: GROUPS_PAGE_SIZE }),
      { signal: deps.signal },
    );
    if (!outcome.ok) throw fatalApiError(`Listing groups (GET /api/v2/groups, page ${page})`, outcome);
    for (const g of outcome.body.entities) byId.set(g.id, g);
    if (!morePages(outcome.body, page, GROUPS_PAGE_SIZE, outcome.body.entities.length)) break;
  }
  const groups = [...byId.values()];
  for (const g of groups) versions?.set(g.id, g.version);
  return {
    groups,
    entities: groups.map((g) => ({ id: g.id, name: g.name, ...(g.state !== undefined ? { state: g.state } : {}) })),
  };
}

/**
 * The members of each group, every page, each group once, shared by every row: user ids (lower-cased). A group
 * deleted since the catalogue was read is fatal: nothing has been written yet.
 */
export async function readGroupMembers(
  deps: GroupReadDeps,
  groupIds: Iterable<string>,
): Promise<Map<string, Set<string>>> {
  const members = new Map<string, Set<string>>();
  const ids = [...new Set(groupIds)].sort();
  await forEachPooled(ids, poolSize(deps.executor, deps.concurrency), async (groupId) => {
    const list: GroupMember[] = [];
    for (let page = 1; ; page++) {
      deps.cost.groupMembers++;
      const { outcome } = await deps.executor.execute(
        () => deps.port.getGroupMembers(groupId, { pageNumber: page, pageSize: GROUPS_PAGE_SIZE }),
        { signal: deps.signal },
      );
      if (!outcome.ok) {
        const why =
          outcome.kind === 'not_found'
            ? {
                ...outcome,
                message: 'the group no longer exists (it was deleted after the run listed groups); run again',
              }
            : outcome;
        throw fatalApiError(
          `Reading the members of group ${groupId} (GET /api/v2/groups/{groupId}/members, page ${page})`,
          why,
        );
      }
      list.push(...outcome.body.entities);
      if (!morePages(outcome.body, page, GROUPS_PAGE_SIZE, outcome.body.entities.length)) break;
    }
    members.set(groupId, new Set(list.map((m) => m.id.toLowerCase())));
  });
  return members;
}

/** One member write: add or remove these users (at most GROUP_MEMBERS_PER_CALL) in one group. */
export interface GroupMembersCall {
  groupId: string;
  userIds: string[];
  remove: boolean;
}

/** Someone changed the group between the version this run knew and its write. */
export interface GroupConflict {
  groupId: string;
  /** The version the write carried, and the one read after the 409. */
  sent: number;
  found: number;
}

export interface GroupWriteResult {
  outcome: ApiOutcome<unknown>;
  /** A write sent in parts that failed part-way (`writeInParts`): the ids not written. Absent, the outcome is every id's. */
  failedIds?: string[];
  /** HTTP attempts, reads of the group included. */
  attempts: number;
  conflicts: GroupConflict[];
}

export interface GroupWriteDeps {
  port: GroupsPort;
  executor: Executor;
  versions: GroupVersions;
  signal?: AbortSignal;
  /** Runs before every attempt of the write itself (the journal record goes here: before the first one). */
  beforeAttempt?: () => Promise<void>;
}

/**
 * Sends one member write, in parts when the platform refused it whole (400) and its parts go through: the most ids
 * one write takes is unconfirmed, and what is learned holds for the run's later writes.
 */
export async function writeGroupMembers(deps: GroupWriteDeps, call: GroupMembersCall): Promise<GroupWriteResult> {
  const { versions } = deps;
  if (call.userIds.length > versions.membersPerCall) return writeInParts(deps, call, versions.membersPerCall);
  const whole = await writeOnce(deps, call);
  const { outcome } = whole;
  // A 400 to several ids may be the platform's batch limit (unconfirmed) rather than one id: halves tell which.
  if (outcome.ok || outcome.kind !== 'invalid' || outcome.status !== 400 || call.userIds.length < 2) return whole;
  const half = Math.ceil(call.userIds.length / 2);
  const parts = await writeInParts(deps, call, half);
  if (parts.outcome.ok) versions.membersPerCall = Math.min(versions.membersPerCall, half);
  return { ...parts, attempts: whole.attempts + parts.attempts, conflicts: [...whole.conflicts, ...parts.conflicts] };
}

/**
 * The call's ids in parts of `size`, one after another, until one fails: the parts before it were written, so only
 * its ids and those not sent fail (`failedIds`). Going on past a failed part would tell a bad id from a platform that
 * refuses them all only by splitting every part down to single ids, about twice as many calls as ids.
 */
async function writeInParts(deps: GroupWriteDeps, call: GroupMembersCall, size: number): Promise<GroupWriteResult> {
  let attempts = 0;
  const conflicts: GroupConflict[] = [];
  let outcome: ApiOutcome<unknown> | undefined;
  const parts = chunk(call.userIds, size);
  for (const [i, userIds] of parts.entries()) {
    const part = await writeGroupMembers(deps, { ...call, userIds });
    attempts += part.attempts;
    conflicts.push(...part.conflicts);
    outcome = part.outcome;
    if (!outcome.ok) {
      const failedIds = [...(part.failedIds ?? userIds), ...parts.slice(i + 1).flat()];
      return { outcome, attempts, conflicts, ...(failedIds.length < call.userIds.length && { failedIds }) };
    }
  }
  return { outcome: outcome!, attempts, conflicts };
}

/**
 * Sends one member write as it is. An add carries the group's version; a 409 (or a 400 saying the version does not match)
 * re-reads the group and sends the same ids again with the version read, up to MAX_GROUP_CONFLICTS times: adding and
 * removing named ids are idempotent, so re-applying loses nobody another admin added and repeats nothing. A removal
 * takes no version on the platform. After a success the version is assumed to have gone up by one; a wrong guess
 * costs one 409 and a read, never a lost member.
 */
async function writeOnce(deps: GroupWriteDeps, call: GroupMembersCall): Promise<GroupWriteResult> {
  const { port, executor, versions, signal } = deps;
  let attempts = 0;
  const conflicts: GroupConflict[] = [];
  const read = async (): Promise<ApiFailure | number> => {
    const r = await executor.execute(() => port.getGroup(call.groupId), { signal });
    attempts += r.attempts;
    if (!r.outcome.ok) return r.outcome;
    versions.set(call.groupId, r.outcome.body.version);
    return r.outcome.body.version;
  };
  for (let conflict = 0; ; conflict++) {
    let version = versions.get(call.groupId);
    if (!call.remove && version === undefined) {
      const v = await read();
      if (typeof v !== 'number') return { outcome: v, attempts, conflicts };
      version = v;
    }
    const sent = version;
    const r = await executor.execute(
      async () => {
        await deps.beforeAttempt?.();
        return call.remove
          ? port.removeGroupMembers(call.groupId, call.userIds)
          : port.addGroupMembers(call.groupId, call.userIds, sent as number);
      },
      { signal },
    );
    attempts += r.attempts;
    if (r.outcome.ok) {
      const known = versions.get(call.groupId);
      if (known !== undefined) versions.set(call.groupId, known + 1);
      return { outcome: r.outcome, attempts, conflicts };
    }
    if (r.outcome.kind !== 'conflict' || conflict >= MAX_GROUP_CONFLICTS)
      return { outcome: r.outcome, attempts, conflicts };
    versions.forget(call.groupId);
    const found = await read();
    if (typeof found !== 'number') return { outcome: found, attempts, conflicts };
    if (sent !== undefined) conflicts.push({ groupId: call.groupId, sent, found });
  }
}

/**
 * Group memberships read on demand and kept for the run: a group's member listing is read at most once, whether a
 * row names the group (`+Sales`) or gives a user's exact list (which needs every group's listing once: the platform
 * has no call that lists one user's groups with their versions). Shared by every row.
 */
export class GroupMemberships {
  private readonly read = new Map<string, Promise<Set<string>>>();

  constructor(
    private readonly deps: GroupReadDeps,
    /** Every group of the catalogue. */
    private readonly allGroupIds: readonly string[],
  ) {}

  /** The members (lower-cased user ids) of each group asked for. */
  async of(groupIds: Iterable<string>): Promise<Map<string, Set<string>>> {
    const wanted = [...new Set(groupIds)];
    const missing = wanted.filter((id) => !this.read.has(id));
    if (missing.length > 0) {
      const loaded = readGroupMembers(this.deps, missing);
      for (const id of missing) {
        const members = loaded.then((m) => m.get(id) ?? new Set<string>());
        // Awaited below, one at a time: the others' copies of a failure must not go unhandled meanwhile.
        members.catch(() => {});
        this.read.set(id, members);
      }
    }
    const out = new Map<string, Set<string>>();
    for (const id of wanted) out.set(id, await this.read.get(id)!);
    return out;
  }

  /** The groups a user is a member of, among all of the catalogue's. */
  async groupsOf(userId: string): Promise<Set<string>> {
    const all = await this.of(this.allGroupIds);
    const id = userId.toLowerCase();
    return new Set([...all].filter(([, members]) => members.has(id)).map(([groupId]) => groupId));
  }
}
