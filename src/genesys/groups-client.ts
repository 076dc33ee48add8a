/**
 * The SDK adapter's groups calls (GroupsApi): the list, one group, its members, adding and removing members. Built
 * by client.ts with its call helpers, so that every outcome is classified and scrubbed the same way.
 */
import type { Accepted } from './answers.js';
import type { CallContext } from './classify.js';
import type { EntityListing } from './routing-types.js';
import { isRecord } from './shapes.js';
import type { ApiFailure, ApiOutcome } from './types.js';

/** A group as `GET /api/v2/groups` and `GET /api/v2/groups/{id}` return it. */
export interface GenesysGroup {
  id: string;
  name: string;
  /** Changes with every change of the group, its members included; `POST …/members` must carry the current one. */
  version: number;
  memberCount?: number;
  state?: string;
  selfUri?: string;
}

/** A member as `GET /api/v2/groups/{id}/members` returns it: a user. */
export interface GroupMember {
  id: string;
  name?: string;
  email?: string;
  state?: string;
}

/**
 * Member ids per add or remove. The platform documents no limit for adding; 50 is what the SDK's documentation of
 * removal (`ids`, comma-separated) is believed to allow (unconfirmed), and the emulator enforces it for both.
 */
export const GROUP_MEMBERS_PER_CALL = 50;

export interface GroupsCalls {
  /** GET /api/v2/groups: the organisation's groups, a page at a time (at most 100 a page, assumed). */
  listGroups(opts: {
    pageNumber: number;
    pageSize: number;
    signal?: AbortSignal;
  }): Promise<ApiOutcome<EntityListing<GenesysGroup>>>;
  /** GET /api/v2/groups/{groupId}: the group with its current `version`. */
  getGroup(groupId: string, opts?: { signal?: AbortSignal }): Promise<ApiOutcome<GenesysGroup>>;
  /** GET /api/v2/groups/{groupId}/members: its members (users), a page at a time. */
  getGroupMembers(
    groupId: string,
    opts: { pageNumber: number; pageSize: number; signal?: AbortSignal },
  ): Promise<ApiOutcome<EntityListing<GroupMember>>>;
  /** POST /api/v2/groups/{groupId}/members `{memberIds, version}`: a stale version is a `conflict` (409). */
  addGroupMembers(
    groupId: string,
    userIds: string[],
    version: number,
    opts?: { signal?: AbortSignal },
  ): Promise<ApiOutcome<void>>;
  /**
   * GET /api/v2/users/{userId}?expand=groups: the groups a user is a member of, as one page (`entities` the groups).
   * The platform calls expansions best effort: a user returned without `groups` is a failure here, never "none".
   */
  getUserGroups(userId: string, opts?: { signal?: AbortSignal }): Promise<ApiOutcome<EntityListing<{ id: string }>>>;
  /** DELETE /api/v2/groups/{groupId}/members?ids=a,b,c: takes no version. */
  removeGroupMembers(groupId: string, userIds: string[], opts?: { signal?: AbortSignal }): Promise<ApiOutcome<void>>;
}

/** The SDK's GroupsApi, as far as it is used here. */
export interface SdkGroupsApi {
  getGroups(opts: { pageNumber: number; pageSize: number }): Promise<unknown>;
  getGroup(groupId: string): Promise<unknown>;
  getGroupMembers(groupId: string, opts: { pageNumber: number; pageSize: number }): Promise<unknown>;
  postGroupMembers(groupId: string, body: { memberIds: string[]; version?: number }): Promise<unknown>;
  deleteGroupMembers(groupId: string, ids: string): Promise<unknown>;
}

/** The SDK's UsersApi call that expands a user's groups. */
export interface SdkUserGroupsApi {
  getUser(userId: string, opts: { expand: string[] }): Promise<unknown>;
}

export interface AdapterHelpers {
  context(operation: string, permission?: string, otherDenial?: string): CallContext;
  call<T>(
    ctx: CallContext,
    options: { signal?: AbortSignal } | undefined,
    invoke: () => Promise<unknown>,
    accept: (body: unknown) => Accepted<T>,
  ): Promise<ApiOutcome<T>>;
  callVoid(
    ctx: CallContext,
    options: { signal?: AbortSignal } | undefined,
    invoke: () => Promise<unknown>,
  ): Promise<ApiOutcome<void>>;
  invalid(ctx: CallContext, why: string): ApiFailure;
}

