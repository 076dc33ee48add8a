/**
 * The platform calls behind each routing kind: how a catalogue is listed, and for a membership kind how its members
 * are read and written. A new membership kind (MEMBERSHIPS in input/routing-kinds.ts) adds its entry here; tsc
 * names every table that lacks it.
 */
import type { EntityListing, NamedEntity } from '../genesys/routing-types.js';
import type { ApiOutcome } from '../genesys/types.js';
import type { MembershipKind, RoutingKind } from '../input/index.js';
import type { RoutingPort } from './ports.js';

/** The most the platform gives per page on the routing and authorization lists. */
export const ROUTING_PAGE_SIZE = 100;

type Listing<E> = ApiOutcome<{ entities: E[]; pageCount?: number; nextUri?: string }>;

export interface CatalogueAdapter {
  /** For messages: `GET /api/v2/routing/skills`. */
  route: string;
  list(port: RoutingPort, pageNumber: number): Promise<ApiOutcome<EntityListing<NamedEntity>>>;
}

export interface MembershipAdapter {
  /** An entity's members, a page at a time: the user ids on it. */
  members: {
    route: string;
    read(port: RoutingPort, entityId: string, pageNumber: number): Promise<Listing<{ userId: string }>>;
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
  };
}

const page = (pageNumber: number) => ({ pageNumber, pageSize: ROUTING_PAGE_SIZE });

export const CATALOGUES: Record<RoutingKind, CatalogueAdapter> = {
  skill: { route: 'GET /api/v2/routing/skills', list: (port, n) => port.listRoutingSkills(page(n)) },
  language: { route: 'GET /api/v2/routing/languages', list: (port, n) => port.listRoutingLanguages(page(n)) },
  queue: { route: 'GET /api/v2/routing/queues', list: (port, n) => port.listQueues(page(n)) },
  role: { route: 'GET /api/v2/authorization/roles', list: (port, n) => port.listRoles(page(n)) },
  division: { route: 'GET /api/v2/authorization/divisions', list: (port, n) => port.listDivisions(page(n)) },
};

export const MEMBERSHIP_ADAPTERS: Record<MembershipKind, MembershipAdapter> = {
  queue: {
    members: {
      route: 'GET /api/v2/routing/queues/{queueId}/members',
      read: async (port, queueId, n) => {
        const outcome = await port.getQueueMembers(queueId, page(n));
        if (!outcome.ok) return outcome;
        const entities = outcome.body.entities.map((m) => ({ userId: m.user?.id ?? m.id }));
        return { ...outcome, body: { ...outcome.body, entities } };
      },
    },
    write: {
      route: (remove) => `POST /api/v2/routing/queues/{queueId}/members${remove ? '?delete=true' : ''}`,
      send: (port, queueId, userIds, remove) => port.postQueueMembers(queueId, userIds, { remove }),
    },
  },
};
