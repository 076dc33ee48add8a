import { COLUMNS } from '../input/columns.js';

/**
 * The columns a planning refusal's note is about: each of its parts (`; `) that starts with a column's name
 * (`phone.mobile: …; acdAutoAnswer: …`) names one. `column` the first, `columns` all of them when there are several.
 */
export function noteColumns(note: string | undefined): { column?: string; columns?: string[] } {
  const columns: string[] = [];
  for (const part of (note ?? '').split('; ')) {
    const column = /^([\w.]+): /.exec(part)?.[1];
    if (column !== undefined && !columns.includes(column) && COLUMNS.some((c) => c.name === column))
      columns.push(column);
  }
  if (columns.length === 0) return {};
  return columns.length === 1 ? { column: columns[0]! } : { column: columns[0]!, columns };
}
