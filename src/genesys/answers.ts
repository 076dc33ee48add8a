/**
 * What the SDK answered, read: its rejections turned into failures (only status, headers, body fields and error codes
 * are read), bodies checked for the shape each call returns, and secrets scrubbed from every failure.
 */
import { escapeControls } from '../text.js';
import {
  type CallContext,
  classifyHttpFailure,
  classifyTransportFailure,
  type FailureDetails,
  headerValue,
} from './classify.js';
import type { AuthzSubject } from './routing-types.js';
import { entitiesShapeProblem, grantsShapeProblem, isRecord, userShapeProblem, usersShapeProblem } from './shapes.js';
import type { ApiFailure, GenesysUser, UserEntityListing, UsersSearchResponse } from './types.js';

/** An answer of the right status whose body is not what the call returns: `why` says what is wrong with it. */
export class UnexpectedBody {
  constructor(readonly why: string) {}
}

/** What a call makes of a successful answer's body: its value, or why it is not one (undefined: no detail). */
export type Accepted<T> = T | UnexpectedBody | undefined;

/** What `setReturnExtendedResponses(true)` makes the SDK resolve with, and reject with on an HTTP error status. */
export interface ExtendedResponse {
  status: number;
  headers?: Record<string, unknown>;
  body?: unknown;
  error?: unknown;
}

export function invalidCall(ctx: CallContext, why: string): ApiFailure {
  return { ok: false, kind: 'invalid', rateLimit: {}, message: `invalid call ${ctx.operation}: ${why}.`, latencyMs: 0 };
}

/**
 * Maps whatever the SDK rejected with. Only status, headers, body fields and error codes are read: an axios error
 * also carries the request (its Authorization header, its body), which must never reach a message.
 */
export function toFailure(error: unknown, ctx: CallContext): FailureDetails {
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

export function isExtended(value: unknown): value is ExtendedResponse {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { status?: unknown }).status === 'number' &&
    'body' in value &&
    'headers' in value
  );
}

/**
 * A body whose list `field` (left out by the platform when it is empty) holds what `problemOf` accepts: the body,
 * with the list when it was left out; else why not (what was expected, or what is wrong with an item).
 */
function acceptWithList<T>(
  body: unknown,
  field: string,
  problemOf: (items: readonly unknown[]) => string | undefined,
): Accepted<T> {
  if (!isRecord(body)) return new UnexpectedBody(`expected a JSON object with a "${field}" list`);
  const items = body[field];
  if (items === undefined) return { ...body, [field]: [] } as unknown as T;
  if (!Array.isArray(items)) return new UnexpectedBody(`expected "${field}" to be a list`);
  const problem = problemOf(items);
  return problem === undefined ? (body as unknown as T) : new UnexpectedBody(problem);
}

export function acceptListing(body: unknown): Accepted<UserEntityListing> {
  return acceptWithList(body, 'entities', usersShapeProblem);
}

/** A listing with `entities` (left out by the platform when there are none). */
export function acceptEntities<L extends { entities: unknown[] }>(body: unknown): Accepted<L> {
  return acceptWithList(body, 'entities', entitiesShapeProblem);
}

export function acceptSubject(body: unknown): Accepted<AuthzSubject> {
  return isRecord(body) && typeof body.id === 'string'
    ? acceptWithList(body, 'grants', grantsShapeProblem)
    : new UnexpectedBody('expected a JSON object with an "id" and a "grants" list');
}

export function acceptSearch(body: unknown): Accepted<UsersSearchResponse> {
  return acceptWithList(body, 'results', usersShapeProblem);
}

export function acceptUser(body: unknown): Accepted<GenesysUser> {
  if (!isRecord(body)) return new UnexpectedBody('expected a user: a JSON object');
  const problem = userShapeProblem(body);
  return problem === undefined ? (body as unknown as GenesysUser) : new UnexpectedBody(problem);
}

/**
 * The last line of defence: failures are built only from status, code and platform fields, but if a server ever
 * echoed a credential into one of those, it is blanked here. Values shorter than 8 characters are left alone: blanking
 * them would mangle ordinary words, and no real secret or token is that short.
 */
export class Secrets {
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
