import { colorVetoed } from '../colors.js';
import { escapeControls, escapeJsonText } from '../text.js';
import { countChanges, describeChanges, noChanges } from './kinds.js';
import { type PlannedRow, type PlanView, rowDiffs } from './plan.js';
import { fieldGroup } from './routing-fields.js';

export interface RenderOptions {
  /** Callers decide with `wantsColor(stream)`; NO_COLOR vetoes it here too, whatever they pass. */
  color: boolean;
  /** List at most this many rows (changes and problems); the summary always counts them all. */
  maxRows?: number;
}

const ANSI = { reset: '\u001b[0m', bold: '\u001b[1m', red: '\u001b[31m', green: '\u001b[32m', yellow: '\u001b[33m' };
type Paint = keyof typeof ANSI;

/**
 * Renders a plan for a terminal, like `terraform plan`: each row that changes with its field diffs, each row
 * not found or invalid with the reason, then the totals. Unchanged rows are only counted.
 */
export function renderPlanText(plan: PlanView, opts: RenderOptions): string {
  return [...planTextChunks(plan, opts)].join('');
}

/** renderPlanText in pieces, so that a 100,000-row plan is written out without ever being one string. */
export function* planTextChunks(plan: PlanView, opts: RenderOptions): Generator<string> {
  const color = opts.color && !colorVetoed();
  const paint = (style: Paint, text: string) => (color ? `${ANSI[style]}${text}${ANSI.reset}` : text);
  let shown = 0;
  const listedRow = (row: PlannedRow) => row.status !== 'unchanged' || row.note !== undefined;
  const kinds = noChanges();
  for (const row of plan.rows) {
    if (!listedRow(row)) continue;
    shown++;
    if (row.status === 'change') countChanges(rowDiffs(row), kinds);
  }
  const limit = opts.maxRows === undefined ? shown : Math.max(0, Math.floor(opts.maxRows));
  let listed = 0;
  for (const row of plan.rows) {
    if (listed >= limit) break;
    if (!listedRow(row)) continue;
    listed++;
    yield `${renderRow(row, paint).join('\n')}\n`;
  }
  if (shown > limit) yield `… ${shown - limit} more rows not shown.\n`;
  if (listed > 0 || shown > limit) yield '\n';

  const lines: string[] = [];
  const { byStatus, fields } = plan.summary;
  // Routing fields name an item each (`skill:Billing`): count them by kind, or a 120-skill plan makes one line
  // of kilobytes.
  const grouped = new Map<string, number>();
  for (const [f, n] of Object.entries(fields)) {
    const key = fieldGroup(f);
    grouped.set(key, (grouped.get(key) ?? 0) + n);
  }
  const byCount = [...grouped].sort(([a, m], [b, n]) => n - m || (a < b ? -1 : a > b ? 1 : 0));
  if (byCount.length > 0) lines.push(`Fields: ${byCount.map(([f, n]) => `${escapeControls(f)} ${n}`).join(', ')}.`);
  const described = describeChanges(kinds);
  if (described) lines.push(`Changes: ${described}.`);
  const parts = [
    ...(byStatus.create > 0 ? [`${byStatus.create} to create`] : []),
    ...(byStatus.delete > 0 ? [`${byStatus.delete} to delete`] : []),
    `${byStatus.change} to change`,
    `${byStatus.unchanged} unchanged`,
    `${byStatus.not_found} not found`,
    ...(byStatus.invalid > 0 ? [`${byStatus.invalid} invalid`] : []),
  ];
  lines.push(paint('bold', `Plan: ${parts.join(', ')}.`));
  yield `${lines.join('\n')}\n`;
}

