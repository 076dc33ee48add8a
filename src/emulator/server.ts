/**
 * The HTTP front of the emulator: one request pipeline for every route.
 *
 * api routes:   auth (401) → rate limit (429) → latency → 502/503 fault → body checks → handler → maybe drop or 504.
 * login routes: [latency → fault, with tokenFaults] → handler.
 * admin routes: handler.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { GrantRef, ProficiencyRef, UserRoutingLanguage, UserRoutingSkill } from '../genesys/routing-types.js';
import type { GenesysUser, LocationDefinition } from '../genesys/types.js';
import { ORG_LIMIT_CODE, orgLimitMessage } from './client-limits.js';
import { EmulatorCore, type Fault } from './core.js';
import { platformError, rateLimitMessage } from './errors.js';
import type { EmulatorOptions, FaultOptions } from './options.js';
import type { HeaderValues } from './rate-headers.js';
import { type Reply, type Route, type RouteContext, Router } from './router.js';
import { adminRoutes } from './routes/admin.js';
import { authorizationRoutes } from './routes/authorization.js';
import { groupRoutes } from './routes/groups.js';
import { lifecycleRoutes } from './routes/lifecycle.js';
import { oauthRoutes } from './routes/oauth.js';
import { profileRoutes } from './routes/profile.js';
import { queueMemberUsers, type RoutingDump, routingDump, routingRoutes, userProficiencies } from './routes/routing.js';
import { userRoutes } from './routes/users.js';
import type { RoutingCatalogue } from './routing.js';
import { HOSTILE_SUFFIXES } from './routing.js';
import type { EmulatorCounters, EmulatorStats } from './stats.js';

/** Largest request body the platform accepts. */
export const MAX_BODY_BYTES = 512_000;

export const ROUTES: readonly Route[] = [
  ...oauthRoutes,
  ...adminRoutes,
  ...userRoutes,
  ...lifecycleRoutes,
  ...profileRoutes,
  ...routingRoutes,
  ...authorizationRoutes,
  ...groupRoutes,
];

