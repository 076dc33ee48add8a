/**
 * The SDK adapter: the only module that touches `purecloud-platform-client-v2`. It turns every SDK outcome into an
 * `ApiOutcome` and does nothing else: no retries, no pacing, no re-authentication (the governor owns those).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import type PlatformClient from 'purecloud-platform-client-v2';
import { ConfigError } from '../errors.js';
import { escapeControls } from '../text.js';
import {
  type CallContext,
  classifyHttpFailure,
  classifyTransportFailure,
  type FailureDetails,
  headerValue,
  parseRateLimit,
  parseRetryAfter,
} from './classify.js';
import { type Gateway, isLoopbackHost, parseBaseUrl } from './endpoint.js';
import { type GroupsCalls, groupsCalls, type SdkGroupsApi, type SdkUserGroupsApi } from './groups-client.js';
import { resolveRegion } from './regions.js';
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
import { currentLane, LaneTokens, LoginQueue, onLane } from './tokens.js';
import type {
  ApiFailure,
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

export type GrantOperation = 'add' | 'remove' | 'replace';

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
  inviteUser(id: string, opts?: { force?: boolean } & CallOptions): Promise<ApiOutcome<void>>;
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
   * `total`: keep paging while a page has `nextUri`.
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
  /** PUT /api/v2/users/{userId}/routingskills/bulk: the user's skills become exactly these (at most 50). */
  putUserRoutingSkills(
    userId: string,
    skills: ProficiencyRef[],
    opts?: CallOptions,
  ): Promise<ApiOutcome<EntityListing<UserRoutingSkill>>>;
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
  /** POST /api/v2/authorization/subjects/{subjectId}/bulkadd | bulkremove | bulkreplace with `{grants}`. */
  grantsBulk(
    subjectId: string,
    operation: GrantOperation,
    grants: GrantRef[],
    opts?: CallOptions,
  ): Promise<ApiOutcome<void>>;
  /** POST /api/v2/authorization/divisions/{divisionId}/objects/USER with the user ids as the body. */
  moveUsersToDivision(divisionId: string, userIds: string[], opts?: CallOptions): Promise<ApiOutcome<void>>;
}

type Sdk = typeof PlatformClient;
type SdkApiClient = InstanceType<Sdk['ApiClientClass']>;