function renderRow(row: PlannedRow, paint: (style: Paint, text: string) => string): string[] {
  const name = row.name ? ` ${formatValue(row.name)}` : '';
  const label = `${escapeControls(row.key || '(no key)')}${name} (row ${row.rowNumber})`;
  switch (row.status) {
    case 'change':
      return [
        `${paint('yellow', '~')} ${label}`,
        ...rowDiffs(row).map(
          (d) =>
            `    ${escapeControls(d.field)}: ${paint('red', formatValue(d.before))} → ${paint('green', formatValue(d.after))}`,
        ),
        ...(row.note ? [`    note: ${escapeControls(row.note)}`] : []),
      ];
    case 'create':
      return [
        `${paint('green', '+')} ${label}: create`,
        ...rowDiffs(row).map((d) => `    ${escapeControls(d.field)}: ${paint('green', formatValue(d.after))}`),
      ];
    case 'delete':
      return [`${paint('red', '-')} ${label}: delete${row.note ? ` (${escapeControls(row.note)})` : ''}`];
    case 'not_found':
      return [`${paint('red', '?')} ${label}: not found${row.note ? ` (${escapeControls(row.note)})` : ''}`];
    case 'invalid':
      return [`${paint('red', '!')} ${label}: invalid${row.note ? `: ${escapeControls(row.note)}` : ''}`];
    case 'unchanged':
      // A note on an unchanged row says why something it names stays (a membership held through a group).
      return row.note ? [`= ${label}: no change (${escapeControls(row.note)})`] : [];
  }
}

function formatValue(v: string | null): string {
  return v === null ? '(none)' : escapeControls(JSON.stringify(v));
}

const KEY_ORDER = [
  'schemaVersion',
  'summary',
  'rows',
  'byStatus',
  'fields',
  'requests',
  'change',
  'unchanged',
  'not_found',
  'invalid',
  'create',
  'delete',
  'rowNumber',
  'line',
  'key',
  'userId',
  'name',
  'status',
  'note',
  'baseVersion',
  'diffs',
  'field',
  'before',
  'after',
  'patch',
  'state',
  'mediaType',
  'type',
  'address',
  'extension',
];
const RANK = new Map(KEY_ORDER.map((k, i) => [k, i]));

/**
 * The plan as JSON for `--json`, with a stable key order: known keys in a fixed, readable order, any other keys
 * alphabetically. Array order is kept (row order, and the order of `addresses`, which the platform stores as sent).
 */
export function planToJson(plan: PlanView): string {
  return [...planJsonChunks(plan)].join('');
}

/**
 * planToJson in pieces, a row at a time: the same text (`JSON.stringify(…, null, 2)` of the ordered plan) without
 * building the whole plan's ordered copy and its string at once.
 */
export function* planJsonChunks(plan: PlanView): Generator<string> {
  const top = plan as unknown as Record<string, unknown>;
  const keys = orderedKeys(top).filter((k) => top[k] !== undefined);
  if (keys.length === 0) {
    yield '{}';
    return;
  }
  let first = true;
  for (const key of keys) {
    const value = top[key];
    yield `${first ? '{' : ','}\n  ${escapeJsonText(JSON.stringify(key))}: `;
    first = false;
    if (key === 'rows') {
      let i = 0;
      for (const row of value as Iterable<PlannedRow>)
        yield `${i++ === 0 ? '[' : ','}\n    ${pretty(shownRow(row), '    ')}`;
      yield i === 0 ? '[]' : '\n  ]';
    } else yield pretty(value, '  ');
  }
  yield '\n}';
}

/** A row as `--json` shows it: every diff in one list; the calls and the request are the run's business. */
function shownRow(row: PlannedRow): Omit<PlannedRow, 'routing' | 'changes'> {
  const { routing: _routing, changes: _changes, ...shown } = row;
  return { ...shown, diffs: rowDiffs(row) };
}

/** A value as JSON.stringify(…, null, 2) prints it nested at `indent`: string values hold no raw newline. */
function pretty(value: unknown, indent: string): string {
  return escapeJsonText(JSON.stringify(ordered(value), null, 2)).replaceAll('\n', `\n${indent}`);
}

function orderedKeys(value: object): string[] {
  return Object.keys(value).sort((a, b) => {
    const ra = RANK.get(a) ?? KEY_ORDER.length;
    const rb = RANK.get(b) ?? KEY_ORDER.length;
    return ra - rb || (a < b ? -1 : a > b ? 1 : 0);
  });
}

function ordered(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(ordered);
  if (value === null || typeof value !== 'object') return value;
  const keys = orderedKeys(value);
  const out: Record<string, unknown> = {};
  for (const k of keys) out[k] = ordered((value as Record<string, unknown>)[k]);
  return out;
}