export interface RunningEmulator {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  port: number;
  clientId: string;
  clientSecret: string;
  stats(): EmulatorStats;
  /** `stats()` without the per-user records: cheap enough to sample often. */
  counters(): EmulatorCounters;
  /** A copy of the whole directory, in its initial order. */
  users(): GenesysUser[];
  /** A copy of one user. */
  user(id: string): GenesysUser | undefined;
  /** A copy of the routing catalogue: skills, languages, queues, roles and divisions (`Home` first). */
  catalogue(): RoutingCatalogue;
  /** A copy of the locations catalogue (`GET /api/v2/locations`). */
  locations(): LocationDefinition[];
  /** A user's routing skills `{id, name, proficiency}`, by name; undefined for an unknown user. */
  userSkills(userId: string): UserRoutingSkill[] | undefined;
  /** A user's routing languages, by name; undefined for an unknown user. */
  userLanguages(userId: string): UserRoutingLanguage[] | undefined;
  /** Ids of the queues a user is a member of, in catalogue order; undefined for an unknown user. */
  userQueues(userId: string): string[] | undefined;
  /** User ids of a queue's members, by user name (deleted users left out); undefined for an unknown queue. */
  queueMembers(queueId: string): string[] | undefined;
  /** Invitations sent (POST /api/v2/users/{id}/invite) by user id, since the start or the last reset. */
  invites(): Record<string, number>;
  /**
   * Invitation emails sent by user id: one on creation with `inviteOnCreate`; an invite sends one only when none is
   * outstanding or with `force=true` (the SDK: "Resend the invitation even if one is already outstanding").
   */
  invitationEmails(): Record<string, number>;
  /** A user's role grants `{roleId, divisionId}`; undefined for an unknown user. */
  grants(userId: string): GrantRef[] | undefined;
  /** The groups `{id, name, version, members}` (member ids in no set order; deleted users included). */
  groups(): { id: string; name: string; version: number; members: string[] }[];
  /** Ids of the groups a user is a member of, in catalogue order; undefined for an unknown user. */
  userGroups(userId: string): string[] | undefined;
  /**
   * "Another admin" acting on a group just before the next member write to it is checked: `edit` runs once, between
   * the client's read and its write. `addMember` adds a user and bumps the group's version, as such an admin would.
   */
  beforeNextGroupWrite(groupId: string, edit: { addMember?: string; removeMember?: string }): void;
  /** "Another admin" deletes a group: it is listed, found and written no more (404), and gives no membership. */
  deleteGroup(groupId: string): void;
  /**
   * "Another admin" acting just before the next PATCH of a user is checked: `giveEmail` gives another user (`to`) an
   * address, as between the client's read and its write, so that the PATCH may meet an address taken since;
   * `moveTo` moves the user to that division (by id; its version changes); `remove` deletes the user. `answer`: the
   * PATCH, if valid, is answered 200 with this body instead of the user (as a gateway or a broken proxy might), after
   * being applied unless `applied` is false: an answer that says nothing of the write's fate. `rereads`: so is each
   * of the next that many GETs of the user after it (default none).
   */
  beforeNextUserWrite(
    userId: string,
    edit: {
      giveEmail?: { to: string; email: string };
      moveTo?: string;
      remove?: boolean;
      answer?: { body: unknown; applied?: boolean; rereads?: number };
    },
  ): void;
  /**
   * "Another admin" changing a user's grants (`addGrants`, `removeGrants`) or skills (`skills`, as a PATCH sets them)
   * just before the next grants or skills write of that user is checked: between the client's read and its write.
   */
  beforeNextRoutingWrite(
    userId: string,
    edit: { addGrants?: GrantRef[]; removeGrants?: GrantRef[]; skills?: ProficiencyRef[] },
  ): void;
  /**
   * "Another admin" creating users while a client lists the directory: `create` is added (as given, ids included)
   * just before the next listing page after the first is served, so that a user named to sort onto a page read
   * already is on no page the client reads.
   */
  duringNextListing(edit: { create: GenesysUser[] }): void;
  /** The catalogue and every user's assignments, as `GET /__emulator/routing` serves them. */
  routing(): RoutingDump;
  setLimit(limit: number, windowSeconds?: number): void;
  /** One token's own limit (by serial, as in `stats().byToken`), as if another program spent its quota too. */
  setTokenLimit(serial: number, limit: number, windowSeconds?: number): void;
  /** Revokes one token (by serial): its requests get 401 from then on, as if an administrator had revoked it. */
  revokeToken(serial: number): void;
  setFaults(partial: Partial<FaultOptions>): void;
  reset(): void;
  /** Stops listening and closes every connection at once; requests being handled get no response. Idempotent. */
  stop(): Promise<void>;
}

const GATEWAY_TIMEOUT_HTML =
  '<html>\r\n<head><title>504 Gateway Time-out</title></head>\r\n<body>\r\n<center><h1>504 Gateway Time-out</h1></center>\r\n</body>\r\n</html>\r\n';
const BAD_GATEWAY_HTML =
  '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n';

const named = (list: { id: string; name: string; proficiency: number }[]) =>
  list.map(({ id, name, proficiency }) => ({ id, name, proficiency }));

function isLoopback(address: string | undefined): boolean {
  return (
    address !== undefined && (address.startsWith('127.') || address === '::1' || address.startsWith('::ffff:127.'))
  );
}

interface RawBody {
  text: string;
  tooLarge: boolean;
}

function readBody(req: IncomingMessage): Promise<RawBody> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => resolve({ text: tooLarge ? '' : Buffer.concat(chunks).toString('utf8'), tooLarge }));
    req.on('error', reject);
  });
}

