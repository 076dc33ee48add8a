import type { InputProblem } from './types.js';

const MAX_QUOTED = 60;

/** A value quoted for a message, shortened so one bad cell cannot flood the terminal. */
export function quote(value: string): string {
  const shown = value.length > MAX_QUOTED ? `${value.slice(0, MAX_QUOTED)}…` : value;
  return JSON.stringify(shown);
}

export interface Location {
  rowNumber?: number;
  line?: number;
  column?: string;
}

/** `row 3 (line 4), column "email"`, or as much of it as is known. */
export function describeLocation(loc: Location): string {
  const parts: string[] = [];
  if (loc.rowNumber !== undefined) {
    parts.push(loc.line !== undefined ? `row ${loc.rowNumber} (line ${loc.line})` : `row ${loc.rowNumber}`);
  } else if (loc.line !== undefined) {
    parts.push(`line ${loc.line}`);
  }
  if (loc.column !== undefined) parts.push(`column ${JSON.stringify(loc.column)}`);
  return parts.join(', ');
}

export function problem(
  severity: InputProblem['severity'],
  loc: Location,
  detail: string,
  kind?: { code: string; suggestion?: string },
): InputProblem {
  const prefix = describeLocation(loc);
  const p: InputProblem = { severity, message: prefix === '' ? detail : `${prefix}: ${detail}` };
  if (kind !== undefined) {
    p.code = kind.code;
    if (kind.suggestion !== undefined) p.suggestion = kind.suggestion;
  }
  if (loc.rowNumber !== undefined) p.rowNumber = loc.rowNumber;
  if (loc.line !== undefined) p.line = loc.line;
  if (loc.column !== undefined) p.column = loc.column;
  return p;
}

/**
 * A capped, human-readable list: errors before warnings (so the cap never hides an error behind warnings),
 * each group in input order, then a count of what was left out.
 */
export function formatProblems(problems: InputProblem[], max = 20): string {
  const ordered = [
    ...problems.filter((p) => p.severity === 'error'),
    ...problems.filter((p) => p.severity === 'warning'),
  ];
  const shown = ordered.slice(0, Math.max(0, max));
  const lines = shown.map((p) => `${p.severity}: ${p.message}`);
  const rest = ordered.length - shown.length;
  if (rest > 0) lines.push(`… and ${rest} more ${rest === 1 ? 'problem' : 'problems'}`);
  return lines.join('\n');
}
