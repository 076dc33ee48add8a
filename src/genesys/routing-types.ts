/**
 * Platform shapes for routing and access: skills, languages, queues, roles, divisions and a user's
 * assignments of each. Nothing here imports the SDK.
 */

/** A named platform object as the list endpoints return it (skill, language, queue, role, division). */
export interface NamedEntity {
  id: string;
  name: string;
  state?: string;
  selfUri?: string;
}

export interface EntityListing<T> {
  entities: T[];
  pageSize: number;
  pageNumber: number;
  total: number;
  pageCount: number;
  nextUri?: string;
  firstUri?: string;
  selfUri?: string;
  previousUri?: string;
  lastUri?: string;
}

/** GET /api/v2/users/{id}/routingskills entity; PATCH|PUT …/routingskills/bulk takes `{id, proficiency}`. */
export interface UserRoutingSkill {
  id: string;
  name?: string;
  /** 0–5. */
  proficiency: number;
  state?: string;
  skillUri?: string;
}

/** GET /api/v2/users/{id}/routinglanguages entity; PATCH …/routinglanguages/bulk takes `{id, proficiency}`. */
export interface UserRoutingLanguage {
  id: string;
  name?: string;
  proficiency: number;
  state?: string;
  languageUri?: string;
}

/** GET /api/v2/routing/queues/{id}/members entity: `id` is the user's id. */
export interface QueueMember {
  id: string;
  name?: string;
  user?: { id: string; name?: string };
  joined?: boolean;
  memberBy?: string;
}

/**
 * GET /api/v2/routing/queues/{id}/members. The platform's `QueueMemberEntityListing` has no `total` or `pageCount`
 * (the SDK's model has neither): it is paged by `nextUri` (paging.ts).
 */
export type QueueMemberListing = Omit<EntityListing<QueueMember>, 'total' | 'pageCount'> & {
  total?: number;
  pageCount?: number;
};

/** A role granted in a division. */
export interface Grant {
  subjectId?: string;
  division: { id: string; name?: string };
  role: { id: string; name?: string };
}

/** Whether a user's grant is held through a group, which the platform names as its subject; else it is the user's own. */
export const heldThroughGroup = (g: Grant, userId: string): g is Grant & { subjectId: string } =>
  g.subjectId !== undefined && g.subjectId.toLowerCase() !== userId.toLowerCase();

/** GET /api/v2/authorization/subjects/{subjectId}. */
export interface AuthzSubject {
  id: string;
  name?: string;
  grants: Grant[];
}

/** One grant in a bulkadd / bulkremove / bulkreplace body. */
export interface GrantRef {
  roleId: string;
  divisionId: string;
}

export interface ProficiencyRef {
  id: string;
  proficiency: number;
}

/**
 * Most items one bulk call may carry. Skills, languages and queue members are documented by Genesys (SDK docs and
 * endpoint summaries); no limit is documented for moving objects to a division, and 50 is the emulator's assumption.
 */
export const BULK_LIMITS = {
  /** PATCH / PUT /api/v2/users/{id}/routingskills/bulk. */
  routingSkills: 50,
  /** PATCH /api/v2/users/{id}/routinglanguages/bulk. */
  routingLanguages: 50,
  /** POST /api/v2/routing/queues/{id}/members (add, or remove with delete=true). */
  queueMembers: 100,
  /** POST /api/v2/authorization/divisions/{id}/objects/USER (unconfirmed). */
  divisionObjects: 50,
} as const;

/** Proficiency of a routing skill or language: 0 to 5. */
export const PROFICIENCY_MIN = 0;
export const PROFICIENCY_MAX = 5;
