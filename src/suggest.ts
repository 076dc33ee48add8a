/**
 * The program's one "did you mean": for a column name, a region, a catalogue name. Each caller says what it
 * compares (its folding of case and punctuation) and how far a typo may go; the distance and the choice are here.
 */

/** Edits (insertions, deletions, substitutions) between two strings. */
export function levenshtein(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** Edits a typo of a word this long may have: one for short words (two would let "x" match "id"), else one in four. */
export function typoTolerance(length: number): number {
  return length <= 3 ? 1 : Math.max(2, Math.floor(length / 4));
}

export interface Nearest<T> {
  item: T;
  distance: number;
}

/**
 * The candidate nearest to `typed`, when it is within `tolerance` edits (a number, or one per candidate key; by
 * default typoTolerance of `typed`). On a tie the earlier candidate wins, so callers order them.
 */
export function nearest<T>(
  typed: string,
  candidates: Iterable<T>,
  keyOf: (candidate: T) => string,
  tolerance: number | ((key: string) => number) = typoTolerance(typed.length),
): Nearest<T> | undefined {
  let best: Nearest<T> | undefined;
  for (const item of candidates) {
    const key = keyOf(item);
    const distance = levenshtein(typed, key);
    const allowed = typeof tolerance === 'number' ? tolerance : tolerance(key);
    if (distance <= allowed && (best === undefined || distance < best.distance)) best = { item, distance };
  }
  return best;
}
