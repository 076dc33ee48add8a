/**
 * Whether to write colour escape codes to a stream. One rule for the plan, the logs, the progress line and the demo:
 * `NO_COLOR` (any non-empty value, https://no-color.org) turns colour off; `FORCE_COLOR` turns it on (except `0` or
 * `false`, which turn it off), even into a pipe or a file; otherwise colour only on a terminal that supports it
 * (`hasColors()`, which reads TERM, e.g. none for `TERM=dumb`).
 */
export function wantsColor(
  stream: NodeJS.WritableStream | undefined,
  env: Record<string, string | undefined> = process.env,
): boolean {
  if ((env.NO_COLOR ?? '') !== '') return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined) return !/^(0|false)$/i.test(force.trim());
  const tty = stream as NodeJS.WriteStream | undefined;
  if (tty?.isTTY !== true) return false;
  return typeof tty.hasColors === 'function' ? tty.hasColors(env) : true;
}

/** True when `NO_COLOR` vetoes colour whatever a caller decided. */
export function colorVetoed(env: Record<string, string | undefined> = process.env): boolean {
  return (env.NO_COLOR ?? '') !== '';
}
