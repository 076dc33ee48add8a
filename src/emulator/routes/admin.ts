/** The emulator's own endpoints for tests and operations: no auth (the server listens on loopback only). */
import { platformError } from '../errors.js';
import type { Reply, Route, RouteContext } from '../router.js';
import { routingDump } from './routing.js';

function config(ctx: RouteContext): Reply {
  return { status: 200, body: ctx.core.config };
}

function updateConfig(ctx: RouteContext): Reply {
  const result = ctx.core.updateConfig(ctx.body ?? {});
  if (!result.ok) return { status: 400, body: platformError(400, 'bad.request', result.message) };
  return { status: 200, body: result.config };
}

export const adminRoutes: Route[] = [
  {
    method: 'GET',
    path: '/__emulator/stats',
    kind: 'admin',
    body: 'none',
    handle: (ctx) => ({ status: 200, body: ctx.core.stats.snapshot() }),
  },
  {
    method: 'GET',
    path: '/__emulator/users',
    kind: 'admin',
    body: 'none',
    handle: (ctx) => ({ status: 200, body: ctx.core.store.inDirectoryOrder() }),
  },
  {
    method: 'GET',
    path: '/__emulator/routing',
    kind: 'admin',
    body: 'none',
    handle: (ctx) => ({ status: 200, body: routingDump(ctx.core) }),
  },
  {
    method: 'POST',
    path: '/__emulator/reset',
    kind: 'admin',
    body: 'none',
    handle: (ctx) => {
      ctx.core.reset();
      return { status: 204 };
    },
  },
  { method: 'GET', path: '/__emulator/config', kind: 'admin', body: 'none', handle: config },
  { method: 'POST', path: '/__emulator/config', kind: 'admin', body: 'json', handle: updateConfig },
];
