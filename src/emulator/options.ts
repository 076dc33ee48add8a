/** The emulator's options, their defaults and their validation (shared by the in-process API, the CLI and
 * POST /__emulator/config). */
import { z } from 'zod';
import type { GenesysUser } from '../genesys/types.js';
import type { GroupOption } from './groups.js';
import { RATE_LIMIT_ALGORITHMS, type RateLimitAlgorithm } from './limiter.js';
import { HEADER_MODELS, type HeaderModel } from './rate-headers.js';
import type { CatalogueEntry, QueueOption, UserAssignments } from './routing.js';
import { CONCURRENT_EDIT_FIELDS, type ConcurrentEditField } from './store.js';

export interface FaultOptions {
  /** Share of /api requests answered 502 (an HTML gateway page) instead of being handled. */
  error502Rate: number;
  /** Share of /api requests answered 503 instead of being handled. */
  error503Rate: number;
  /** Share of those 503s that carry `Retry-After`. */
  error503RetryAfterRate: number;
  /** `Retry-After` of a 503 that carries one: whole seconds, uniform in [min, max]. */
  error503RetryAfterSeconds: [number, number];
  /**
   * Share of applied writes (a PATCH, a creation or deletion, a routing, grants or group write) whose connection is
   * destroyed after the write, with no response.
   */
  dropAfterWriteRate: number;
  /**
   * Share of successful user creations (POST /api/v2/users) whose connection is destroyed once the user exists, with
   * no response: the client cannot tell whether the user was created.
   */
  dropAfterCreateRate: number;
  /**
   * Share of applied writes answered 504 (a gateway's HTML page) instead of their response: the gateway gave up
   * waiting, the write stands. The client cannot tell it from a 504 before the write.
   */
  timeoutAfterWriteRate: number;
  /** Share of PATCHes to an existing user before which "another admin" edits that user. */
  concurrentEditRate: number;
  /** Fields such an edit changes, one drawn at random per edit. */
  concurrentEditFields: ConcurrentEditField[];
  /** Whether latency and 502/503 faults also apply to the token endpoint. */
  tokenFaults: boolean;
  /**
   * Permissions the OAuth client lacks. `telephony:extension:assign`: a PATCH that sets or changes a phone entry's
   * extension is refused with 403 (other PATCHes pass). Default none.
   */
  deniedPermissions: string[];
  /** Whether a 403 names the missing permission (`missing.permissions`), as the platform's usually do. Default true. */
  namePermissions: boolean;
  /**
   * Role ids the OAuth client may not give or take away (a role above its own): a grants write (`bulkadd`,
   * `bulkremove`, `bulkreplace`) that would add or remove a grant of one is refused with 403 and changes nothing.
   * Default none.
   */
  ungrantableRoles: string[];
  /**
   * Share of the `skills`, `languages` and `groups` expansions a user list (`GET /api/v2/users`, by id or not) leaves
   * out of a user's entry though `expand` asked for them: one draw per user and expansion. The platform calls
   * expansions best effort; a client must then read what is missing another way. Default 0.
   */
  expandOmitRate: number;
}

