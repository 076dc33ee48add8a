/**
 * The client-credentials token endpoint. The SDK posts to `<login base>/oauth/token`; through `setGateway` the
 * login base is the gateway itself plus `path_params_login` when one is set, so both paths are served.
 */
import { oauthError, platformError, rateLimitMessage } from '../errors.js';
import type { Reply, Route, RouteContext } from '../router.js';

function basicCredentials(header: string | string[] | undefined): [string, string] | undefined {
  if (typeof header !== 'string') return undefined;
  const m = /^basic\s+([A-Za-z0-9+/=_-]+)\s*$/i.exec(header);
  if (!m) return undefined;
  const decoded = Buffer.from(m[1] as string, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : [decoded.slice(0, colon), decoded.slice(colon + 1)];
}

function token(ctx: RouteContext): Reply {
  const { core } = ctx;
  const credentials = basicCredentials(ctx.headers.authorization);
  if (!credentials || !core.checkClient(...credentials)) {
    return { status: 401, body: oauthError('invalid_client', 'authentication failed') };
  }
  const form = ctx.body as URLSearchParams;
  const grantType = form.get('grant_type');
  if (!grantType) return { status: 400, body: oauthError('invalid_request', 'grant_type is required') };
  if (grantType !== 'client_credentials') {
    return { status: 400, body: oauthError('unsupported_grant_type', `grant type ${grantType} is not supported`) };
  }
  // The token endpoint's own limit (unconfirmed on the platform: docs/emulator.md), after the checks above.
  const refusal = core.limits.takeIssue(core.now());
  if (refusal && !refusal.allowed) {
    core.stats.tokenIssueRefused();
    const seconds = refusal.retryAfterSeconds;
    return {
      status: 429,
      headers: { 'retry-after': String(seconds) },
      body: platformError(429, 'too.many.requests.retry.after', rateLimitMessage(seconds)),
    };
  }
  const issued = core.issueToken();
  return {
    status: 200,
    headers: { 'cache-control': 'no-store' },
    body: { access_token: issued.token, token_type: 'bearer', expires_in: core.config.tokenLifetimeSeconds },
  };
}

export const oauthRoutes: Route[] = [
  { method: 'POST', path: '/oauth/token', kind: 'login', body: 'form', handle: token },
  { method: 'POST', path: '/login/oauth/token', kind: 'login', body: 'form', handle: token },
];
