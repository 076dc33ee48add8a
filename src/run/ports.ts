import type { GrantOperation, NamedListOptions, PageOptions } from '../genesys/api.js';
import type { GroupsCalls } from '../genesys/groups-client.js';
import type {
  AuthzSubject,
  EntityListing,
  GrantRef,
  NamedEntity,
  ProficiencyRef,
  QueueMemberListing,
  UserRoutingLanguage,
  UserRoutingSkill,
} from '../genesys/routing-types.js';
import type {
  ApiCall,
  ApiOutcome,
  AutoAnswerPatch,
  CreateUserBody,
  GenesysUser,
  LocationEntityListing,
  UserEntityListing,
  UserPatch,
  UserSearchRequest,
  UsersSearchResponse,
} from '../genesys/types.js';

/** What the runner needs of the governor: run a call under pacing, retries and re-authentication. */
export interface Executor {
  execute<T>(
    call: ApiCall<T>,
    opts?: { signal?: AbortSignal; unrepeatable?: boolean },
  ): Promise<{ outcome: ApiOutcome<T>; attempts: number }>;
  /** The governor's in-flight figure, which sizes the pools of reads (pool.ts); `lanes`: one per token, if several. */
  stats?(): { concurrency: number; lanes?: readonly unknown[] };
}

/** What of a user a reader keeps. */
export type Projection = (user: GenesysUser) => GenesysUser;

/** What the runner needs of the SDK adapter. */
export interface UsersPort {
  getUsersByIds(
    ids: string[],
    opts?: { state?: 'active' | 'inactive' | 'deleted' | 'any'; expand?: string[]; project?: Projection },
  ): Promise<ApiOutcome<UserEntityListing>>;
  /** `project`, where the port can, is applied to each user as the page is parsed (see GenesysClient). */
  listUsers(opts: {
    pageNumber: number;
    pageSize: number;
    state?: 'active' | 'inactive' | 'deleted' | 'any';
    expand?: string[];
    project?: Projection;
  }): Promise<ApiOutcome<UserEntityListing>>;
  searchUsers(body: UserSearchRequest, opts?: { project?: Projection }): Promise<ApiOutcome<UsersSearchResponse>>;
  getUser(id: string, opts?: { expand?: string[] }): Promise<ApiOutcome<GenesysUser>>;
  patchUser(id: string, patch: UserPatch): Promise<ApiOutcome<GenesysUser>>;
  /** Optional so that a profile-only fake need not have them: the runs that need them are given the client. */
  patchUsersAutoAnswer?(items: AutoAnswerPatch[]): Promise<ApiOutcome<UserEntityListing>>;
  listLocations?(opts: { pageNumber: number; pageSize: number }): Promise<ApiOutcome<LocationEntityListing>>;
}

/** What creating users (update --create) and deleting them (its rollback) need of the SDK adapter. */
export interface LifecyclePort {
  createUser(body: CreateUserBody): Promise<ApiOutcome<GenesysUser>>;
  deleteUser(id: string): Promise<ApiOutcome<unknown>>;
  inviteUser(id: string): Promise<ApiOutcome<unknown>>;
  getUser(id: string): Promise<ApiOutcome<GenesysUser>>;
  searchUsers(body: UserSearchRequest): Promise<ApiOutcome<UsersSearchResponse>>;
}

/**
 * What the runner needs of the SDK adapter for the routing and access columns. Kept apart from UsersPort so that a
 * profile-only fake need not implement it.
 */
export interface RoutingPort extends GroupsPort {
  listRoutingSkills(opts: NamedListOptions): Promise<ApiOutcome<EntityListing<NamedEntity>>>;
  listRoutingLanguages(opts: NamedListOptions): Promise<ApiOutcome<EntityListing<NamedEntity>>>;
  listQueues(opts: NamedListOptions): Promise<ApiOutcome<EntityListing<NamedEntity>>>;
  listRoles(opts: NamedListOptions): Promise<ApiOutcome<EntityListing<NamedEntity>>>;
  listDivisions(opts: NamedListOptions): Promise<ApiOutcome<EntityListing<NamedEntity>>>;
  getUserRoutingSkills(userId: string, opts: PageOptions): Promise<ApiOutcome<EntityListing<UserRoutingSkill>>>;
  getUserRoutingLanguages(userId: string, opts: PageOptions): Promise<ApiOutcome<EntityListing<UserRoutingLanguage>>>;
  getQueueMembers(queueId: string, opts: PageOptions): Promise<ApiOutcome<QueueMemberListing>>;
  getSubject(subjectId: string): Promise<ApiOutcome<AuthzSubject>>;
  patchUserRoutingSkills(userId: string, skills: ProficiencyRef[]): Promise<ApiOutcome<unknown>>;
  deleteUserRoutingSkill(userId: string, skillId: string): Promise<ApiOutcome<unknown>>;
  patchUserRoutingLanguages(userId: string, languages: ProficiencyRef[]): Promise<ApiOutcome<unknown>>;
  deleteUserRoutingLanguage(userId: string, languageId: string): Promise<ApiOutcome<unknown>>;
  postQueueMembers(queueId: string, userIds: string[], opts: { remove: boolean }): Promise<ApiOutcome<unknown>>;
  grantsBulk(subjectId: string, operation: GrantOperation, grants: GrantRef[]): Promise<ApiOutcome<unknown>>;
  moveUsersToDivision(divisionId: string, userIds: string[]): Promise<ApiOutcome<unknown>>;
}

/** What the runner needs of the SDK adapter for the groups column: the GroupsApi calls. */
export type GroupsPort = GroupsCalls;
