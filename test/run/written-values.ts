import type { Written } from '../../src/run/written.js';

/** What the run set, by field, in the order the fields were first written: for assertions on a Written. */
export function afterValues(w: Pick<Written, 'fields'>): Map<string, string | null> {
  const out = new Map<string, string | null>();
  for (const [field, [, after]] of w.fields) if (after !== undefined) out.set(field, after);
  return out;
}

/** The values before the run, by field. */
export function beforeValues(w: Pick<Written, 'fields'>): Map<string, string | null> {
  const out = new Map<string, string | null>();
  for (const [field, [before]] of w.fields) if (before !== undefined) out.set(field, before);
  return out;
}
