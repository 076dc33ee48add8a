/**
 * The project's own view of the Genesys Cloud API: platform shapes and call outcomes.
 * Nothing here imports the SDK; only `src/genesys/client.ts` does.
 */

export type ContactMediaType = 'PHONE' | 'EMAIL' | 'SMS';
export type ContactType = 'PRIMARY' | 'WORK' | 'WORK2' | 'WORK3' | 'WORK4' | 'HOME' | 'MOBILE' | 'MAIN' | 'OTHER';

/** The platform's `Contact`: `address` and `extension` are mutually exclusive. */
export interface Contact {
  address?: string;
  display?: string;
  extension?: string;
  countryCode?: string;
  mediaType: ContactMediaType;
  type: ContactType;
}

export interface EmployerInfo {
  officialName?: string;
  employeeId?: string;
  employeeType?: string;
  /** ISO date, yyyy-MM-dd. */
  dateHire?: string;
}

/** An entry of a user's `locations` (the SDK's `Location`): `id` is the location's id (the catalogue's). */
export interface UserLocation {
  id: string;
  notes?: string;
  locationDefinition?: { id?: string; name?: string };
}

/** A location of the organisation (`GET /api/v2/locations`, the SDK's `LocationDefinition`). */
export interface LocationDefinition {
  id: string;
  name?: string;
  state?: string;
}

export interface LocationEntityListing {
  entities: LocationDefinition[];
  pageSize?: number;
  pageNumber?: number;
  total?: number;
  pageCount?: number;
  nextUri?: string;
}

/** An item of `PATCH /api/v2/users/bulk` (the SDK's `PatchUser`): that endpoint sets nothing else. */
export interface AutoAnswerPatch {
  id: string;
  acdAutoAnswer: boolean;
}

export type UserState = 'active' | 'inactive' | 'deleted';

export interface UserRef {
  id: string;
  selfUri?: string;
}

export interface Division {
  id: string;
  name?: string;
  selfUri?: string;
}

/** The subset of the platform's `User` that genesys-bulk reads and writes. */
export interface GenesysUser {
  id: string;
  name?: string;
  division?: Division;
  chat?: { jabberId?: string };
  department?: string;
  email?: string;
  primaryContactInfo?: Contact[];
  addresses?: Contact[];
  state: UserState;
  title?: string;
  username?: string;
  manager?: UserRef;
  version: number;
  preferredName?: string;
  employerInfo?: EmployerInfo;
  acdAutoAnswer?: boolean;
  /** An expansion (`expand=locations`): absent from a read that did not ask for it. */
  locations?: UserLocation[];
  /** An expansion (`expand=profileSkills`). */
  profileSkills?: string[];
  /** An expansion (`expand=certifications`). */
  certifications?: string[];
  selfUri?: string;
}

/**
 * The platform's `UpdateUser` body for PATCH /api/v2/users/{id}. `version` is required and must equal the
 * user's current version. Array fields replace the user's whole array. `state`, if sent, must be alone
 * (with `version`). `manager` is a user id; an empty string clears it.
 */
export interface UserPatch {
  version: number;
  name?: string;
  department?: string;
  email?: string;
  addresses?: Contact[];
  title?: string;
  username?: string;
  preferredName?: string;
  manager?: string;
  state?: 'active' | 'inactive';
  employerInfo?: EmployerInfo;
  acdAutoAnswer?: boolean;
  /** Replaces the user's whole list, like `addresses`. */
  locations?: { id: string; notes?: string }[];
  profileSkills?: string[];
  certifications?: string[];
}

/**
 * The platform's `CreateUser` body for POST /api/v2/users: `name`, `email` and `divisionId` required. The SDK's
 * typing also has `password`, which this tool never sends (passwords never come from files).
 */
export interface CreateUserBody {
  name: string;
  email: string;
  divisionId: string;
  department?: string;
  title?: string;
  addresses?: Contact[];
  state?: 'active' | 'inactive';
}

/** A page of users, as GET /api/v2/users returns it. */
export interface UserEntityListing {
  entities: GenesysUser[];
  pageSize: number;
  pageNumber: number;
  total: number;
  pageCount: number;
  firstUri?: string;
  selfUri?: string;
  nextUri?: string;
  previousUri?: string;
  lastUri?: string;
}

export type SearchCriterionType = 'EXACT' | 'TERM' | 'TERMS' | 'STARTS_WITH' | 'CONTAINS';

export interface UserSearchCriterion {
  type: SearchCriterionType;
  fields?: string[];
  value?: string;
  values?: string[];
  operator?: 'AND' | 'OR' | 'NOT';
}

export interface UserSearchRequest {
  query: UserSearchCriterion[];
  pageSize?: number;
  pageNumber?: number;
  expand?: string[];
}

export interface UsersSearchResponse {
  total: number;
  pageCount: number;
  pageSize: number;
  pageNumber: number;
  results: GenesysUser[];
  types?: string[];
  previousPage?: string;
  currentPage?: string;
  nextPage?: string;
}

/** Values of the `inin-ratelimit-*` response headers, when present. */
export interface RateLimitHeaders {
  /** `inin-ratelimit-allowed`: requests allowed in the window. */
  allowed?: number;
  /** `inin-ratelimit-count`: requests used in the current window. */
  count?: number;
  /** `inin-ratelimit-reset`: seconds until the window resets. */
  resetSeconds?: number;
}

/**
 * Why a call failed, in the terms the governor and the runner act on:
 * - rate_limited: 429; wait `retryAfterSeconds` (everyone), then retry.
 * - conflict: 409, 408, or a 400 saying the version does not match; re-read and re-apply.
 * - auth: 401; re-authenticate, then retry.
 * - permission: 403; never retried.
 * - not_found: 404; never retried.
 * - invalid: 400/422 (other than a version mismatch); never retried.
 * - server: 5xx; retried with backoff.
 * - network: no response (reset, refused, DNS); retried with backoff. The request may have been applied.
 * - timeout: no response in time; retried with backoff. The request may have been applied.
 * - redirect: a 3xx; never followed (it could send the credentials or the body elsewhere), never retried.
 */
export type ErrorKind =
  | 'rate_limited'
  | 'conflict'
  | 'auth'
  | 'permission'
  | 'not_found'
  | 'invalid'
  | 'server'
  | 'network'
  | 'timeout'
  | 'redirect'
  /** A success (2xx) whose body is not what the call returns: not transient, so never retried. */
  | 'unexpected';

interface OutcomeBase {
  /** HTTP status; undefined when no response arrived. */
  status?: number;
  rateLimit: RateLimitHeaders;
  /** `Retry-After` in seconds, when the response carried one. */
  retryAfterSeconds?: number;
  /** Time from sending the request to its outcome, in ms. */
  latencyMs: number;
}

export interface ApiSuccess<T> extends OutcomeBase {
  ok: true;
  status: number;
  body: T;
}

export interface ApiFailure extends OutcomeBase {
  ok: false;
  kind: ErrorKind;
  /** The platform's error `code`, e.g. `too.many.requests.retry.after`, `bad.credentials`. */
  code?: string;
  /** A human-readable message; never contains a secret or token. */
  message: string;
  contextId?: string;
  /** Set on a failure of the login (the token request), so a caller can tell "cannot log in" from a failed call. */
  login?: boolean;
}

export type ApiOutcome<T> = ApiSuccess<T> | ApiFailure;

/** A call the governor can run, retry and pace. The signal aborts the request. */
export type ApiCall<T> = (signal?: AbortSignal) => Promise<ApiOutcome<T>>;
