/**
 * The emulator's state and policies, without HTTP: directory, tokens, per-token rate limiters, faults, stats.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { GenesysUser, LocationDefinition } from '../genesys/types.js';
import { ClientLimits } from './client-limits.js';
import { generateDirectory } from './directory.js';
import { GroupsStore } from './groups.js';
import type { RateLimitConfig } from './limiter.js';
import { OnceHooks } from './once-hooks.js';
import {
  type ApiRequestEvent,
  DEFAULT_CLIENT_ID,
  DEFAULT_CONFIG,
  DEFAULT_USERS,
  type EmulatorConfig,
  type EmulatorOptions,
  type FaultOptions,
  mergeConfig,
} from './options.js';
import { createPrng, deriveSeed, type Prng } from './prng.js';
import { generateLocations, withProfileExtras } from './profile.js';
import { type PresentedLimiter, presentLimiter } from './rate-headers.js';
import {
  applyAssignments,
  generateAssignments,
  generateCatalogue,
  type RoutingState,
  RoutingStore,
} from './routing.js';
import { StatsRecorder } from './stats.js';
import { type StoredUser, UserStore } from './store.js';

export interface IssuedToken {
  token: string;
  clientId: string;
  /** 1 for the first token issued, and so on: how the stats name a token (never by its value). */
  serial: number;
  /** `EmulatorCore.now()` time after which the token is rejected. */
  expiresAt: number;
  /** Created at the token's first /api request. */
  limiter?: PresentedLimiter;
  /** A limit of this token's own (`setTokenLimit`), instead of the configured one. */
  limit?: { limit: number; windowMs: number };
}

export type AuthResult = { ok: true; token: IssuedToken } | { ok: false; code: string; message: string };

export type Fault = { status: 502 } | { status: 503; retryAfterSeconds?: number };

// Expired tokens are forgotten when they are next presented, or in a sweep once this many have been issued.
const TOKEN_SWEEP_THRESHOLD = 10_000;

export class EmulatorCore {
  config: EmulatorConfig;
  readonly store: UserStore;
  readonly routing: RoutingStore;
  readonly groups: GroupsStore;
  /** The locations catalogue (`GET /api/v2/locations`). */
  readonly locations: LocationDefinition[];
  readonly stats = new StatsRecorder();
  readonly clientId: string;
  readonly clientSecret: string;
  /** Names and error messages carry escape sequences (EmulatorOptions.hostileNames). */
  readonly hostileNames: boolean;
  private readonly seed: number;
  private readonly clock: () => number;
  private readonly onApiRequest: EmulatorOptions['onApiRequest'];
  private readonly tokens = new Map<string, IssuedToken>();
  private tokenSerial = 0;
  /** The token endpoint's limit and the limit above the tokens. */
  readonly limits: ClientLimits;
  private latencyPrng!: Prng;
  private faultPrng!: Prng;
  private dropPrng!: Prng;
  private createDropPrng!: Prng;
  private timeoutPrng!: Prng;
  private editPrng!: Prng;
  private expandPrng!: Prng;
  /** Draws the ids of created users, so that a seeded emulator gives the same ids run after run. */
  idPrng!: Prng;
  /** Invitations sent (POST /api/v2/users/{id}/invite), by user id, since the last reset. */
  readonly invites = new Map<string, number>();
  /** Invitation emails sent, by user id: by creation (`inviteOnCreate`), or an invite with none outstanding or `force`. */
  readonly invitationEmails = new Map<string, number>();
  /** When each user created since the last reset was created (`now()`), for `searchLagMs`. */
  readonly createdAt = new Map<string, number>();
  private editSerial = 0;

