/**
 * What the SDK adapter (client.ts) offers the rest of the tool: every platform call the tool makes, each resolving to
 * an `ApiOutcome` and never throwing. The run layer's ports (run/ports.ts) are slices of it.
 */
import type { GroupsCalls } from './groups-client.js';
import type {
  AuthzSubject,
  EntityListing,
  GrantRef,
  NamedEntity,
  ProficiencyRef,
  QueueMemberListing,
  UserRoutingLanguage,
  UserRoutingSkill,
} from './routing-types.js';
import type {
  ApiOutcome,
  AutoAnswerPatch,
  CreateUserBody,
  GenesysUser,
  LocationEntityListing,
  UserEntityListing,
  UserPatch,
  UserSearchRequest,
  UsersSearchResponse,
} from './types.js';

export interface GenesysClientOptions {
  clientId: string;
  clientSecret: string;
  /** A region key such as `eu_west_1` or a domain such as `mypurecloud.ie`. Ignored when baseUrl is set. */
  region?: string;
  /** e.g. `http://127.0.0.1:4010` (the emulator) or `https://api.example`; plain http only for loopback hosts. */
  baseUrl?: string;
  /** Per-request timeout in ms (default 30000). */
  timeoutMs?: number;
}

/** Per-call options. Aborting the signal cancels the request: a `network` failure with code `ERR_CANCELED`. */
export interface CallOptions {
  signal?: AbortSignal;
}

/** Options of the calls that read many users. */
export interface UserReadOptions extends CallOptions {
  /**
   * What of each user the caller keeps, applied as the answer is parsed: the rest of a page of 500 users (contact
   * lists, chat, links) is then garbage before the page reaches the caller, instead of after (issue #12).
   */
  project?: (user: GenesysUser) => GenesysUser;
}

export type UserStateFilter = 'active' | 'inactive' | 'deleted' | 'any';

/** One page of a list. The platform's page size is at most 100 for the routing and authorization lists. */
export interface PageOptions extends CallOptions {
  pageNumber: number;
  pageSize: number;
}

/**
 * A catalogue list page. `name` is passed to the platform as is; what it matches differs by list (skills: names
 * starting with it; queues: the whole name, `*` allowed at either end), so compare names in the results.
 */
export interface NamedListOptions extends PageOptions {
  name?: string;
}

/** No bulkreplace: a plain list is written as its grants and revocations (plan/routing.ts says why). */
export type GrantOperation = 'add' | 'remove';

export interface GenesysClient extends GroupsCalls {
  /**
   * Where calls go, for messages: e.g. `https://api.mypurecloud.ie` or `http://127.0.0.1:4010`. Never contains
   * credentials.
   */
  readonly target: string;
  /**
   * Client-credentials login for one lane (default 0). On success, later calls on that lane use the new token; the
   * other lanes keep theirs.
   */
  authenticate(opts?: CallOptions & { lane?: number }): Promise<ApiOutcome<{ expiresInSeconds: number }>>;
  /** Epoch ms at which a lane's token (default lane 0) expires (from expires_in), undefined before its first login. */
  tokenExpiresAt(lane?: number): number | undefined;
  /** Runs `fn`, and every call it makes through this client, with `lane`'s token (see tokens.ts). */
  onLane<T>(lane: number, fn: () => Promise<T>): Promise<T>;
  /**
   * GET /api/v2/users?id=…: the users with these ids, in one page (pageSize = ids.length). The platform's cap on ids
   * per call is unconfirmed; callers send at most 100. An empty list is refused (it would list every user).
   */
  getUsersByIds(
    ids: string[],
    opts?: { state?: UserStateFilter; expand?: string[] } & UserReadOptions,
  ): Promise<ApiOutcome<UserEntityListing>>;
  /** `expand` (e.g. skills, languages) is best effort on the platform: an expanded field may be missing. */
  listUsers(
    opts: { pageNumber: number; pageSize: number; state?: UserStateFilter; expand?: string[] } & UserReadOptions,
  ): Promise<ApiOutcome<UserEntityListing>>;
  /** POST /api/v2/users/search. `results` is always an array (the platform omits it when nothing matched). */
  searchUsers(body: UserSearchRequest, opts?: UserReadOptions): Promise<ApiOutcome<UsersSearchResponse>>;
  /** `expand` as for listUsers (e.g. locations, profileSkills, certifications, which a user lacks without it). */
  getUser(id: string, opts?: { expand?: string[] } & CallOptions): Promise<ApiOutcome<GenesysUser>>;
  patchUser(id: string, patch: UserPatch, opts?: CallOptions): Promise<ApiOutcome<GenesysUser>>;
  /** POST /api/v2/users: the new user (with its id and version). Not idempotent: a lost answer needs a search. */
  createUser(body: CreateUserBody, opts?: CallOptions): Promise<ApiOutcome<GenesysUser>>;
  /** DELETE /api/v2/users/{userId}: the user moves to the deleted state. */
  deleteUser(id: string, opts?: CallOptions): Promise<ApiOutcome<void>>;
  /** POST /api/v2/users/{userId}/invite: sends the user the platform's invitation email. */
  inviteUser(id: string, opts?: CallOptions): Promise<ApiOutcome<void>>;
  /** PATCH /api/v2/users/bulk: sets `acdAutoAnswer` of up to 50 users at once (it takes no version and no other field). */
  patchUsersAutoAnswer(items: AutoAnswerPatch[], opts?: CallOptions): Promise<ApiOutcome<UserEntityListing>>;
  /** GET /api/v2/locations: the organisation's locations. */
  listLocations(opts: PageOptions): Promise<ApiOutcome<LocationEntityListing>>;

