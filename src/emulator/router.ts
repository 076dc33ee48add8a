/**
 * A table-driven router. A route module exports a `Route[]`; the server joins the tables. Paths use the platform's
 * `{param}` notation, which also names the route in the stats.
 */
import type { EmulatorCore, IssuedToken } from './core.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * - api: needs a bearer token, is rate-limited per token, gets latency and faults.
 * - login: the token endpoint: not rate-limited; latency and faults only with `tokenFaults`.
 * - admin: the emulator's own /__emulator endpoints: none of the above, and not counted in the stats.
 */
export type RouteKind = 'api' | 'login' | 'admin';

export interface RouteContext {
  core: EmulatorCore;
  params: Record<string, string>;
  query: URLSearchParams;
  /** Parsed per the route's `body`: JSON value, form fields, or undefined. */
  body: unknown;
  headers: Record<string, string | string[] | undefined>;
  /** The caller's token, on api routes. */
  token?: IssuedToken;
}

export interface Reply {
  status: number;
  /** Sent as JSON, unless `html` is set. */
  body?: unknown;
  html?: string;
  headers?: Record<string, string>;
  /** The request changed the directory: a candidate for `dropAfterWriteRate`. */
  wrote?: boolean;
  /** The request created a user: also a candidate for `dropAfterCreateRate`. */
  created?: boolean;
}

export interface Route {
  method: HttpMethod;
  path: string;
  kind: RouteKind;
  body: 'json' | 'form' | 'none';
  handle(ctx: RouteContext): Reply | Promise<Reply>;
}

interface CompiledRoute {
  route: Route;
  pattern: RegExp;
  names: string[];
  literals: number;
}

export type RouteMatch =
  | { ok: true; route: Route; params: Record<string, string> }
  | { ok: false; status: 404 | 405; allowed?: HttpMethod[] };

function compile(route: Route): CompiledRoute {
  const names: string[] = [];
  let literals = 0;
  const source = route.path
    .split('/')
    .map((segment) => {
      const param = /^\{(\w+)\}$/.exec(segment);
      if (param) {
        names.push(param[1] as string);
        return '([^/]+)';
      }
      literals++;
      return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  return { route, pattern: new RegExp(`^${source}/?$`), names, literals };
}

export class Router {
  private readonly routes: CompiledRoute[];

  constructor(routes: readonly Route[]) {
    const seen = new Set<string>();
    for (const r of routes) {
      const key = `${r.method} ${r.path}`;
      if (seen.has(key)) throw new Error(`route defined twice: ${key}`);
      seen.add(key);
    }
    // More literal segments first, so /api/v2/users/search wins over /api/v2/users/{userId}.
    this.routes = routes.map(compile).sort((a, b) => b.literals - a.literals);
  }

  match(method: string, pathname: string): RouteMatch {
    const allowed: HttpMethod[] = [];
    for (const c of this.routes) {
      const m = c.pattern.exec(pathname);
      if (!m) continue;
      if (c.route.method !== method) {
        allowed.push(c.route.method);
        continue;
      }
      const params: Record<string, string> = {};
      c.names.forEach((name, i) => {
        params[name] = decodeURIComponent(m[i + 1] as string);
      });
      return { ok: true, route: c.route, params };
    }
    return allowed.length > 0 ? { ok: false, status: 405, allowed } : { ok: false, status: 404 };
  }
}