/** Everything that can change while the emulator runs. */
export interface EmulatorConfig extends FaultOptions {
  /** Requests per window per access token (for the bucket: capacity). */
  limit: number;
  windowSeconds: number;
  algorithm: RateLimitAlgorithm;
  /** Whether /api responses carry the `inin-ratelimit-*` headers (false: as `headerModel: 'absent'`). */
  rateLimitHeaders: boolean;
  /** Whether a 429 carries them too (the platform's 429s are not known to): false leaves them off 429s only. */
  rateLimitHeadersOn429: boolean;
  /** `bucket` and `gcra`: capacity as a fraction of `limit`, in (0, 1]. */
  burst: number;
  /** What the headers say: the limiter's state, nothing, its state scaled to the quota, or its state a while ago. */
  headerModel: HeaderModel;
  /** `stale` headers lag this far behind. */
  headerLagMs: number;
  /** `fixed-clock` and `sliding-counter`: windows start at this offset (ms) on the emulator's clock. */
  windowOriginMs: number;
  /** Latency added to each handled /api request: ms, uniform in [min, max]. */
  latencyMs: [number, number];
  /** Lifetime of an issued access token (`expires_in`). */
  tokenLifetimeSeconds: number;
  /** `code` of the 401 to an expired token: `bad.credentials` is unconfirmed. */
  expiredTokenCode: string;
  /** Tokens the token endpoint issues per `tokenIssueWindowSeconds` (a sliding log); 0: no limit. */
  tokenIssueLimit: number;
  tokenIssueWindowSeconds: number;
  /**
   * Requests per `orgWindowSeconds` of all the client's tokens together (`algorithm`), answered 429 with a code other
   * than the per-token one; 0: no such limit.
   */
  orgLimit: number;
  orgWindowSeconds: number;
  /** Status of a PATCH that would give a user an e-mail or username another user has. */
  duplicateEmailStatus: 400 | 409;
  /**
   * Status of a write carrying a stale version (a user PATCH, a group member add): 409 `general.conflict`, or 400
   * `bad.request` saying the version "does not match the current version" (unconfirmed; Terraform reads both so).
   */
  versionConflictStatus: 400 | 409;
  /**
   * The longest `name`, `title`, `department`, `preferredName` and `employerInfo` text a PATCH or a creation takes
   * (more: 400 naming the field). No default is published: an organisation sets each field's "Maximum Length"; 255 is
   * the figure the tool assumes.
   */
  textMaxLength: number;
  /**
   * How a PATCH's `addresses` meets the stored ones. `replace` (the documented behaviour): the array sent is the new
   * array. `merge`: each entry sent replaces the stored entry of its mediaType and type, the others stay (an
   * alternative reading of the platform, to check that a client works under both).
   */
  addressesPatch: 'replace' | 'merge';
  /** The most `pageSize` a user list (`GET /api/v2/users`) takes: 500 is believed, not confirmed. */
  usersPageSizeMax: number;
  /** The most `id`s one user list takes (more: 400): the platform documents no figure. */
  usersMaxIds: number;
  /** The most `pageSize` a user search (`POST /api/v2/users/search`) takes (unconfirmed). */
  searchPageSizeMax: number;
  /** A `pageSize` above those: `reject` with 400, or `clamp` to the maximum (the page says the size it used). */
  pageSizeAboveMax: 'reject' | 'clamp';
  /**
   * A search's EXACT on `email` and `username` compares case-sensitively (whether the platform's does is
   * unconfirmed): a stored `Ann.Lee@x.com` is then found by that spelling only.
   */
  searchEmailCaseSensitive: boolean;
  /**
   * Most member ids one group member add or remove takes (more: 400). The platform documents none for adding: 50 is
   * an assumption, and a client must read its limit from a 400, not from here.
   */
  groupMembersPerCall: number;
  /** Whether creating a user sends its invitation email by itself (unconfirmed): see `invitationEmails()`. */
  inviteOnCreate: boolean;
  /**
   * A user created less than this long ago (ms) is not found by a search yet (GET by id and lists find it at once): the
   * platform's search index lags its writes, by an unconfirmed delay. 0: no lag.
   */
  searchLagMs: number;
}

/** An authenticated /api request as its token's limiter decided it (`EmulatorOptions.onApiRequest`). */
export interface ApiRequestEvent {
  /** When the limiter decided, on the emulator's clock. */
  at: number;
  /** The token's serial: 1 for the first issued. */
  token: number;
  /** Allowed, refused by the token's limiter, or refused by the limit above the tokens. */
  outcome: 'allowed' | 'token' | 'org';
}