/** What `setReturnExtendedResponses(true)` makes the SDK resolve with, and reject with on an HTTP error status. */
interface ExtendedResponse {
  status: number;
  headers?: Record<string, unknown>;
  body?: unknown;
  error?: unknown;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const LOGIN_OPERATION = 'POST /oauth/token';
/** How long after the timeout the deadline aborts a call that axios's own timer has not ended. */
const DEADLINE_GRACE_MS = 1000;

let sdk: Sdk | undefined;

/**
 * Loads the SDK on first use. `require` rather than `import`: Node's ESM loader finds no named exports in the SDK's
 * bundle (only `default`), and scanning its 118k lines for them doubles the load time (about 0.3 s against 0.16 s).
 * Loading lazily also keeps the SDK off the path of commands that never call the platform.
 */
function loadSdk(): Sdk {
  if (!sdk) {
    const loaded = createRequire(import.meta.url)('purecloud-platform-client-v2') as Sdk;
    // Requiring the SDK builds its `ApiClient.instance` singleton, which polls ~/.genesyscloudjavascript/config
    // every 5 s. Nothing here uses the singleton; stop its watcher so a run depends on no file outside the project.
    stopConfigFile(loaded.ApiClient);
    sdk = loaded;
  }
  return sdk;
}

/**
 * Loads the SDK now rather than at the first client: the CLI does so once a command's modules are loaded, before it
 * asks V8 to favour memory over speed (bin/), under which the SDK's load would take about twice the CPU.
 */
export function loadPlatformSdk(): void {
  loadSdk();
}

/** The SDK's regions (key → domain), so that a newer SDK brings its new regions with it. */
export function platformRegionHosts(): Readonly<Record<string, string>> {
  return loadSdk().PureCloudRegionHosts;
}

/** Detaches an SDK client from the config file: no watcher, no re-read. */
function stopConfigFile(api: SdkApiClient): void {
  api.config.live_reload_config = false;
  api.config.setConfigPath('');
}

/** What the SDK's pre-request hook applies to the call being made. */
interface CallScope {
  signal: AbortSignal;
  /** True for a loopback target: an HTTP(S)_PROXY from the environment cannot reach it. */
  noProxy: boolean;
  /** The Authorization header of the call's lane; undefined for the login, which sends the client's credentials. */
  bearer?: string;
  /** See UserReadOptions.project. */
  project?: (user: GenesysUser) => GenesysUser;
}
const callScope = new AsyncLocalStorage<CallScope>();

/**
 * @throws ConfigError on missing credentials, a bad timeout, an unknown region, a bad base URL, or plain http to a
 * non-loopback host.
 */
export function createGenesysClient(opts: GenesysClientOptions): GenesysClient {
  const { clientId, clientSecret } = opts;
  const missing = [
    ...(typeof clientId === 'string' && clientId.trim() ? [] : ['GENESYS_CLIENT_ID']),
    ...(typeof clientSecret === 'string' && clientSecret.trim() ? [] : ['GENESYS_CLIENT_SECRET']),
  ];
  if (missing.length > 0) {
    throw new ConfigError(
      `Missing ${missing.join(' and ')}: use the id and secret of a Client Credentials OAuth client.`,
    );
  }
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) {
    throw new ConfigError(`Invalid timeout ${timeoutMs}: expected a positive whole number of milliseconds.`);
  }
  const gateway: Gateway | undefined = opts.baseUrl !== undefined ? parseBaseUrl(opts.baseUrl) : undefined;
  if (!gateway && !opts.region?.trim()) {
    throw new ConfigError('No region: give a region such as eu_west_1 (or its domain, mypurecloud.ie) or a base URL.');
  }

  const platform = loadSdk();
  const region = gateway ? undefined : resolveRegion(opts.region!, platform.PureCloudRegionHosts);
  const target = gateway ? gateway.target : `https://api.${region!.domain}`;
  const noProxy = gateway !== undefined && isLoopbackHost(gateway.host);
  const where = gateway ? `the base URL ${target}` : `the region ${region!.key} (${target})`;

  // A client of our own: the SDK's singleton would share its token and settings with anything else in the process.
  const api = new platform.ApiClientClass();
  // The constructor has already applied ~/.genesyscloudjavascript/config if there is one (host, gateway, logging);
  // everything it can set is set again below, so the file changes nothing.
  stopConfigFile(api);
  const logger = api.config.logger;
  logger.log_level = 'none';
  logger.log_to_console = false;
  logger.log_file_path = '';
  logger.log_request_body = false;
  logger.log_response_body = false;
  logger.setLogger();
  // With logging off the SDK still formats two entries per answer (cloning headers and body through JSON, then a
  // text dump) and throws them away: about a tenth of what a write allocated, all garbage.
  (logger as typeof logger & { log: () => void }).log = () => {};
  api.config.refresh_access_token = false;
  if (gateway) {
    // The SDK builds `${protocol}://${host}[:port][path_params_login]/oauth/token` for the login and
    // `${protocol}://${host}[:port][path_params_api]/api/v2/…` for the API.
    api.setGateway({
      host: gateway.host,
      protocol: gateway.protocol,
      ...(gateway.port !== undefined && { port: gateway.port }),
      path_params_login: gateway.path,
      path_params_api: gateway.path,
    });
  } else {
    // Drops any gateway the config file set.
    api.config.gateway = undefined;
    api.setEnvironment(region!.domain);
  }
  api.setReturnExtendedResponses(true);
  // Each request's axios config takes the HTTP client's timeout (the SDK's own `timeout` is copied into it only when
  // the HTTP client is created, and the per-request option it also sets is ignored).
  const http = api.getHttpClient();
  http.setTimeout(timeoutMs);
  // The SDK has no per-call signal; axios does, and this hook runs inside the call's async context.
  http.setPreHook(async (config: PreHookConfig) => {
    // Never follow a redirect, for the token request or any API call: it would re-send the Basic credentials, the
    // bearer token or a body of personal data to wherever the answer points. A 3xx becomes a `redirect` failure.
    config.maxRedirects = 0;
    const scope = callScope.getStore();
    if (scope) {
      config.signal = scope.signal;
      if (scope.noProxy) config.proxy = false;
      if (scope.bearer !== undefined) setAuthorization(config, scope.bearer);
      if (scope.project) projectOnParse(config, scope.project);
    }
    return config;
  });
  const users = new platform.UsersApi(api);
  const routing = new platform.RoutingApi(api);
  const authorization = new platform.AuthorizationApi(api);
  const groups = new platform.GroupsApi(api) as unknown as SdkGroupsApi;
  const locations = new platform.LocationsApi(api);