  constructor(options: EmulatorOptions = {}) {
    const {
      port: _port,
      users,
      seed,
      clientId,
      clientSecret,
      emailDomain,
      clock,
      onApiRequest,
      skills,
      languages,
      queues,
      roles,
      divisions,
      assignments,
      groups,
      hostileNames,
      locations,
      ...config
    } = options;
    this.hostileNames = hostileNames === true;
    this.clock = clock ?? (() => performance.now());
    this.onApiRequest = onApiRequest;
    const merged = mergeConfig(DEFAULT_CONFIG, config);
    if (!merged.ok) throw new RangeError(merged.message);
    this.config = merged.config;
    this.limits = new ClientLimits(this.config);
    this.seed = seed ?? 1;
    if (!Number.isInteger(this.seed)) throw new RangeError(`seed must be an integer, got ${seed}`);
    if (clientId !== undefined && clientId === '') throw new RangeError('clientId must not be empty');
    if (clientSecret !== undefined && clientSecret === '') throw new RangeError('clientSecret must not be empty');
    this.clientId = clientId ?? DEFAULT_CLIENT_ID;
    this.clientSecret = clientSecret ?? randomBytes(24).toString('base64url');
    const initial: StoredUser[] = Array.isArray(users)
      ? structuredClone(users)
      : generateDirectory({ users: users ?? DEFAULT_USERS, seed: this.seed, ...(emailDomain ? { emailDomain } : {}) });
    this.locations = generateLocations(this.seed, locations);
    if (!Array.isArray(users)) withProfileExtras(initial, this.locations, this.seed);
    const catalogue = generateCatalogue({
      seed: this.seed,
      skills,
      languages,
      queues,
      roles,
      divisions,
      users: initial,
      hostileNames: this.hostileNames,
    });
    // A user's division is named as the catalogue names it: hostile names reach the users' references too.
    const divisionNames = new Map(catalogue.divisions.map((d) => [d.id, d.name]));
    for (const u of initial) {
      const name = u.division ? divisionNames.get(u.division.id) : undefined;
      if (u.division && name !== undefined && name !== u.division.name) u.division = { ...u.division, name };
    }
    this.store = new UserStore(initial);
    const state: RoutingState = Array.isArray(users)
      ? { users: new Map(), queues: new Map(catalogue.queues.map((q) => [q.id, new Set<string>()])) }
      : generateAssignments(initial, catalogue, this.seed);
    if (assignments) applyAssignments(state, assignments, catalogue, new Set(initial.map((u) => u.id)));
    this.routing = new RoutingStore(catalogue, state);
    this.groups = new GroupsStore({
      seed: this.seed,
      groups,
      users: initial,
      catalogue,
      generatedUsers: !Array.isArray(users),
      hostileNames: this.hostileNames,
    });
    this.seedPrngs();
  }

  private seedPrngs(): void {
    this.latencyPrng = createPrng(deriveSeed(this.seed, 'latency'));
    this.faultPrng = createPrng(deriveSeed(this.seed, 'faults'));
    this.dropPrng = createPrng(deriveSeed(this.seed, 'drops'));
    this.createDropPrng = createPrng(deriveSeed(this.seed, 'create-drops'));
    this.timeoutPrng = createPrng(deriveSeed(this.seed, 'write-timeouts'));
    this.idPrng = createPrng(deriveSeed(this.seed, 'created-ids'));
    this.editPrng = createPrng(deriveSeed(this.seed, 'edits'));
    this.expandPrng = createPrng(deriveSeed(this.seed, 'expand-omit'));
    this.editSerial = 0;
  }

  /** Monotonic ms for the rate limiters and token expiry. */
  now(): number {
    return this.clock();
  }

  checkClient(clientId: string, clientSecret: string): boolean {
    return clientId === this.clientId && clientSecret === this.clientSecret;
  }

  issueToken(): IssuedToken {
    if (this.tokens.size >= TOKEN_SWEEP_THRESHOLD) {
      const now = this.now();
      for (const [key, t] of this.tokens) if (t.expiresAt <= now) this.tokens.delete(key);
    }
    const token: IssuedToken = {
      token: randomBytes(32).toString('base64url'),
      clientId: this.clientId,
      serial: ++this.tokenSerial,
      expiresAt: this.now() + this.config.tokenLifetimeSeconds * 1000,
    };
    this.tokens.set(token.token, token);
    this.stats.tokenIssued();
    return token;
  }

