import { writeChunks } from '../output.js';
import { type PlanView, planJsonChunks, planTextChunks, type RoutingCall } from '../plan/index.js';

/**
 * Writes the plan for a terminal (or as JSON) to `stream` a piece at a time, with a line on the routing calls, which
 * `summary.requests` leaves out.
 */
export function writePlan(
  stream: NodeJS.WritableStream,
  plan: PlanView,
  calls: readonly RoutingCall[],
  opts: { json: boolean; color: boolean; maxRows?: number },
): Promise<void> {
  return writeChunks(stream, planOutput(plan, calls, opts));
}

function* planOutput(
  plan: PlanView,
  calls: readonly RoutingCall[],
  opts: { json: boolean; color: boolean; maxRows?: number },
): Generator<string> {
  if (opts.json) {
    const withCalls =
      calls.length === 0
        ? plan
        : ({ ...plan, summary: { ...plan.summary, routingRequests: calls.length } } as PlanView);
    yield* planJsonChunks(withCalls);
    yield '\n';
    return;
  }
  yield* planTextChunks(plan, {
    color: opts.color,
    ...(opts.maxRows !== undefined ? { maxRows: opts.maxRows } : {}),
  });
  if (calls.length === 0) return;
  const byKind = new Map<string, number>();
  for (const c of calls) byKind.set(c.kind, (byKind.get(c.kind) ?? 0) + 1);
  const kinds = [...byKind].map(([k, n]) => `${n} ${k}`).join(', ');
  yield `Routing and access: ${calls.length} call(s) (${kinds}).\n`;
}