  const tokens = new LaneTokens();
  const logins = new LoginQueue();
  const secrets = new Secrets(clientSecret, Buffer.from(`${clientId}:${clientSecret}`).toString('base64'));

  const context = (operation: string, permission?: string): CallContext => ({
    operation,
    where,
    timeoutMs,
    ...(permission !== undefined && { permission }),
  });

  /**
   * Runs one SDK call under the caller's signal and a deadline. The deadline backs up axios's own timeout, which
   * does not cover every stall (a proxy that accepts the connection but never answers CONNECT hangs for ever).
   */
  async function send<R>(
    ctx: CallContext,
    options: CallOptions | undefined,
    invoke: () => Promise<R>,
  ): Promise<{ ok: true; value: R; latencyMs: number } | { ok: false; failure: ApiFailure }> {
    const started = performance.now();
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), timeoutMs + DEADLINE_GRACE_MS);
    const signal = options?.signal ? AbortSignal.any([options.signal, deadline.signal]) : deadline.signal;
    const bearer = ctx.login ? undefined : tokens.bearer(currentLane());
    const project = (options as UserReadOptions | undefined)?.project;
    try {
      const value = await callScope.run(
        { signal, noProxy, ...(bearer !== undefined && { bearer }), ...(project && { project }) },
        invoke,
      );
      return { ok: true, value, latencyMs: performance.now() - started };
    } catch (error) {
      const cancelledByDeadline = deadline.signal.aborted && !options?.signal?.aborted;
      const failure = cancelledByDeadline ? classifyTransportFailure('ETIMEDOUT', '', ctx) : toFailure(error, ctx);
      return { ok: false, failure: secrets.scrub({ ...failure, latencyMs: performance.now() - started }) };
    } finally {
      clearTimeout(timer);
    }
  }

  async function call<T>(
    ctx: CallContext,
    options: CallOptions | undefined,
    invoke: () => Promise<unknown>,
    accept: (body: unknown) => T | undefined,
  ): Promise<ApiOutcome<T>> {
    const sent = await send(ctx, options, invoke);
    if (!sent.ok) return sent.failure;
    const { value: response, latencyMs } = sent;
    const body = isExtended(response) ? accept(response.body) : undefined;
    if (!isExtended(response) || body === undefined) {
      const status = isExtended(response) ? response.status : undefined;
      return {
        ok: false,
        kind: 'server',
        ...(status !== undefined && { status }),
        rateLimit: {},
        message:
          `unexpected response${status !== undefined ? ` (${status})` : ''} on ${ctx.operation}: the body is not ` +
          `what the Genesys Cloud API returns; check that ${where} is the Genesys Cloud API.`,
        latencyMs,
      };
    }
    const retryAfterSeconds = parseRetryAfter(headerValue(response.headers, 'retry-after'));
    return {
      ok: true,
      status: response.status,
      body,
      rateLimit: parseRateLimit(response.headers),
      ...(retryAfterSeconds !== undefined && { retryAfterSeconds }),
      latencyMs,
    };
  }

  /** A call whose success has no body the caller needs (the platform answers 204, or 200 with an empty body). */
  async function callVoid(
    ctx: CallContext,
    options: CallOptions | undefined,
    invoke: () => Promise<unknown>,
  ): Promise<ApiOutcome<void>> {
    const sent = await send(ctx, options, invoke);
    if (!sent.ok) return sent.failure;
    const { value: response, latencyMs } = sent;
    if (!isExtended(response)) {
      return {
        ok: false,
        kind: 'server',
        rateLimit: {},
        message: `unexpected response on ${ctx.operation}: check that ${where} is the Genesys Cloud API.`,
        latencyMs,
      };
    }
    return {
      ok: true,
      status: response.status,
      body: undefined,
      rateLimit: parseRateLimit(response.headers),
      latencyMs,
    };
  }

  const page = (options: PageOptions) => ({ pageNumber: options.pageNumber, pageSize: options.pageSize });
  const named = (options: NamedListOptions) => ({
    ...page(options),
    ...(options.name !== undefined && { name: options.name }),
  });
  const path = (...segments: string[]): string => segments.map(encodeURIComponent).join('/');

  async function login(
    lane: number,
    options: CallOptions | undefined,
  ): Promise<ApiOutcome<{ expiresInSeconds: number }>> {
    const ctx: CallContext = { ...context(LOGIN_OPERATION), login: true };
    const sent = await send(ctx, options, () => api.loginClientCredentialsGrant(clientId, clientSecret));
    if (!sent.ok) return { ...sent.failure, login: true };
    const { value: auth, latencyMs } = sent;
    // The SDK keeps only now + expires_in * 1000; reading it at once recovers expires_in.
    const expiresInSeconds = Math.round((auth.tokenExpiryTime - Date.now()) / 1000);
    if (typeof auth.accessToken !== 'string' || auth.accessToken === '' || !(expiresInSeconds > 0)) {
      return {
        ok: false,
        kind: 'server',
        status: 200,
        rateLimit: {},
        message:
          `login at ${where} returned no usable access_token or expires_in: ` +
          `check that ${where} is the Genesys Cloud API.`,
        latencyMs,
      };
    }
    secrets.addToken(lane, auth.accessToken);
    tokens.set(lane, auth.accessToken, auth.tokenExpiryTime);
    // The SDK resolves with the token alone, so neither the status (a 2xx) nor the headers are visible here.
    return { ok: true, status: 200, body: { expiresInSeconds }, rateLimit: {}, latencyMs };
  }

  return {
    target,
    ...groupsCalls({ context, call, callVoid, invalid: invalidCall }, groups, users as unknown as SdkUserGroupsApi),

    authenticate(options) {
      return logins.run(() => login(options?.lane ?? 0, options));
    },

    tokenExpiresAt: (lane = 0) => tokens.expiresAt(lane),

    onLane,

    getUsersByIds(ids, options) {
      const ctx = context('GET /api/v2/users');
      const bad = ids.find((id) => typeof id !== 'string' || id === '' || id.includes(','));
      if (ids.length === 0 || bad !== undefined) {
        // The SDK joins ids with commas, and no id at all would fetch every user: neither may reach the wire.
        return Promise.resolve(
          invalidCall(
            ctx,
            ids.length === 0
              ? 'getUsersByIds needs at least one id (without one the platform lists every user)'
              : `user id ${JSON.stringify(bad)} is empty or contains a comma`,
          ),
        );
      }
      return call(
        ctx,
        options,
        () =>
          users.getUsers({
            id: ids,
            pageSize: ids.length,
            pageNumber: 1,
            ...(options?.state !== undefined && { state: options.state }),
            ...(options?.expand !== undefined && { expand: options.expand }),
          }),
        acceptListing,
      );
    },

    listUsers(options) {
      return call(
        context('GET /api/v2/users'),
        options,
        () =>
          users.getUsers({
            pageNumber: options.pageNumber,
            pageSize: options.pageSize,
            ...(options.state !== undefined && { state: options.state }),
            ...(options.expand !== undefined && { expand: options.expand }),
          }),
        acceptListing,
      );
    },

    searchUsers(body, options) {
      return call(
        context('POST /api/v2/users/search'),
        options,
        () => users.postUsersSearch(body as Parameters<typeof users.postUsersSearch>[0]),
        acceptSearch,
      );
    },

    getUser(id, options) {
      return call(
        context(`GET /api/v2/users/${encodeURIComponent(id)}`),
        options,
        () => users.getUser(id, options?.expand !== undefined ? { expand: options.expand } : {}),
        acceptUser,
      );
    },

    patchUsersAutoAnswer(items, options) {
      return call(
        context('PATCH /api/v2/users/bulk', 'directory:user:edit'),
        options,
        () => users.patchUsersBulk(items),
        acceptListing,
      );
    },

    listLocations(options) {
      return call(
        context('GET /api/v2/locations'),
        options,
        () => locations.getLocations({ pageNumber: options.pageNumber, pageSize: options.pageSize }),
        acceptEntities<LocationEntityListing>,
      );
    },

    patchUser(id, patch, options) {
      return call(
        context(`PATCH /api/v2/users/${encodeURIComponent(id)}`, 'directory:user:edit'),
        options,
        () => users.patchUser(id, patch as Parameters<typeof users.patchUser>[1]),
        acceptUser,
      );
    },

    createUser(body, options) {
      return call(
        context('POST /api/v2/users', 'directory:user:add'),
        options,
        () => users.postUsers(body as Parameters<typeof users.postUsers>[0]),
        acceptUser,
      );
    },

    deleteUser(id, options) {
      return callVoid(context(`DELETE /api/v2/users/${encodeURIComponent(id)}`, 'directory:user:delete'), options, () =>
        users.deleteUser(id),
      );
    },

    inviteUser(id, options) {
      return callVoid(
        context(`POST /api/v2/users/${encodeURIComponent(id)}/invite`, 'directory:user:add'),
        options,
        () => users.postUserInvite(id, options?.force !== undefined ? { force: options.force } : {}),
      );
    },

    listRoutingSkills(options) {
      return call(
        context('GET /api/v2/routing/skills'),
        options,
        () => routing.getRoutingSkills(named(options)),
        acceptEntities<EntityListing<NamedEntity>>,
      );
    },

    listRoutingLanguages(options) {
      return call(
        context('GET /api/v2/routing/languages'),
        options,
        () => routing.getRoutingLanguages(named(options)),
        acceptEntities<EntityListing<NamedEntity>>,
      );
    },

    listQueues(options) {
      return call(
        context('GET /api/v2/routing/queues', 'routing:queue:view'),
        options,
        () => routing.getRoutingQueues(named(options)),
        acceptEntities<EntityListing<NamedEntity>>,
      );
    },

    listRoles(options) {
      return call(
        context('GET /api/v2/authorization/roles', 'authorization:role:view'),
        options,
        () => authorization.getAuthorizationRoles(named(options)),
        acceptEntities<EntityListing<NamedEntity>>,
      );
    },

    listDivisions(options) {
      return call(
        context('GET /api/v2/authorization/divisions', 'authorization:division:view'),
        options,
        () => authorization.getAuthorizationDivisions(named(options)),
        acceptEntities<EntityListing<NamedEntity>>,
      );
    },

    getUserRoutingSkills(userId, options) {
      return call(
        context(`GET /api/v2/users/${path(userId)}/routingskills`),
        options,
        () => users.getUserRoutingskills(userId, page(options)),
        acceptEntities<EntityListing<UserRoutingSkill>>,
      );
    },

    getUserRoutingLanguages(userId, options) {
      return call(
        context(`GET /api/v2/users/${path(userId)}/routinglanguages`),
        options,
        () => users.getUserRoutinglanguages(userId, page(options)),
        acceptEntities<EntityListing<UserRoutingLanguage>>,
      );
    },

    getQueueMembers(queueId, options) {
      return call(
        context(`GET /api/v2/routing/queues/${path(queueId)}/members`, 'routing:queue:view'),
        options,
        () => routing.getRoutingQueueMembers(queueId, page(options)),
        acceptEntities<QueueMemberListing>,
      );
    },

    getSubject(subjectId, options) {
      return call(
        context(`GET /api/v2/authorization/subjects/${path(subjectId)}`, 'authorization:grant:view'),
        options,
        () => authorization.getAuthorizationSubject(subjectId),
        acceptSubject,
      );
    },

    patchUserRoutingSkills(userId, skills, options) {
      return call(
        context(`PATCH /api/v2/users/${path(userId)}/routingskills/bulk`, 'routing:skill:assign'),
        options,
        () => users.patchUserRoutingskillsBulk(userId, skills),
        acceptEntities<EntityListing<UserRoutingSkill>>,
      );
    },

    putUserRoutingSkills(userId, skills, options) {
      return call(
        context(`PUT /api/v2/users/${path(userId)}/routingskills/bulk`, 'routing:skill:assign'),
        options,
        () => users.putUserRoutingskillsBulk(userId, skills),
        acceptEntities<EntityListing<UserRoutingSkill>>,
      );
    },

    patchUserRoutingLanguages(userId, languages, options) {
      return call(
        context(
          `PATCH /api/v2/users/${path(userId)}/routinglanguages/bulk`,
          'routing:skill:assign or routing:language:assign',
        ),
        options,
        () => users.patchUserRoutinglanguagesBulk(userId, languages),
        acceptEntities<EntityListing<UserRoutingLanguage>>,
      );
    },

    deleteUserRoutingLanguage(userId, languageId, options) {
      return callVoid(
        context(
          `DELETE /api/v2/users/${path(userId)}/routinglanguages/${path(languageId)}`,
          'routing:skill:assign or routing:language:assign',
        ),
        options,
        () => users.deleteUserRoutinglanguage(userId, languageId),
      );
    },

    postQueueMembers(queueId, userIds, options) {
      return callVoid(
        context(
          `POST /api/v2/routing/queues/${path(queueId)}/members${options.remove ? '?delete=true' : ''}`,
          'routing:queue:edit or routing:queueMember:manage',
        ),
        options,
        () =>
          routing.postRoutingQueueMembers(
            queueId,
            userIds.map((id) => ({ id })),
            { _delete: options.remove },
          ),
      );
    },

    grantsBulk(subjectId, operation, grants, options) {
      const body = { grants: grants.map(({ roleId, divisionId }) => ({ roleId, divisionId })) };
      const endpoint = `POST /api/v2/authorization/subjects/${path(subjectId)}/bulk${operation}`;
      const permission = {
        add: 'authorization:grant:add',
        remove: 'authorization:grant:delete',
        replace: 'authorization:grant:add and authorization:grant:delete',
      }[operation];
      const invoke = {
        add: () => authorization.postAuthorizationSubjectBulkadd(subjectId, body),
        remove: () => authorization.postAuthorizationSubjectBulkremove(subjectId, body),
        replace: () => authorization.postAuthorizationSubjectBulkreplace(subjectId, body),
      }[operation];
      return callVoid(context(endpoint, permission), options, invoke);
    },

    moveUsersToDivision(divisionId, userIds, options) {
      return callVoid(
        // Moving a user needs Directory > User > Edit in both divisions (Genesys's help centre).
        context(`POST /api/v2/authorization/divisions/${path(divisionId)}/objects/USER`, 'directory:user:edit'),
        options,
        () => authorization.postAuthorizationDivisionObject(divisionId, 'USER', userIds),
      );
    },
  };
}