export interface EmulatorOptions extends Partial<EmulatorConfig> {
  /** Port on 127.0.0.1; 0 (default) picks a free one. */
  port?: number;
  /** A directory to generate (a count; default 1000) or the users themselves. */
  users?: number | GenesysUser[];
  /** Seed of the generated directory and of every random draw (latency, faults). Default 1. */
  seed?: number;
  /** Default `emulator-client`. */
  clientId?: string;
  /** Default: random. */
  clientSecret?: string;
  /** Domain of generated e-mail addresses. Default example.com. */
  emailDomain?: string;
  /**
   * The time in ms (any origin, never going back) that rate limits and token lifetimes are measured on. Default
   * `performance.now`; tests pass a clock they move by hand.
   */
  clock?: () => number;
  /**
   * Called for every authenticated /api request when its limiter has decided it: the exact arrival times the
   * counters cannot give (the bench's per-request log).
   */
  onApiRequest?: (request: ApiRequestEvent) => void;
  /** Routing skills: a count to generate (default 40) or the skills themselves (`{id, name}`). */
  skills?: number | CatalogueEntry[];
  /** Routing languages: a count (default 10) or the languages. */
  languages?: number | CatalogueEntry[];
  /** Queues: a count (default 20) or the queues (`{id, name, divisionId?}`; no division means `Home`). */
  queues?: number | QueueOption[];
  /** Roles: a count (default 12) or the roles. */
  roles?: number | CatalogueEntry[];
  /** Divisions besides the generated five (`Home` first) and any the given users are in. */
  divisions?: CatalogueEntry[];
  /**
   * Initial skills, languages, queues and grants by user id. A generated directory gets generated assignments, which
   * each field given here replaces; given users start with none but these.
   */
  assignments?: Record<string, UserAssignments>;
  /**
   * Groups: a count to generate (default 8; a generated directory's users are spread over them, and they carry no
   * queue or role) or the groups (`{id, name, members?, queues?, grants?, version?}`).
   */
  groups?: number | GroupOption[];
  /**
   * Hostile text, to test a client's output hygiene: every generated catalogue name (skills, languages, queues,
   * roles, divisions) ends in terminal escape sequences (OSC title, clear screen, C1 CSI, DEL, BEL, a bidi override),
   * and so does the message of every error the emulator answers. Default false.
   */
  hostileNames?: boolean;
  /** Locations (`GET /api/v2/locations`): a count to generate (default 6) or the locations (`{id, name}`). */
  locations?: number | CatalogueEntry[];
}

export const DEFAULT_CONFIG: EmulatorConfig = {
  limit: 300,
  windowSeconds: 60,
  algorithm: 'fixed',
  rateLimitHeaders: true,
  rateLimitHeadersOn429: true,
  burst: 1,
  headerModel: 'truthful',
  headerLagMs: 1000,
  windowOriginMs: 0,
  latencyMs: [0, 0],
  tokenLifetimeSeconds: 86_400,
  expiredTokenCode: 'bad.credentials',
  tokenIssueLimit: 0,
  tokenIssueWindowSeconds: 60,
  orgLimit: 0,
  orgWindowSeconds: 60,
  duplicateEmailStatus: 409,
  versionConflictStatus: 409,
  textMaxLength: 255,
  addressesPatch: 'replace',
  usersPageSizeMax: 500,
  usersMaxIds: 100,
  searchPageSizeMax: 100,
  pageSizeAboveMax: 'reject',
  searchEmailCaseSensitive: false,
  groupMembersPerCall: 50,
  inviteOnCreate: false,
  searchLagMs: 0,
  deniedPermissions: [],
  namePermissions: true,
  ungrantableRoles: [],
  error502Rate: 0,
  error503Rate: 0,
  error503RetryAfterRate: 0.5,
  error503RetryAfterSeconds: [1, 3],
  dropAfterWriteRate: 0,
  dropAfterCreateRate: 0,
  timeoutAfterWriteRate: 0,
  concurrentEditRate: 0,
  concurrentEditFields: ['title'],
  tokenFaults: false,
  expandOmitRate: 0,
};

