import { writeChunks } from '../output.js';
import { type CallCount, type PlanView, planJsonChunks, planTextChunks } from '../plan/index.js';

/**
 * Writes the plan for a terminal (or as JSON) to `stream` a piece at a time, with a line on the routing calls, which
 * `summary.requests` leaves out.
 */
export function writePlan(
  stream: NodeJS.WritableStream,
  plan: PlanView,
  calls: CallCount,
  opts: { json: boolean; color: boolean; maxRows?: number },
): Promise<void> {
  return writeChunks(stream, planOutput(plan, calls, opts));
}

function* planOutput(
  plan: PlanView,
  calls: CallCount,
  opts: { json: boolean; color: boolean; maxRows?: number },
): Generator<string> {
  if (opts.json) {
    const withCalls =
      calls.total === 0 ? plan : ({ ...plan, summary: { ...plan.summary, routingRequests: calls.total } } as PlanView);
    yield* planJsonChunks(withCalls);
    yield '\n';
    return;
  }
  yield* planTextChunks(plan, {
    color: opts.color,
    ...(opts.maxRows !== undefined ? { maxRows: opts.maxRows } : {}),
  });
  if (calls.total === 0) return;
  const kinds = [...calls.byKind].map(([k, n]) => `${n} ${k}`).join(', ');
  yield `Routing and access: ${calls.total} call(s) (${kinds}).\n`;
}