function invalidCall(ctx: CallContext, why: string): ApiFailure {
  return { ok: false, kind: 'invalid', rateLimit: {}, message: `invalid call ${ctx.operation}: ${why}.`, latencyMs: 0 };
}

/**
 * Maps whatever the SDK rejected with. Only status, headers, body fields and error codes are read: an axios error
 * also carries the request (its Authorization header, its body), which must never reach a message.
 */
function toFailure(error: unknown, ctx: CallContext): FailureDetails {
  if (isExtended(error)) return fromResponse(error.status, error.headers, error.body, errorCode(error.error), ctx);
  if (isAxiosError(error)) {
    const response = error.response;
    if (response && typeof response.status === 'number') {
      return fromResponse(response.status, response.headers, response.data, errorCode(error), ctx);
    }
    return classifyTransportFailure(
      errorCode(error),
      typeof error.message === 'string' ? error.message : undefined,
      ctx,
    );
  }
  // The SDK throws bare strings for a missing required parameter, e.g. 'Missing the required parameter "userId"…'.
  const detail = typeof error === 'string' ? error : error instanceof Error ? error.message : 'unknown error';
  return { ok: false, kind: 'invalid', rateLimit: {}, message: `invalid call ${ctx.operation}: ${detail}.` };
}

function fromResponse(
  status: number,
  headers: Record<string, unknown> | undefined,
  body: unknown,
  code: string | undefined,
  ctx: CallContext,
): FailureDetails {
  if (status >= 300 && status < 400) return redirectFailure(status, headers, ctx);
  // A status below 400 in a rejection means the body was cut off after the headers (axios ERR_BAD_RESPONSE).
  if (status < 400 && code !== undefined && code !== 'ERR_BAD_REQUEST') {
    return { ...classifyTransportFailure(code, undefined, ctx), status };
  }
  return classifyHttpFailure(status, headers, body, ctx);
}

