/**
 * Helpers shared by the end-to-end tests of `genesys-bulk update`: writing inputs, reading reports and the
 * emulator's counters. The harness (harness.ts) runs the CLI; nothing here talks to the CLI's internals.
 */
import { readFile, stat, writeFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { expect } from 'vitest';
import type { EmulatorStats, RunningEmulator } from '../../src/emulator/index.js';
import type { Contact, GenesysUser } from '../../src/genesys/types.js';
import type { Sandbox } from './harness.js';

export const PATCH_ROUTE = 'PATCH /api/v2/users/{userId}';
export const LIST_ROUTE = 'GET /api/v2/users';
export const GET_ONE_ROUTE = 'GET /api/v2/users/{userId}';
export const SEARCH_ROUTE = 'POST /api/v2/users/search';
export const SEARCH_GET_ROUTE = 'GET /api/v2/users/search';
export const TOKEN_ROUTES = ['POST /oauth/token', 'POST /login/oauth/token'];

/** Writes a file in the sandbox's folder; returns its absolute path. */
export async function writeInput(box: Sandbox, name: string, text: string): Promise<string> {
  const path = join(box.dir, name);
  await writeFile(path, text);
  return path;
}

/** One CSV cell, quoted when it needs to be. */
export function csvCell(value: string): string {
  return /[",\r\n]/.test(value) || value !== value.trim() ? `"${value.replace(/"/g, '""')}"` : value;
}

/** A CSV document (header first), LF line ends, trailing newline. */
export function csv(rows: readonly (readonly string[])[]): string {
  return `${rows.map((r) => r.map(csvCell).join(',')).join('\n')}\n`;
}

/** Requests the emulator saw on one route, whatever their status. */
export function routeCount(stats: EmulatorStats, route: string): number {
  return Object.values(stats.byRoute[route] ?? {}).reduce((a, b) => a + b, 0);
}

/** Every PATCH request the emulator saw, applied or not. */
export function patchRequests(stats: EmulatorStats): number {
  return Object.entries(stats.byRoute)
    .filter(([route]) => route.startsWith('PATCH '))
    .reduce((n, [, byStatus]) => n + Object.values(byStatus).reduce((a, b) => a + b, 0), 0);
}

/** Asserts the emulator saw no write at all: nothing applied, and no PATCH request on any route. */
export function expectNoWrites(stats: EmulatorStats): void {
  expect(stats.patchesApplied).toBe(0);
  expect(Object.keys(stats.byRoute).filter((r) => r.startsWith('PATCH '))).toEqual([]);
}

/** Users that can be changed and found by email: active, with an email. */
export function activeUsers(box: Sandbox): GenesysUser[] {
  return box.emulator.users().filter((u) => u.state === 'active' && typeof u.email === 'string' && u.email !== '');
}

/** A copy of `user` without `version` and the given top-level keys: what must not change. */
export function untouched(user: GenesysUser | undefined, changed: readonly string[] = []): Record<string, unknown> {
  expect(user).toBeDefined();
  const copy: Record<string, unknown> = { ...user };
  for (const k of ['version', ...changed]) delete copy[k];
  return copy;
}

/** Asserts that only `changed` top-level fields (and the version) differ between the two snapshots of a user. */
export function expectOnlyChanged(
  before: GenesysUser | undefined,
  after: GenesysUser | undefined,
  changed: readonly string[],
): void {
  expect(untouched(after, changed)).toEqual(untouched(before, changed));
}

/** The lines of stderr that are structured log records (the CLI logs JSON lines when stderr is not a terminal). */
export function logRecords(stderr: string): Record<string, unknown>[] {
  return stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** The non-log lines of stderr: messages written for the user. */
export function messages(stderr: string): string {
  return stderr
    .split('\n')
    .filter((l) => !l.startsWith('{"level"'))
    .join('\n');
}

export interface ReportChangeJson {
  field: string;
  before: string | null;
  after: string | null;
}

export interface ReportRecordJson {
  row: number;
  line: number;
  key: string;
  userId?: string;
  status: string;
  changes: ReportChangeJson[];
  errorCode?: string;
  message?: string;
  attempts: number;
  conflict?: string;
}

export async function readJsonlReport(box: Sandbox, name: string): Promise<ReportRecordJson[]> {
  const text = await readFile(isAbsolute(name) ? name : join(box.dir, name), 'utf8');
  expect(text.endsWith('\n')).toBe(true);
  return text
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as ReportRecordJson);
}

export async function readCsvReport(box: Sandbox, name: string): Promise<Record<string, string>[]> {
  const text = await readFile(isAbsolute(name) ? name : join(box.dir, name), 'utf8');
  // The report starts with a byte-order mark (for Excel): a reader that does not drop it misnames the first column.
  expect(text.startsWith('\ufeff')).toBe(true);
  return parse(text, { bom: true, columns: true, skip_empty_lines: true }) as Record<string, string>[];
}

export async function fileMode(path: string): Promise<number> {
  return (await stat(path)).mode & 0o777;
}

/** How a report renders a change: `field: "old" → "new"`, `(none)` for no value. */
export function renderedChange(field: string, before: string | null, after: string | null): string {
  const v = (x: string | null) => (x === null ? '(none)' : JSON.stringify(x));
  return `${field}: ${v(before)} → ${v(after)}`;
}

export const isPhone = (c: Contact, type: string) => c.mediaType === 'PHONE' && c.type === type;
export const isExtensionOnly = (c: Contact) => c.mediaType === 'PHONE' && !c.address && !!c.extension;

/** A fictional North American number (555-01XX) that `user` does not have, in E.164 and as an admin would type it. */
export function freshPhone(user: GenesysUser, seed = 77): { e164: string; typed: string } {
  const taken = new Set((user.addresses ?? []).map((c) => c.address));
  for (let i = 0; i < 100; i++) {
    const line = `01${String((seed + i) % 100).padStart(2, '0')}`;
    const e164 = `+1206555${line}`;
    if (!taken.has(e164)) return { e164, typed: `+1 (206) 555-${line}` };
  }
  throw new Error('no free number');
}

/** An email address that is nobody's in the directory. */
export function unusedEmail(box: Sandbox, local: string): string {
  const taken = new Set(box.emulator.users().map((u) => u.email?.toLowerCase()));
  for (let i = 0; ; i++) {
    const email = `${local}${i === 0 ? '' : i}@nowhere.example.org`;
    if (!taken.has(email)) return email;
  }
}

/** A UUID that is nobody's id in the directory. */
export function unusedId(box: Sandbox): string {
  const taken = new Set(box.emulator.users().map((u) => u.id));
  for (let i = 0; ; i++) {
    const id = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
    if (!taken.has(id)) return id;
  }
}

/** Acts on the emulator as another admin would, through its API. */
export async function asAnotherAdmin(emu: RunningEmulator, method: string, path: string, body: unknown): Promise<void> {
  const login = await fetch(`${emu.url}/oauth/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${emu.clientId}:${emu.clientSecret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: 'grant_type=client_credentials',
  });
  const { access_token: token } = (await login.json()) as { access_token: string };
  const res = await fetch(`${emu.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.status, await res.text()).toBeLessThan(300);
}

/** The run id a summary line names (`Done (run 20261207-101010-abcdef): …`). */
export const runIdOf = (stderr: string): string | undefined => /\(run (\d{8}-\d{6}-[0-9a-f]{6})\)/.exec(stderr)?.[1];
