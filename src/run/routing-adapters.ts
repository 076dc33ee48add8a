/**
 * The platform calls behind each routing kind: how a catalogue is listed, and for a membership kind how its members
 * are read and written. A new membership kind (MEMBERSHIPS in input/routing-kinds.ts) adds its entry here; tsc
 * names every table that lacks it.
 */
import type { EntityListing, NamedEntity } from '../genesys/routing-types.js';
import type { ApiOutcome } from '../genesys/types.js';
import type { MembershipKind, RoutingKind } from '../input/index.js';
import { GroupVersions, type GroupWriteResult, writeGroupMembers } from './groups.js';
import type { Executor, RoutingPort } from './ports.js';

/** The most the platform gives per page on the routing and authorization lists. */
export const ROUTING_PAGE_SIZE = 100;

type Listing<E> = ApiOutcome<{ entities: E[]; pageCount?: number; nextUri?: string }>;

export interface CatalogueAdapter {
  /** For messages: `GET /api/v2/routing/skills`. */
  route: string;
  list(port: RoutingPort, pageNumber: number): Promise<ApiOutcome<EntityListing<NamedEntity>>>;
}

export interface MembershipAdapter {
  /** An entity's members, a page at a time: the user ids on it; `byGroup` when only a group makes them one. */
  members: {
    route: string;
    read(
      port: RoutingPort,
      entityId: string,
      pageNumber: number,
    ): Promise<Listing<{ userId: string; byGroup?: boolean }>>;
  };
  /**
   * The entities one user is a member of, a page at a time: needed only by a kind whose cells take an exact list
   * (see MembershipSpec.noExactList).
   */
  ofUser?: {
    route: string;
    read(port: RoutingPort, userId: string, pageNumber: number): Promise<Listing<{ entityId: string }>>;
  };
  /** Adds users to an entity (`remove`: takes them out). */
  write: {
    route(remove: boolean): string;
    send(port: RoutingPort, entityId: string, userIds: string[], remove: boolean): Promise<ApiOutcome<unknown>>;
    /**
     * A write that takes more than one request (a group's: its version, re-read on a conflict), run instead of
     * `send` through the executor; the entity's calls then run one after another. `beforeAttempt` journals the call.
     */
    apply?(ctx: VersionedWriteContext, entityId: string, userIds: string[], remove: boolean): Promise<GroupWriteResult>;
  };
}

export interface VersionedWriteContext {
  port: RoutingPort;
  executor: Executor;
  signal?: AbortSignal;
  beforeAttempt: () => Promise<void>;
}

/** The versions of the groups a port has listed: what a member add carries (see run/groups.ts). */
const groupVersions = new WeakMap<object, GroupVersions>();
export function versionsOf(port: RoutingPort): GroupVersions {
  let versions = groupVersions.get(port);
  if (versions === undefined) {
    versions = new GroupVersions();
    groupVersions.set(port, versions);
  }
  return versions;
}

const page = (pageNumber: number) => ({ pageNumber, pageSize: ROUTING_PAGE_SIZE });

export const CATALOGUES: Record<RoutingKind, CatalogueAdapter> = {
  skill: { route: 'GET /api/v2/routing/skills', list: (port, n) => port.listRoutingSkills(page(n)) },
  language: { route: 'GET /api/v2/routing/languages', list: (port, n) => port.listRoutingLanguages(page(n)) },
  queue: { route: 'GET /api/v2/routing/queues', list: (port, n) => port.listQueues(page(n)) },
  role: { route: 'GET /api/v2/authorization/roles', list: (port, n) => port.listRoles(page(n)) },
  division: { route: 'GET /api/v2/authorization/divisions', list: (port, n) => port.listDivisions(page(n)) },
  group: {
    route: 'GET /api/v2/groups',
    list: async (port, n) => {
      const outcome = await port.listGroups(page(n));
      if (outcome.ok) for (const g of outcome.body.entities) versionsOf(port).set(g.id, g.version);
      return outcome;
    },
  },
};

export const MEMBERSHIP_ADAPTERS: Record<MembershipKind, MembershipAdapter> = {
  queue: {
    members: {
      route: 'GET /api/v2/routing/queues/{queueId}/members',
      read: async (port, queueId, n) => {
        const outcome = await port.getQueueMembers(queueId, page(n));
        if (!outcome.ok) return outcome;
        const entities = outcome.body.entities.map((m) => ({
          userId: m.user?.id ?? m.id,
          ...(m.memberBy?.toLowerCase() === 'group' ? { byGroup: true } : {}),
        }));
        return { ...outcome, body: { ...outcome.body, entities } };
      },
    },
    write: {
      route: (remove) => `POST /api/v2/routing/queues/{queueId}/members${remove ? '?delete=true' : ''}`,
      send: (port, queueId, userIds, remove) => port.postQueueMembers(queueId, userIds, { remove }),
    },
  },
  group: {
    members: {
      route: 'GET /api/v2/groups/{groupId}/members',
      read: async (port, groupId, n) => {
        const outcome = await port.getGroupMembers(groupId, page(n));
        if (!outcome.ok) return outcome;
        const entities = outcome.body.entities.map((m) => ({ userId: m.id }));
        return { ...outcome, body: { ...outcome.body, entities } };
      },
    },
    ofUser: {
      route: 'GET /api/v2/users/{userId}?expand=groups',
      // One page: the expansion carries every group of the user.
      read: async (port, userId) => {
        const outcome = await port.getUserGroups(userId);
        if (!outcome.ok) return outcome;
        const entities = outcome.body.entities.map((g) => ({ entityId: g.id }));
        return { ...outcome, body: { ...outcome.body, entities } };
      },
    },
    write: {
      route: (remove) => `${remove ? 'DELETE' : 'POST'} /api/v2/groups/{groupId}/members`,
      // The engine uses `apply`; a lone add without a known version cannot be sent.
      send: (port, groupId, userIds, remove) => {
        if (remove) return port.removeGroupMembers(groupId, userIds);
        const version = versionsOf(port).get(groupId);
        if (version !== undefined) return port.addGroupMembers(groupId, userIds, version);
        return Promise.resolve({
          ok: false as const,
          kind: 'invalid' as const,
          rateLimit: {},
          message: `the version of group ${groupId} is not known: read the group first`,
          latencyMs: 0,
        });
      },
      apply: (ctx, groupId, userIds, remove) =>
        writeGroupMembers(
          {
            port: ctx.port,
            executor: ctx.executor,
            versions: versionsOf(ctx.port),
            beforeAttempt: ctx.beforeAttempt,
            ...(ctx.signal !== undefined ? { signal: ctx.signal } : {}),
          },
          { groupId, userIds, remove },
        ),
    },
  },
};