/** A 3xx answer: not followed, not retried; the message names the status and where it pointed. */
function redirectFailure(
  status: number,
  headers: Record<string, unknown> | undefined,
  ctx: CallContext,
): FailureDetails {
  const location = headerValue(headers, 'location');
  let to = 'no Location';
  if (location) {
    try {
      to = new URL(location, 'http://relative.invalid').host;
      if (to === 'relative.invalid') to = 'a path on the same host';
    } catch {
      to = 'an unparsable Location';
    }
  }
  const on = ctx.login ? 'logging in' : `on ${ctx.operation}`;
  return {
    ok: false,
    kind: 'redirect',
    status,
    rateLimit: {},
    message:
      `HTTP ${status} redirect to ${escapeControls(to)} ${on}: redirects are not followed, so nothing was sent there. ` +
      `Check ${ctx.where}: it must be the Genesys Cloud API itself (or a gateway that forwards without redirecting).`,
  };
}

/** The part of axios's request config the pre-request hook changes. */
interface PreHookConfig {
  signal?: AbortSignal;
  proxy?: false;
  maxRedirects?: number;
  headers?: Record<string, unknown> & { set?: (name: string, value: string) => unknown };
  transformResponse?: ResponseTransform | ResponseTransform[];
}

type ResponseTransform = (this: unknown, data: unknown, headers: unknown, status?: number) => unknown;

