/**
 * The SDK adapter: with its parts (answers.ts, groups-client.ts, routing-client.ts), the only code that touches
 * `purecloud-platform-client-v2`. It turns every SDK outcome into an `ApiOutcome` and does nothing else: no retries,
 * no pacing, no re-authentication (the governor owns those). What it offers is in api.ts.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { performance } from 'node:perf_hooks';
import { ConfigError } from '../errors.js';
import {
  type Accepted,
  acceptEntities,
  acceptListing,
  acceptSearch,
  acceptUser,
  invalidCall,
  isExtended,
  Secrets,
  toFailure,
  UnexpectedBody,
} from './answers.js';
import type { CallOptions, GenesysClient, GenesysClientOptions, UserReadOptions } from './api.js';
import { readProjected, withBodyRead } from './body.js';
import {
  type CallContext,
  classifyTransportFailure,
  headerValue,
  parseRateLimit,
  parseRetryAfter,
} from './classify.js';
import { type Gateway, isLoopbackHost, parseBaseUrl } from './endpoint.js';
import { groupsCalls, type SdkGroupsApi, type SdkUserGroupsApi } from './groups-client.js';
import { resolveRegion } from './regions.js';
import { routingCalls } from './routing-client.js';
import { requireSdk, type Sdk } from './sdk.js';
import { currentLane, LaneTokens, LoginQueue, onLane } from './tokens.js';
import type { ApiFailure, ApiOutcome, GenesysUser, LocationEntityListing } from './types.js';

type SdkApiClient = InstanceType<Sdk['ApiClientClass']>;

const DEFAULT_TIMEOUT_MS = 30_000;
const LOGIN_OPERATION = 'POST /oauth/token';
/** How long after the timeout the deadline aborts a call that axios's own timer has not ended. */
const DEADLINE_GRACE_MS = 1000;

let sdk: Sdk | undefined;

/** Loads the SDK on first use: that keeps it off the path of commands that never call the platform. */
function loadSdk(): Sdk {
  if (!sdk) {
    const loaded = requireSdk();
    // Requiring the whole SDK builds its `ApiClient.instance` singleton, which polls ~/.genesyscloudjavascript/config
    // every 5 s. Nothing here uses the singleton; stop its watcher so a run depends on no file outside the project.
    if (loaded.ApiClient) stopConfigFile(loaded.ApiClient);
    sdk = loaded;
  }
  return sdk;
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
      // Read by send(), which projects each user as the page is parsed (body.ts says why not axios).
      if (scope.project) config.responseType = 'stream';
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

  const context = (operation: string, permission?: string, otherDenial?: string): CallContext => ({
    operation,
    where,
    timeoutMs,
    ...(permission !== undefined && { permission }),
    ...(otherDenial !== undefined && { otherDenial }),
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
      const answer = await callScope.run(
        { signal, noProxy, ...(bearer !== undefined && { bearer }), ...(project && { project }) },
        invoke,
      );
      const value = project && isExtended(answer) ? ((await readProjected(answer, project)) as R) : answer;
      return { ok: true, value, latencyMs: performance.now() - started };
    } catch (thrown) {
      const error = await withBodyRead(thrown);
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
    accept: (body: unknown) => Accepted<T>,
  ): Promise<ApiOutcome<T>> {
    const sent = await send(ctx, options, invoke);
    if (!sent.ok) return sent.failure;
    const { value: response, latencyMs } = sent;
    const body = isExtended(response) ? accept(response.body) : undefined;
    if (!isExtended(response) || body === undefined || body instanceof UnexpectedBody) {
      const status = isExtended(response) ? response.status : undefined;
      const why = body instanceof UnexpectedBody ? ` (${body.why})` : '';
      return {
        ok: false,
        kind: 'unexpected',
        ...(status !== undefined && { status }),
        rateLimit: {},
        message:
          `unexpected response${status !== undefined ? ` (${status})` : ''} on ${ctx.operation}: the body is not ` +
          `what the Genesys Cloud API returns${why}; not retried, as the same answer would come again. Check that ` +
          `${where} is the Genesys Cloud API.`,
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
        kind: 'unexpected',
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
        kind: 'unexpected',
        status: 200,
        login: true,
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

  const helpers = { context, call, callVoid, invalid: invalidCall };
  return {
    target,
    ...groupsCalls(helpers, groups, users as unknown as SdkUserGroupsApi),
    ...routingCalls(helpers, { routing, authorization, users }),

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
        () => users.postUserInvite(id, {}),
      );
    },
  };
}

/** The part of axios's request config the pre-request hook changes. */
interface PreHookConfig {
  signal?: AbortSignal;
  proxy?: false;
  maxRedirects?: number;
  headers?: Record<string, unknown> & { set?: (name: string, value: string) => unknown };
  responseType?: 'stream';
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