  /** Checks an `Authorization` header for a live bearer token. */
  authenticate(header: string | undefined): AuthResult {
    const match = header ? /^bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match) {
      return {
        ok: false,
        code: 'authentication.required',
        message: 'No authentication bearer token specified in authorization header.',
      };
    }
    const token = this.tokens.get(match[1] as string);
    if (!token) return { ok: false, code: 'bad.credentials', message: 'Invalid login credentials.' };
    if (token.expiresAt <= this.now()) {
      this.tokens.delete(token.token);
      return { ok: false, code: this.config.expiredTokenCode, message: 'Invalid login credentials.' };
    }
    return { ok: true, token };
  }

  /** Counts an authenticated /api request as its limiter decided it, `at` then (`EmulatorOptions.onApiRequest`). */
  apiRequest(token: IssuedToken, outcome: ApiRequestEvent['outcome'], at: number): void {
    this.stats.tokenRequest(token.serial, outcome);
    this.onApiRequest?.({ at, token: token.serial, outcome });
  }

  limiterFor(token: IssuedToken): PresentedLimiter {
    const { algorithm, headerModel, headerLagMs } = this.config;
    token.limiter ??= presentLimiter(algorithm, this.limiterConfig(token), { model: headerModel, lagMs: headerLagMs });
    return token.limiter;
  }

  /**
   * Gives one token (by serial) a limit of its own from now on, keeping what it has used: as if another program
   * spent the same token's quota. The configured limit no longer applies to it.
   */
  setTokenLimit(serial: number, limit: number, windowSeconds?: number): void {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limit must be a positive integer, got ${limit}`);
    if (windowSeconds !== undefined && !(windowSeconds > 0))
      throw new RangeError(`window must be positive, got ${windowSeconds}`);
    const token = [...this.tokens.values()].find((t) => t.serial === serial);
    if (!token) throw new RangeError(`no live token with serial ${serial}`);
    token.limit = { limit, windowMs: (windowSeconds ?? this.config.windowSeconds) * 1000 };
    token.limiter?.configure(this.limiterConfig(token), this.now());
  }

  /** Revokes one token (by serial): from now on it is answered 401 `bad.credentials`, as an unknown token is. */
  revokeToken(serial: number): void {
    const token = [...this.tokens.values()].find((t) => t.serial === serial);
    if (!token) throw new RangeError(`no live token with serial ${serial}`);
    this.tokens.delete(token.token);
  }

  private limiterConfig(token?: IssuedToken): RateLimitConfig {
    const { limit, windowSeconds, burst, windowOriginMs } = this.config;
    return { limit, windowMs: windowSeconds * 1000, burst, originMs: windowOriginMs, ...token?.limit };
  }

  /**
   * Changes any part of the configuration. A new limit or window applies at once to every token, keeping what each
   * has already used (a new burst too); a new algorithm, header model, lag or window origin starts every token afresh.
   */
  updateConfig(partial: unknown): { ok: true; config: EmulatorConfig } | { ok: false; message: string } {
    const merged = mergeConfig(this.config, partial);
    if (!merged.ok) return merged;
    const before = this.config;
    this.config = merged.config;
    const presentation = (c: EmulatorConfig) => [c.algorithm, c.headerModel, c.headerLagMs, c.windowOriginMs].join();
    if (presentation(before) !== presentation(this.config)) {
      for (const token of this.tokens.values()) delete token.limiter;
    } else if (
      before.limit !== this.config.limit ||
      before.windowSeconds !== this.config.windowSeconds ||
      before.burst !== this.config.burst
    ) {
      const now = this.now();
      for (const token of this.tokens.values()) token.limiter?.configure(this.limiterConfig(token), now);
    }
    this.limits.configure(this.config, this.now());
    return merged;
  }

  setLimit(limit: number, windowSeconds?: number): void {
    const result = this.updateConfig(windowSeconds === undefined ? { limit } : { limit, windowSeconds });
    if (!result.ok) throw new RangeError(result.message);
  }

  setFaults(partial: Partial<FaultOptions>): void {
    const allowed: (keyof FaultOptions)[] = [
      'error502Rate',
      'error503Rate',
      'error503RetryAfterRate',
      'error503RetryAfterSeconds',
      'dropAfterWriteRate',
      'dropAfterCreateRate',
      'timeoutAfterWriteRate',
      'concurrentEditRate',
      'concurrentEditFields',
      'tokenFaults',
      'deniedPermissions',
      'namePermissions',
      'ungrantableRoles',
      'expandOmitRate',
    ];
    const extra = Object.keys(partial).filter((k) => !allowed.includes(k as keyof FaultOptions));
    if (extra.length > 0) throw new RangeError(`not a fault option: ${extra.join(', ')}`);
    const result = this.updateConfig(partial);
    if (!result.ok) throw new RangeError(result.message);
  }

  /**
   * Back to the initial directory and assignments, zeroed stats, fresh rate-limit windows and random streams; tokens
   * stay valid.
   */
  reset(): void {
    this.store.reset();
    this.routing.reset();
    this.groups.reset();
    this.stats.reset();
    this.invites.clear();
    this.invitationEmails.clear();
    this.createdAt.clear();
    this.beforeUserWrite.clear();
    this.userWriteAnswers.clear();
    this.userReadAnswers.clear();
    this.beforeRoutingWrite.clear();
    this.beforeListPage.clear();
    for (const token of this.tokens.values()) delete token.limiter;
    this.limits.reset();
    this.seedPrngs();
  }

  /** The users a search sees: with `searchLagMs`, those created longer ago than that. */
  searchable(users: readonly StoredUser[]): readonly StoredUser[] {
    const lag = this.config.searchLagMs;
    if (lag === 0 || this.createdAt.size === 0) return users;
    const now = this.now();
    return users.filter((u) => {
      const at = this.createdAt.get(u.id);
      return at === undefined || now - at >= lag;
    });
  }

  drawLatencyMs(): number {
    const [min, max] = this.config.latencyMs;
    return max === 0 ? 0 : this.latencyPrng.int(min, max);
  }

  drawFault(): Fault | undefined {
    const { error502Rate, error503Rate, error503RetryAfterRate, error503RetryAfterSeconds } = this.config;
    if (error502Rate === 0 && error503Rate === 0) return undefined;
    const u = this.faultPrng.next();
    if (u < error502Rate) return { status: 502 };
    if (u < error502Rate + error503Rate) {
      if (!this.faultPrng.chance(error503RetryAfterRate)) return { status: 503 };
      const [min, max] = error503RetryAfterSeconds;
      return { status: 503, retryAfterSeconds: this.faultPrng.int(min, max) };
    }
    return undefined;
  }

  drawDrop(): boolean {
    return this.dropPrng.chance(this.config.dropAfterWriteRate);
  }

  drawCreateDrop(): boolean {
    return this.createDropPrng.chance(this.config.dropAfterCreateRate);
  }

  drawTimeoutAfterWrite(): boolean {
    return this.timeoutPrng.chance(this.config.timeoutAfterWriteRate);
  }

  /** With `expandOmitRate`, whether a user list leaves this expansion out of one user's entry. */
  drawExpandOmit(): boolean {
    return this.expandPrng.chance(this.config.expandOmitRate);
  }

  /** Run just before the next PATCH of the user is checked (server.ts `beforeNextUserWrite`). */
  readonly beforeUserWrite = new OnceHooks<string>();
  /** The wrong-shaped answer the next valid PATCH of a user gets (server.ts `beforeNextUserWrite`'s `answer`). */
  readonly userWriteAnswers = new Map<string, { body: unknown; applied?: boolean; rereads?: number }>();
  /** The wrong-shaped answer the next GETs of a user get after such a PATCH, and how many are left. */
  readonly userReadAnswers = new Map<string, { body: unknown; left: number }>();
  /** Run just before the next grants or skills write of the user is checked (server.ts `beforeNextRoutingWrite`). */
  readonly beforeRoutingWrite = new OnceHooks<string>();
  /** Run just before the next directory listing page after the first is served (`duringNextListing`). */
  readonly beforeListPage = new OnceHooks<'next page'>();

  /** With `concurrentEditRate`, "another admin" edits the user first. */
  maybeConcurrentEdit(userId: string): void {
    if (!this.store.has(userId) || !this.editPrng.chance(this.config.concurrentEditRate)) return;
    const field = this.editPrng.pick(this.config.concurrentEditFields);
    const serial = ++this.editSerial;
    const { user, ...change } = this.store.externalEdit(userId, field, serial);
    this.stats.concurrentEdit({ userId, ...change, version: user.version, at: new Date().toISOString() });
  }

  publicUser(user: GenesysUser | undefined): GenesysUser | undefined {
    return user === undefined ? undefined : structuredClone(user);
  }
}