/**
 * Projects the users of a successful answer (`entities` of a listing, `results` of a search) right after axios's own
 * transforms have parsed it, in the same turn: the whole users never outlive the parse.
 */
function projectOnParse(config: PreHookConfig, project: (user: GenesysUser) => GenesysUser): void {
  const own = config.transformResponse;
  const before = own === undefined ? [] : Array.isArray(own) ? own : [own];
  config.transformResponse = [
    ...before,
    (data, _headers, status) => {
      if (status === undefined || status < 200 || status > 299 || !isRecord(data)) return data;
      for (const list of ['entities', 'results'] as const) {
        const users = data[list];
        if (Array.isArray(users))
          data[list] = users.map((u) => (isRecord(u) ? project(u as unknown as GenesysUser) : u));
      }
      return data;
    },
  ];
}

/** Replaces the Authorization header the SDK set from its own (last login's) token by the lane's. */
function setAuthorization(config: PreHookConfig, value: string): void {
  const headers = config.headers ?? {};
  // axios's AxiosHeaders matches names case-insensitively through `set`; a plain object needs the old name gone.
  if (typeof headers.set === 'function') headers.set('Authorization', value);
  else {
    for (const name of Object.keys(headers)) if (name.toLowerCase() === 'authorization') delete headers[name];
    headers.Authorization = value;
  }
  config.headers = headers;
}