export const DEFAULT_CLIENT_ID = 'emulator-client';
export const DEFAULT_USERS = 1000;

const rate = z.number().min(0).max(1);
const range = z.tuple([z.number().int().min(0), z.number().int().min(0)]).refine(([min, max]) => min <= max, {
  message: 'min must not exceed max',
});

export const configSchema = z
  .strictObject({
    limit: z.number().int().positive(),
    windowSeconds: z.number().positive(),
    algorithm: z.enum(RATE_LIMIT_ALGORITHMS as [RateLimitAlgorithm, ...RateLimitAlgorithm[]]),
    rateLimitHeaders: z.boolean(),
    rateLimitHeadersOn429: z.boolean(),
    burst: z.number().gt(0).max(1),
    headerModel: z.enum(HEADER_MODELS as [HeaderModel, ...HeaderModel[]]),
    headerLagMs: z.number().min(0),
    windowOriginMs: z.number().min(0),
    latencyMs: range,
    tokenLifetimeSeconds: z.number().int().positive(),
    expiredTokenCode: z.string().regex(/^[a-z][a-z.]*$/),
    tokenIssueLimit: z.number().int().min(0),
    tokenIssueWindowSeconds: z.number().positive(),
    orgLimit: z.number().int().min(0),
    orgWindowSeconds: z.number().positive(),
    duplicateEmailStatus: z.union([z.literal(400), z.literal(409)]),
    versionConflictStatus: z.union([z.literal(400), z.literal(409)]),
    textMaxLength: z.number().int().positive(),
    addressesPatch: z.enum(['replace', 'merge']),
    usersPageSizeMax: z.number().int().positive(),
    usersMaxIds: z.number().int().positive(),
    searchPageSizeMax: z.number().int().positive(),
    pageSizeAboveMax: z.enum(['reject', 'clamp']),
    searchEmailCaseSensitive: z.boolean(),
    groupMembersPerCall: z.number().int().positive(),
    inviteOnCreate: z.boolean(),
    searchLagMs: z.number().int().min(0),
    deniedPermissions: z.array(z.string().regex(/^[a-zA-Z]+:[a-zA-Z*]+:[a-zA-Z*]+$/)),
    namePermissions: z.boolean(),
    ungrantableRoles: z.array(z.string().min(1)),
    error502Rate: rate,
    error503Rate: rate,
    error503RetryAfterRate: rate,
    error503RetryAfterSeconds: range.refine(([min]) => min >= 1, { message: 'Retry-After must be at least 1 s' }),
    dropAfterWriteRate: rate,
    dropAfterCreateRate: rate,
    timeoutAfterWriteRate: rate,
    concurrentEditRate: rate,
    concurrentEditFields: z
      .array(z.enum(CONCURRENT_EDIT_FIELDS as unknown as [ConcurrentEditField, ...ConcurrentEditField[]]))
      .min(1),
    tokenFaults: z.boolean(),
    expandOmitRate: rate,
  })
  .partial();

export type ConfigResult = { ok: true; config: EmulatorConfig } | { ok: false; message: string };

/** Merges a partial config (of unknown shape) into `base`, or says what is wrong with it. */
export function mergeConfig(base: EmulatorConfig, partial: unknown): ConfigResult {
  const parsed = configSchema.safeParse(partial);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
    return { ok: false, message: `${where}${issue?.message ?? 'invalid configuration'}` };
  }
  const defined = Object.fromEntries(Object.entries(parsed.data).filter(([, v]) => v !== undefined));
  const config: EmulatorConfig = { ...base, ...defined };
  if (config.error502Rate + config.error503Rate > 1) {
    return { ok: false, message: 'error502Rate + error503Rate must not exceed 1' };
  }
  return { ok: true, config };
}
