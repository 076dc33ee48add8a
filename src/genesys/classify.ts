/**
 * Pure mapping from what the wire said (status, headers, body, or a transport error code) to the project's
 * `ApiFailure` terms and a message that says what happened and what to do. Nothing here sees a request, so nothing
 * here can echo a credential; the client scrubs the result once more anyway.
 */

import { escapeControls } from '../text.js';
import type { ApiFailure, ErrorKind, RateLimitHeaders } from './types.js';

/** Response headers as axios or node:http give them: names in any case, values strings, numbers or arrays. */
export type HeaderBag = Readonly<Record<string, unknown>> | null | undefined;

/** What a message needs to know about the call that failed. */
export interface CallContext {
  /** e.g. `PATCH /api/v2/users/{userId}`, `POST /oauth/token`. */
  operation: string;
  /** True for the client-credentials token call. */
  login?: boolean;
  /** Where calls go: `the region eu_west_1 (https://api.mypurecloud.ie)` or `the base URL http://127.0.0.1:4010`. */
  where: string;
  /** A permission the call needs, named by a 403 message when the platform's body does not name one. */
  permission?: string;
  /** Another cause of a 403 to this call than a missing permission, said after it. */
  otherDenial?: string;
  /** The per-request timeout, for the timeout message. */
  timeoutMs: number;
}

/** An `ApiFailure` before its latency is known. */
export type FailureDetails = Omit<ApiFailure, 'latencyMs'>;

export interface PlatformError {
  code?: string;
  message?: string;
  contextId?: string;
}

const MAX_PLATFORM_MESSAGE = 300;

export function headerValue(headers: HeaderBag, name: string): string | undefined {
  if (!headers) return undefined;
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== wanted) continue;
    const first = Array.isArray(value) ? value[0] : value;
    if (typeof first === 'string') return first.trim();
    if (typeof first === 'number' && Number.isFinite(first)) return String(first);
  }
  return undefined;
}

/**
 * The longest wait a server's answer can impose, in seconds. The platform's own 429s ask for less than its 60 s
 * window; a server asking for days (or past what a timer can hold, 2^31 ms, which Node turns into 1 ms) is misbehaving,
 * and a run that waited that long would look hung. An hour is long enough for any maintenance a 503 announces.
 */
export const MAX_RETRY_AFTER_SECONDS = 3600;

/**
 * `Retry-After` in whole seconds (rounded up), from either form RFC 9110 allows: delta-seconds or an HTTP-date
 * (a date in the past gives 0), at most MAX_RETRY_AFTER_SECONDS. Undefined when absent or unparsable.
 */
export function parseRetryAfter(value: string | undefined, nowMs: number = Date.now()): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return boundedWait(Math.ceil(Number(value)));
  // Only something shaped like an IMF-fixdate / RFC 850 / asctime date; Date.parse alone accepts far too much.
  if (!/[a-z]{3}/i.test(value) || !/\d{1,2}:\d{2}:\d{2}/.test(value)) return undefined;
  const at = Date.parse(value);
  if (Number.isNaN(at)) return undefined;
  return boundedWait(Math.max(0, Math.ceil((at - nowMs) / 1000)));
}

function boundedWait(seconds: number): number {
  return Math.min(seconds, MAX_RETRY_AFTER_SECONDS);
}

function numericHeader(headers: HeaderBag, name: string): number | undefined {
  const value = headerValue(headers, name);
  if (value === undefined || !/^-?\d+(\.\d+)?$/.test(value)) return undefined;
  return Number(value);
}

/** The `inin-ratelimit-*` headers; each absent or unparsable one is left out. */
export function parseRateLimit(headers: HeaderBag): RateLimitHeaders {
  const allowed = numericHeader(headers, 'inin-ratelimit-allowed');
  const count = numericHeader(headers, 'inin-ratelimit-count');
  const resetSeconds = numericHeader(headers, 'inin-ratelimit-reset');
  return {
    ...(allowed !== undefined && { allowed }),
    ...(count !== undefined && { count }),
    ...(resetSeconds !== undefined && { resetSeconds }),
  };
}

/**
 * The platform's error fields: the normalised API body `{message, code, status, contextId}` or the OAuth
 * endpoint's `{error, error_description}`. A string body is parsed when it is JSON and otherwise ignored, so an
 * HTML error page from a proxy never ends up in a message.
 */
