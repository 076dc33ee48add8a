import type {
  ApiCall,
  ApiOutcome,
  GenesysUser,
  UserEntityListing,
  UserPatch,
  UserSearchRequest,
  UsersSearchResponse,
} from '../genesys/types.js';

/** What the runner needs of the governor: run a call under pacing, retries and re-authentication. */
export interface Executor {
  execute<T>(call: ApiCall<T>, opts?: { signal?: AbortSignal }): Promise<{ outcome: ApiOutcome<T>; attempts: number }>;
}

/** What the runner needs of the SDK adapter. */
export interface UsersPort {
  getUsersByIds(
    ids: string[],
    opts?: { state?: 'active' | 'inactive' | 'deleted' | 'any' },
  ): Promise<ApiOutcome<UserEntityListing>>;
  listUsers(opts: {
    pageNumber: number;
    pageSize: number;
    state?: 'active' | 'inactive' | 'deleted' | 'any';
  }): Promise<ApiOutcome<UserEntityListing>>;
  searchUsers(body: UserSearchRequest): Promise<ApiOutcome<UsersSearchResponse>>;
  getUser(id: string): Promise<ApiOutcome<GenesysUser>>;
  patchUser(id: string, patch: UserPatch): Promise<ApiOutcome<GenesysUser>>;
}