  /** GET /api/v2/routing/skills. */
  listRoutingSkills(opts: NamedListOptions): Promise<ApiOutcome<EntityListing<NamedEntity>>>;
  /** GET /api/v2/routing/languages. */
  listRoutingLanguages(opts: NamedListOptions): Promise<ApiOutcome<EntityListing<NamedEntity>>>;
  /** GET /api/v2/routing/queues. */
  listQueues(opts: NamedListOptions): Promise<ApiOutcome<EntityListing<NamedEntity>>>;
  /** GET /api/v2/authorization/roles. */
  listRoles(opts: NamedListOptions): Promise<ApiOutcome<EntityListing<NamedEntity>>>;
  /** GET /api/v2/authorization/divisions. */
  listDivisions(opts: NamedListOptions): Promise<ApiOutcome<EntityListing<NamedEntity>>>;
  /** GET /api/v2/users/{userId}/routingskills. */
  getUserRoutingSkills(userId: string, opts: PageOptions): Promise<ApiOutcome<EntityListing<UserRoutingSkill>>>;
  /** GET /api/v2/users/{userId}/routinglanguages. */
  getUserRoutingLanguages(userId: string, opts: PageOptions): Promise<ApiOutcome<EntityListing<UserRoutingLanguage>>>;
  /**
   * GET /api/v2/routing/queues/{queueId}/members; each entity's `id` is the user's id. The platform's listing has no
   * `total`: paged by its `nextUri` (genesys/paging.ts).
   */
  getQueueMembers(queueId: string, opts: PageOptions): Promise<ApiOutcome<QueueMemberListing>>;
  /** GET /api/v2/authorization/subjects/{subjectId}: a user's role grants. `grants` is always an array. */
  getSubject(subjectId: string, opts?: CallOptions): Promise<ApiOutcome<AuthzSubject>>;
  /** PATCH /api/v2/users/{userId}/routingskills/bulk: adds skills or updates their proficiency (at most 50). */
  patchUserRoutingSkills(
    userId: string,
    skills: ProficiencyRef[],
    opts?: CallOptions,
  ): Promise<ApiOutcome<EntityListing<UserRoutingSkill>>>;
  /** DELETE /api/v2/users/{userId}/routingskills/{skillId}. */
  deleteUserRoutingSkill(userId: string, skillId: string, opts?: CallOptions): Promise<ApiOutcome<void>>;
  /** PATCH /api/v2/users/{userId}/routinglanguages/bulk: adds languages or updates their proficiency (at most 50). */
  patchUserRoutingLanguages(
    userId: string,
    languages: ProficiencyRef[],
    opts?: CallOptions,
  ): Promise<ApiOutcome<EntityListing<UserRoutingLanguage>>>;
  /** DELETE /api/v2/users/{userId}/routinglanguages/{languageId}. */
  deleteUserRoutingLanguage(userId: string, languageId: string, opts?: CallOptions): Promise<ApiOutcome<void>>;
  /**
   * POST /api/v2/routing/queues/{queueId}/members with body `[{id: userId}]` (at most 100): adds the users, or with
   * `remove` removes them (`delete=true`).
   */
  postQueueMembers(
    queueId: string,
    userIds: string[],
    opts: { remove: boolean } & CallOptions,
  ): Promise<ApiOutcome<void>>;
  /** POST /api/v2/authorization/subjects/{subjectId}/bulkadd | bulkremove with `{grants}`. */
  grantsBulk(
    subjectId: string,
    operation: GrantOperation,
    grants: GrantRef[],
    opts?: CallOptions,
  ): Promise<ApiOutcome<void>>;
  /** POST /api/v2/authorization/divisions/{divisionId}/objects/USER with the user ids as the body. */
  moveUsersToDivision(divisionId: string, userIds: string[], opts?: CallOptions): Promise<ApiOutcome<void>>;
}