function acceptGroup(body: unknown): GenesysGroup | undefined {
  return isRecord(body) &&
    typeof body.id === 'string' &&
    typeof body.name === 'string' &&
    Number.isInteger(body.version)
    ? (body as unknown as GenesysGroup)
    : undefined;
}

function acceptList<T>(each: (e: unknown) => boolean): (body: unknown) => EntityListing<T> | undefined {
  return (body) => {
    if (!isRecord(body)) return undefined;
    if (body.entities === undefined) return { ...body, entities: [] } as unknown as EntityListing<T>;
    return Array.isArray(body.entities) && body.entities.every(each)
      ? (body as unknown as EntityListing<T>)
      : undefined;
  };
}

const hasId = (e: unknown) => isRecord(e) && typeof e.id === 'string';

const badIds = (ids: readonly string[]): string | undefined => {
  if (ids.length === 0) return 'no member id';
  const bad = ids.find((id) => typeof id !== 'string' || id === '' || id.includes(','));
  if (bad !== undefined) return `member id ${JSON.stringify(bad)} is empty or contains a comma`;
  if (ids.length > GROUP_MEMBERS_PER_CALL) return `${ids.length} member ids (at most ${GROUP_MEMBERS_PER_CALL})`;
  return undefined;
};

/** A user expanded with its groups, as one page of group refs; undefined when the expansion is missing. */
function acceptUserGroups(body: unknown): EntityListing<{ id: string }> | undefined {
  if (!isRecord(body) || typeof body.id !== 'string' || !Array.isArray(body.groups)) return undefined;
  if (!body.groups.every(hasId)) return undefined;
  const entities = (body.groups as { id: string }[]).map((g) => ({ id: g.id }));
  return { entities, pageSize: Math.max(1, entities.length), pageNumber: 1, total: entities.length, pageCount: 1 };
}

export function groupsCalls(h: AdapterHelpers, groups: SdkGroupsApi, users: SdkUserGroupsApi): GroupsCalls {
  const path = (id: string) => encodeURIComponent(id);
  return {
    listGroups(options) {
      const { pageNumber, pageSize } = options;
      return h.call(
        h.context('GET /api/v2/groups', 'directory:group:view'),
        options,
        () => groups.getGroups({ pageNumber, pageSize }),
        acceptList<GenesysGroup>((e) => acceptGroup(e) !== undefined),
      );
    },
    getGroup(groupId, options) {
      return h.call(
        h.context(`GET /api/v2/groups/${path(groupId)}`, 'directory:group:view'),
        options,
        () => groups.getGroup(groupId),
        acceptGroup,
      );
    },
    getGroupMembers(groupId, options) {
      const { pageNumber, pageSize } = options;
      return h.call(
        h.context(`GET /api/v2/groups/${path(groupId)}/members`, 'directory:group:view'),
        options,
        () => groups.getGroupMembers(groupId, { pageNumber, pageSize }),
        acceptList<GroupMember>(hasId),
      );
    },
    addGroupMembers(groupId, userIds, version, options) {
      const ctx = h.context(`POST /api/v2/groups/${path(groupId)}/members`, 'directory:group:edit');
      const bad = badIds(userIds) ?? (Number.isInteger(version) ? undefined : `version ${version}`);
      if (bad !== undefined) return Promise.resolve(h.invalid(ctx, bad));
      return h.callVoid(ctx, options, () => groups.postGroupMembers(groupId, { memberIds: [...userIds], version }));
    },
    getUserGroups(userId, options) {
      return h.call(
        h.context(`GET /api/v2/users/${path(userId)}?expand=groups`, 'directory:group:view'),
        options,
        () => users.getUser(userId, { expand: ['groups'] }),
        acceptUserGroups,
      );
    },
    removeGroupMembers(groupId, userIds, options) {
      const ctx = h.context(`DELETE /api/v2/groups/${path(groupId)}/members`, 'directory:group:edit');
      const bad = badIds(userIds);
      if (bad !== undefined) return Promise.resolve(h.invalid(ctx, bad));
      return h.callVoid(ctx, options, () => groups.deleteGroupMembers(groupId, userIds.join(',')));
    },
  };
}
