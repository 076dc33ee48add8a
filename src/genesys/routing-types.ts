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

/** A role granted in a division. */
export interface Grant {
  subjectId?: string;
  division: { id: string; name?: string };
  role: { id: string; name?: string };
}

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