function rateHeaders(values: HeaderValues): Record<string, string> {
  return {
    'inin-ratelimit-count': String(values.count),
    'inin-ratelimit-allowed': String(values.allowed),
    'inin-ratelimit-reset': String(values.resetSeconds),
  };
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new RangeError(`port must be 0..65535, got ${port}`);
  const core = new EmulatorCore(options);
  const router = new Router(ROUTES);
  const timers = new Set<NodeJS.Timeout>();

  const sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, ms);
      timers.add(timer);
    });

  const send = (res: ServerResponse, reply: Reply, extraHeaders: Record<string, string>): void => {
    if (res.destroyed) return;
    const headers: Record<string, string> = { ...extraHeaders, ...reply.headers };
    let payload = '';
    if (reply.html !== undefined) {
      headers['content-type'] = 'text/html';
      payload = reply.html;
    } else if (reply.body !== undefined) {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(reply.status >= 400 && core.hostileNames ? hostileError(reply.body) : reply.body);
    }
    const contextId = (reply.body as { contextId?: unknown } | undefined)?.contextId;
    if (typeof contextId === 'string') headers['inin-correlation-id'] = contextId;
    headers['content-length'] = String(Buffer.byteLength(payload));
    res.writeHead(reply.status, headers);
    res.end(payload);
  };

  const faultReply = (fault: Fault): Reply => {
    if (fault.status === 502) {
      core.stats.fault('error502');
      return { status: 502, html: BAD_GATEWAY_HTML };
    }
    core.stats.fault('error503');
    const reply: Reply = {
      status: 503,
      body: platformError(503, 'service.unavailable', 'The service is currently unavailable. Please try again.'),
    };
    if (fault.retryAfterSeconds !== undefined) {
      core.stats.fault('error503WithRetryAfter');
      reply.headers = { 'retry-after': String(fault.retryAfterSeconds) };
    }
    return reply;
  };

  const parseBody = (route: Route, raw: RawBody): { ok: true; body: unknown } | { ok: false; reply: Reply } => {
    if (raw.tooLarge) {
      const message = `The request body exceeds the maximum of ${MAX_BODY_BYTES} bytes.`;
      return { ok: false, reply: { status: 413, body: platformError(413, 'request.entity.too.large', message) } };
    }
    if (route.body === 'form') return { ok: true, body: new URLSearchParams(raw.text) };
    if (route.body === 'none' || raw.text.trim() === '') return { ok: true, body: undefined };
    try {
      return { ok: true, body: JSON.parse(raw.text) };
    } catch {
      const message = 'The request could not be understood by the server due to malformed syntax.';
      return { ok: false, reply: { status: 400, body: platformError(400, 'bad.request', message) } };
    }
  };

  /** Handles a request; returns the status sent, or 'dropped'. */
  const handle = async (req: IncomingMessage, res: ServerResponse, routeName: { value: string }) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const raw = await readBody(req);
    let match: ReturnType<Router['match']>;
    try {
      match = router.match(req.method ?? 'GET', url.pathname);
    } catch {
      match = { ok: false, status: 404 };
    }

    let route: Route;
    let params: Record<string, string> = {};
    if (match.ok) {
      ({ route, params } = match);
      routeName.value = `${route.method} ${route.path}`;
    } else {
      const reply: Reply =
        match.status === 405
          ? {
              status: 405,
              headers: { allow: (match.allowed ?? []).join(', ') },
              body: platformError(405, 'method.not.allowed', `Method ${req.method} is not allowed on ${url.pathname}`),
            }
          : { status: 404, body: platformError(404, 'not.found', `No resource at ${url.pathname}`) };
      // Under /api the gateway authenticates and counts a request before anyone knows whether the resource exists.
      if (!url.pathname.startsWith('/api/')) {
        send(res, reply, {});
        return reply.status;
      }
      route = { method: 'GET', path: url.pathname, kind: 'api', body: 'none', handle: () => reply };
    }

    const ctx: RouteContext = { core, params, query: url.searchParams, headers: req.headers, body: undefined };
    let headers: Record<string, string> = {};

    if (route.kind === 'api') {
      const auth = core.authenticate(req.headers.authorization);
      if (!auth.ok) {
        core.stats.unauthorized();
        send(res, { status: 401, body: platformError(401, auth.code, auth.message) }, {});
        return 401;
      }
      const at = core.now();
      const decision = core.limiterFor(auth.token).take(at);
      if (core.config.rateLimitHeaders && decision.headers) headers = rateHeaders(decision.headers);
      const refusalHeaders = core.config.rateLimitHeadersOn429 ? headers : {};
      if (!decision.allowed) {
        core.apiRequest(auth.token, 'token', at);
        const seconds = decision.retryAfterSeconds;
        const body = platformError(429, 'too.many.requests.retry.after', rateLimitMessage(seconds));
        send(res, { status: 429, body }, { ...refusalHeaders, 'retry-after': String(seconds) });
        return 429;
      }
      // The limit above the tokens is checked after the token's own, which has then counted the request: a gateway
      // counts what reaches it. Its 429 carries the token's headers (which say nothing of this limit) and another code.
      const above = core.limits.takeRequest(at);
      if (above && !above.allowed) {
        core.apiRequest(auth.token, 'org', at);
        const seconds = above.retryAfterSeconds;
        const body = platformError(429, ORG_LIMIT_CODE, orgLimitMessage(seconds));
        send(res, { status: 429, body }, { ...refusalHeaders, 'retry-after': String(seconds) });
        return 429;
      }
      core.apiRequest(auth.token, 'allowed', at);
      ctx.token = auth.token;
    }

    if (route.kind === 'api' || (route.kind === 'login' && core.config.tokenFaults)) {
      const latency = core.drawLatencyMs();
      if (latency > 0) await sleep(latency);
      const fault = core.drawFault();
      if (fault) {
        const reply = faultReply(fault);
        send(res, reply, headers);
        return reply.status;
      }
    }

    const parsed = parseBody(route, raw);
    if (!parsed.ok) {
      send(res, parsed.reply, headers);
      return parsed.reply.status;
    }
    ctx.body = parsed.body;
    const reply = await route.handle(ctx);
    if (reply.wrote && (core.drawDrop() || (reply.created === true && core.drawCreateDrop()))) {
      // The write is applied; the client never learns it.
      req.socket.destroy();
      return 'dropped' as const;
    }
    if (reply.wrote && core.drawTimeoutAfterWrite()) {
      core.stats.fault('timeoutAfterWrite');
      send(res, { status: 504, html: GATEWAY_TIMEOUT_HTML }, headers);
      return 504;
    }
    send(res, reply, headers);
    return reply.status;
  };

  const server: Server = createServer((req, res) => {
    // The server binds 127.0.0.1 only; this guards the unauthenticated /__emulator routes should that change.
    if (!isLoopback(req.socket.remoteAddress)) {
      req.socket.destroy();
      return;
    }
    const pathname = (req.url ?? '/').split('?')[0] ?? '/';
    const counted = !pathname.startsWith('/__emulator/');
    const routeName = { value: 'unmatched' };
    if (counted) core.stats.begin();
    handle(req, res, routeName).then(
      (outcome) => {
        if (counted) core.stats.end(routeName.value, outcome);
      },
      (err: unknown) => {
        const message = err instanceof Error ? err.message : String(err);
        send(res, { status: 500, body: platformError(500, 'internal.server.error', message) }, {});
        if (counted) core.stats.end(routeName.value, 500);
      },
    );
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const actualPort = (server.address() as AddressInfo).port;
  let stopping: Promise<void> | undefined;

  return {
    url: `http://127.0.0.1:${actualPort}`,
    port: actualPort,
    clientId: core.clientId,
    clientSecret: core.clientSecret,
    stats: () => core.stats.snapshot(),
    counters: () => core.stats.counters(),
    users: () => structuredClone(core.store.inDirectoryOrder()),
    user: (id) => core.publicUser(core.store.get(id)),
    catalogue: () => structuredClone(core.routing.catalogue),
    locations: () => structuredClone(core.locations),
    userSkills: (id) => (core.store.has(id) ? named(userProficiencies(core, id, 'skill')) : undefined),
    userLanguages: (id) => (core.store.has(id) ? named(userProficiencies(core, id, 'language')) : undefined),
    userQueues: (id) => (core.store.has(id) ? core.routing.queuesOf(id) : undefined),
    queueMembers: (queueId) => queueMemberUsers(core, queueId)?.map((u) => u.id),
    grants: (id) => (core.store.has(id) ? core.routing.get(id).grants.map((g) => ({ ...g })) : undefined),
    groups: () =>
      core.groups.groups.map((g) => ({
        id: g.id,
        name: g.name,
        version: core.groups.version(g.id),
        members: [...(core.groups.members(g.id) ?? [])],
      })),
    userGroups: (id) => (core.store.has(id) ? core.groups.groupsOf(id) : undefined),
    deleteGroup: (groupId) => {
      if (!core.groups.live(groupId)) throw new RangeError(`no group ${groupId}`);
      core.groups.delete(groupId);
    },
    beforeNextGroupWrite: (groupId, edit) => {
      if (!core.groups.byId.has(groupId)) throw new RangeError(`no group ${groupId}`);
      core.groups.beforeWrite.set(groupId, () => {
        if (edit.addMember !== undefined) core.groups.change(groupId, [edit.addMember], false);
        if (edit.removeMember !== undefined) core.groups.change(groupId, [edit.removeMember], true);
      });
    },
    beforeNextUserWrite: (userId, edit) => {
      if (!core.store.has(userId)) throw new RangeError(`no user ${userId}`);
      if (edit.moveTo !== undefined && !core.routing.divisionsById.has(edit.moveTo))
        throw new RangeError(`no division ${edit.moveTo}`);
      if (edit.answer !== undefined) core.userWriteAnswers.set(userId, structuredClone(edit.answer));
      core.beforeUserWrite.set(userId, () => {
        const division = edit.moveTo === undefined ? undefined : core.routing.divisionsById.get(edit.moveTo);
        if (division !== undefined) {
          const { id, name } = division;
          core.store.moveToDivision(userId, { id, name, selfUri: `/api/v2/authorization/divisions/${id}` });
        }
        if (edit.remove) core.store.markDeleted(userId);
        const give = edit.giveEmail;
        const to = give === undefined ? undefined : core.store.get(give.to);
        if (give === undefined || to === undefined) return;
        const given = core.store.applyPatch(give.to, { version: to.version, email: give.email });
        if (!given.ok) throw new Error(`beforeNextUserWrite: ${give.email} could not be given to ${give.to}`);
      });
    },
    beforeNextRoutingWrite: (userId, edit) => {
      if (!core.store.has(userId)) throw new RangeError(`no user ${userId}`);
      core.beforeRoutingWrite.set(userId, () => {
        if (edit.addGrants !== undefined) core.routing.changeGrants(userId, 'add', edit.addGrants);
        if (edit.removeGrants !== undefined) core.routing.changeGrants(userId, 'remove', edit.removeGrants);
        if (edit.skills !== undefined) core.routing.setSkills(userId, edit.skills, false);
      });
    },
    duringNextListing: (edit) => {
      const users = edit.create.map((u) => structuredClone(u));
      core.beforeListPage.set('next page', () => {
        for (const user of users) core.store.add(user);
      });
    },
    routing: () => routingDump(core),
    invites: () => Object.fromEntries(core.invites),
    invitationEmails: () => Object.fromEntries(core.invitationEmails),
    setLimit: (limit, windowSeconds) => core.setLimit(limit, windowSeconds),
    setTokenLimit: (serial, limit, windowSeconds) => core.setTokenLimit(serial, limit, windowSeconds),
    revokeToken: (serial) => core.revokeToken(serial),
    setFaults: (partial) => core.setFaults(partial),
    reset: () => core.reset(),
    stop: () => {
      stopping ??= new Promise<void>((resolve, reject) => {
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      });
      return stopping;
    },
  };
}

/** An error body whose messages end in escape sequences, as a hostile platform or proxy could send them. */
function hostileError(body: unknown): unknown {
  if (typeof body !== 'object' || body === null) return body;
  const out: Record<string, unknown> = { ...(body as Record<string, unknown>) };
  for (const key of ['message', 'description', 'error_description'])
    if (typeof out[key] === 'string') out[key] = `${out[key]} ${HOSTILE_SUFFIXES.join('')}`;
  return out;
}
