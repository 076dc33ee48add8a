/**
 * A full garbage collection, asked for where a run changes phase: after planning, before the writes (issue #12).
 *
 * Why: V8 lets the old generation grow to about four times what was live at its last full collection before it runs
 * another. The last one during planning finds the planner's working set live (~70 MB at 100,000 rows), so the limit
 * it sets (~250 MB) is filled by the planner's garbage and the writes' promoted per-request garbage before anything is
 * collected: a 100,000-row apply peaked at 470 MB with 25–40 MB live. Collected at the boundary, where the planner's
 * state has just been let go, the limit follows the writes' own small working set.
 *
 * How: the inspector protocol's `HeapProfiler.collectGarbage`, over an in-process session (`node:inspector`, a stable
 * API: no port is opened, and no V8 flag such as `--expose-gc` is set). It takes tens of milliseconds once per run. A
 * Node built without the inspector has no session: then V8 collects when it decides, as before.
 */
export async function collectGarbage(): Promise<void> {
  let session: import('node:inspector').Session;
  try {
    const { Session } = await import('node:inspector');
    session = new Session();
    session.connect();
  } catch {
    return;
  }
  try {
    await new Promise<void>((resolve) => session.post('HeapProfiler.collectGarbage', () => resolve()));
  } finally {
    session.disconnect();
  }
}