interface AxiosLike {
  isAxiosError: true;
  code?: unknown;
  message?: unknown;
  response?: { status?: unknown; headers?: Record<string, unknown>; data?: unknown };
}

function isAxiosError(value: unknown): value is AxiosLike {
  return typeof value === 'object' && value !== null && (value as { isAxiosError?: unknown }).isAxiosError === true;
}

function errorCode(value: unknown): string | undefined {
  const code = typeof value === 'object' && value !== null ? (value as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
}

function isExtended(value: unknown): value is ExtendedResponse {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { status?: unknown }).status === 'number' &&
    'body' in value &&
    'headers' in value
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function acceptListing(body: unknown): UserEntityListing | undefined {
  if (!isRecord(body)) return undefined;
  if (body.entities === undefined) return { ...(body as unknown as UserEntityListing), entities: [] };
  return Array.isArray(body.entities) ? (body as unknown as UserEntityListing) : undefined;
}

/** A listing with `entities` (left out by the platform when there are none). */
function acceptEntities<L extends { entities: unknown[] }>(body: unknown): L | undefined {
  if (!isRecord(body)) return undefined;
  if (body.entities === undefined) return { ...body, entities: [] } as unknown as L;
  return Array.isArray(body.entities) ? (body as unknown as L) : undefined;
}

function acceptSubject(body: unknown): AuthzSubject | undefined {
  if (!isRecord(body) || typeof body.id !== 'string') return undefined;
  if (body.grants === undefined) return { ...(body as unknown as AuthzSubject), grants: [] };
  return Array.isArray(body.grants) ? (body as unknown as AuthzSubject) : undefined;
}

function acceptSearch(body: unknown): UsersSearchResponse | undefined {
  if (!isRecord(body)) return undefined;
  if (body.results === undefined) return { ...(body as unknown as UsersSearchResponse), results: [] };
  return Array.isArray(body.results) ? (body as unknown as UsersSearchResponse) : undefined;
}

function acceptUser(body: unknown): GenesysUser | undefined {
  return isRecord(body) && typeof body.id === 'string' ? (body as unknown as GenesysUser) : undefined;
}

/**
 * The last line of defence: failures are built only from status, code and platform fields, but if a server ever
 * echoed a credential into one of those, it is blanked here. Values shorter than 8 characters are left alone: blanking
 * them would mangle ordinary words, and no real secret or token is that short.
 */
class Secrets {
  private readonly fixed: string[];
  /** Per lane: the current token and the one before it (older ones can no longer appear in a fresh response). */
  private readonly tokens = new Map<number, string[]>();
  constructor(...values: string[]) {
    this.fixed = values.filter((v) => v.length >= 8);
  }
  addToken(lane: number, token: string): void {
    this.tokens.set(lane, [...(this.tokens.get(lane) ?? []).slice(-1), token]);
  }
  scrub(failure: ApiFailure): ApiFailure {
    const values = [...this.fixed, ...[...this.tokens.values()].flat().filter((t) => t.length >= 8)];
    const clean = (text: string): string =>
      values.reduce((acc, secret) => (acc.includes(secret) ? acc.split(secret).join('[redacted]') : acc), text);
    return {
      ...failure,
      message: clean(failure.message),
      ...(failure.code !== undefined && { code: clean(failure.code) }),
      ...(failure.contextId !== undefined && { contextId: clean(failure.contextId) }),
    };
  }
}