export function platformError(body: unknown): PlatformError {
  let value = body;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      return {};
    }
  }
  if (typeof value !== 'object' || value === null) return {};
  const record = value as Record<string, unknown>;
  const text = (...keys: string[]): string | undefined => {
    for (const key of keys) {
      const v = record[key];
      if (typeof v === 'string' && v.trim() !== '') return v.trim();
    }
    return undefined;
  };
  const code = text('code', 'error');
  const message = text('message', 'error_description', 'description');
  const contextId = text('contextId');
  return {
    ...(code !== undefined && { code }),
    ...(message !== undefined && { message: oneLine(message) }),
    ...(contextId !== undefined && { contextId }),
  };
}

/** The platform's text on one line, its control characters escaped: it reaches terminals, logs and reports. */
function oneLine(text: string): string {
  const flat = escapeControls(text.replace(/\s+/g, ' '));
  return flat.length > MAX_PLATFORM_MESSAGE ? `${flat.slice(0, MAX_PLATFORM_MESSAGE)}…` : flat;
}

const VERSION_MISMATCH = /does not match the current version|version number/i;
/** OAuth error codes that mean "these credentials cannot log in", whatever the status. */
const OAUTH_CREDENTIAL_ERRORS = new Set(['invalid_client', 'unauthorized_client', 'invalid_grant', 'access_denied']);

export function kindForStatus(status: number, platform: PlatformError = {}, login = false): ErrorKind {
  if (status === 429) return 'rate_limited';
  if (status === 409 || status === 408) return 'conflict';
  if (status === 401) return 'auth';
  if (status === 403) return 'permission';
  if (status === 404) return 'not_found';
  if (status >= 500) return 'server';
  if (status === 400 && platform.message !== undefined && VERSION_MISMATCH.test(platform.message)) return 'conflict';
  if (login && status === 400 && platform.code !== undefined && OAUTH_CREDENTIAL_ERRORS.has(platform.code))
    return 'auth';
  if (status >= 400) return 'invalid';
  // 1xx/3xx reaching us means something between us and the platform misbehaved.
  return 'server';
}

/** Permissions such as `directory:user:edit` named in a platform message. */
export function permissionsIn(message: string | undefined): string[] {
  if (!message) return [];
  return [...new Set(message.match(/\b[a-z][a-zA-Z]*:[a-zA-Z*]+:[a-zA-Z*]+\b/g) ?? [])];
}

/** A failure that came with an HTTP response. */
export function classifyHttpFailure(
  status: number,
  headers: HeaderBag,
  body: unknown,
  ctx: CallContext,
  nowMs: number = Date.now(),
): FailureDetails {
  const platform = platformError(body);
  const kind = kindForStatus(status, platform, ctx.login);
  let retryAfterSeconds = parseRetryAfter(headerValue(headers, 'retry-after'), nowMs);
  if (retryAfterSeconds === undefined && status === 429 && platform.message) {
    // The normalised 429 body repeats the wait: "Retry the request in [42] seconds".
    const match = /\[(\d+)\]\s*seconds/i.exec(platform.message);
    if (match) retryAfterSeconds = boundedWait(Number(match[1]));
  }
  return {
    ok: false,
    kind,
    status,
    rateLimit: parseRateLimit(headers),
    ...(retryAfterSeconds !== undefined && { retryAfterSeconds }),
    ...(platform.code !== undefined && { code: platform.code }),
    message: httpMessage(kind, status, platform, ctx, retryAfterSeconds),
    ...(platform.contextId !== undefined && { contextId: platform.contextId }),
  };
}

function httpMessage(
  kind: ErrorKind,
  status: number,
  platform: PlatformError,
  ctx: CallContext,
  retryAfterSeconds: number | undefined,
): string {
  const label = platform.code ? `${status} ${platform.code}` : String(status);
  const on = ctx.login ? 'logging in' : `on ${ctx.operation}`;
  const says = platform.message ? ` The platform says: "${platform.message}".` : '';
  const clientHome = `${ctx.where} is the one the OAuth client belongs to`;
  const credentials = `check GENESYS_CLIENT_ID / GENESYS_CLIENT_SECRET and that ${clientHome}`;
  const grant = 'grant it to a role assigned to the OAuth client; retrying will not help';
  switch (kind) {
    case 'auth':
      if (ctx.login && (platform.code === 'unauthorized_client' || platform.code === 'unsupported_grant_type')) {
        return (
          `authentication failed (${label}): the OAuth client may not use the Client Credentials grant; ` +
          `use the id and secret of a Client Credentials OAuth client.${says}`
        );
      }
      if (ctx.login) return `authentication failed (${label}): ${credentials}.${says}`;
      return (
        `access token rejected (${label}) ${on}: it expired or was revoked, so log in again; ` +
        `if logging in fails too, ${credentials}.${says}`
      );
    case 'permission': {
      if (ctx.login) {
        return (
          `login refused (${label}): the OAuth client is not allowed to log in (disabled, or its organisation ` +
          `is inactive); check it under Admin > Integrations > OAuth.${says}`
        );
      }
      const named = permissionsIn(platform.message);
      const lacks =
        named.length > 0
          ? named.join(', ')
          : `a permission this call needs${ctx.permission ? ` (e.g. ${ctx.permission} for ${ctx.operation})` : ''}`;
      const other = ctx.otherDenial ? ` Or ${ctx.otherDenial}.` : '';
      return `permission denied (${label}) ${on}: the OAuth client's role lacks ${lacks}; ${grant}.${other}${says}`;
    }
    case 'not_found':
      if (ctx.login) return `login endpoint not found (${label}) at ${ctx.where}: check the region or base URL.${says}`;
      return (
        `not found (${label}) ${on}: no such resource in the organisation at ${ctx.where}; ` +
        `check the id and the region; retrying will not help.${says}`
      );
    case 'rate_limited': {
      const wait =
        retryAfterSeconds !== undefined
          ? `retry after ${retryAfterSeconds} s`
          : 'no Retry-After given; pause, then retry';
      return `rate limited (${label}) ${on}: ${wait}.${says}`;
    }
    case 'conflict':
      if (status === 408) {
        return (
          `request timeout (${label}) ${on}: treated as a version conflict; re-read the user and re-apply ` +
          `(the change may already be there).${says}`
        );
      }
      return `version conflict (${label}) ${on}: the user changed since it was read; re-read it and re-apply.${says}`;
    case 'invalid':
      return `rejected as invalid (${label}) ${on}: fix the input value or the request; retrying will not help.${says}`;
    default:
      if (status >= 500) {
        return (
          `server error (${label}) ${on}: the platform failed or was unavailable (usually transient); ` +
          `try again later.${says}`
        );
      }
      return `unexpected response (${label}) ${on} from ${ctx.where}: check that it is the Genesys Cloud API.${says}`;
  }
}

/** A call that changes nothing on the platform: a GET, or the users search (a POST that only reads). */
function isRead(operation: string): boolean {
  return operation.startsWith('GET ') || operation === 'POST /api/v2/users/search';
}

/**
 * A failure with no HTTP response: the error code of the socket or of axios (`ECONNREFUSED`, `ECONNRESET`,
 * `ENOTFOUND`, `ECONNABORTED` on a timeout, `ERR_CANCELED` on an abort, …). `errorMessage` is only consulted for
 * the word "timeout", never copied, since a transport error's text can carry the request.
 */
export function classifyTransportFailure(
  errorCode: string | undefined,
  errorMessage: string | undefined,
  ctx: CallContext,
): FailureDetails {
  const on = ctx.login ? 'logging in' : `on ${ctx.operation}`;
  const mayHaveApplied = ctx.login || isRead(ctx.operation) ? '' : ' The request may have been applied.';
  const isTimeout =
    errorCode === 'ETIMEDOUT' ||
    errorCode === 'ECONNABORTED' ||
    (errorCode !== 'ERR_CANCELED' && /timeout|timed out/i.test(errorMessage ?? ''));
  if (isTimeout) {
    return {
      ok: false,
      kind: 'timeout',
      rateLimit: {},
      ...(errorCode !== undefined && { code: errorCode }),
      message: `no response within ${ctx.timeoutMs} ms ${on}: ${ctx.where} is slow or unreachable; try again later.${
        mayHaveApplied
      }`,
    };
  }
  const label = errorCode ?? 'no response';
  let hint: string;
  if (errorCode === 'ERR_CANCELED') {
    hint = 'the call was cancelled before a response arrived.';
  } else if (errorCode === 'ENOTFOUND' || errorCode === 'EAI_AGAIN') {
    hint = `the host name did not resolve; check the network, DNS and ${ctx.where}.`;
  } else if (errorCode === 'ECONNREFUSED') {
    hint = `nothing accepted the connection; check ${ctx.where} (is the emulator or gateway running?).`;
  } else if (errorCode !== undefined && /CERT|SSL|TLS|EPROTO/i.test(errorCode)) {
    hint = `the TLS handshake failed (certificate or protocol); check ${ctx.where} and any intercepting proxy.`;
  } else {
    hint = `the connection failed or was cut before a response arrived; check the network and any proxy.`;
  }
  return {
    ok: false,
    kind: 'network',
    rateLimit: {},
    ...(errorCode !== undefined && { code: errorCode }),
    message: `network error (${label}) ${on}: ${hint}${mayHaveApplied}`,
  };
}
