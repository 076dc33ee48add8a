/**
 * Shared plumbing for the baseline clients: environment, input file, the merge of a row into a user, and the
 * result line the bench reads. The retry and concurrency behaviour that the baselines are measured on lives in
 * each client, not here.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import type { Contact, GenesysUser } from '../../src/genesys/types.js';
import { COLUMNS, type InputRow } from '../workload.js';

export interface ClientEnv {
  baseUrl: string;
  clientId: string;
  clientSecret: string;
}

export function readEnv(): ClientEnv {
  const baseUrl = process.env.GENESYS_BASE_URL;
  const clientId = process.env.GENESYS_CLIENT_ID;
  const clientSecret = process.env.GENESYS_CLIENT_SECRET;
  if (!baseUrl || !clientId || !clientSecret) {
    throw new Error('GENESYS_BASE_URL, GENESYS_CLIENT_ID and GENESYS_CLIENT_SECRET must be set.');
  }
  return { baseUrl, clientId, clientSecret };
}

export function readRows(file: string): InputRow[] {
  const records = parse(readFileSync(file, 'utf8'), { columns: true, skip_empty_lines: true, trim: true }) as Record<
    string,
    string
  >[];
  return records.map((r) => ({
    email: r[COLUMNS.email] ?? '',
    title: r[COLUMNS.title] ?? '',
    department: r[COLUMNS.department] ?? '',
    mobile: r[COLUMNS.mobile] ?? '',
  }));
}

/** The user's addresses with the MOBILE phone set to `mobile`: arrays are replaced whole, so merge. */
export function mergeMobile(addresses: Contact[] | undefined, mobile: string): Contact[] {
  const others = (addresses ?? []).filter((a) => !(a.mediaType === 'PHONE' && a.type === 'MOBILE'));
  return [...others, { address: mobile, mediaType: 'PHONE', type: 'MOBILE' }];
}

export function byEmail(users: GenesysUser[]): Map<string, GenesysUser> {
  const map = new Map<string, GenesysUser>();
  for (const u of users) if (u.email) map.set(u.email.toLowerCase(), u);
  return map;
}

export interface ClientResult {
  client: string;
  rows: number;
  /** Rows the client believes it wrote. */
  patched: number;
  notFound: number;
  failed: number;
  retries: number;
  /** Requests the client sent, by its own count (the bench uses the emulator's count). */
  requests: number;
  /** The client's own view of its resources, a cross-check of the bench's outside measurement. */
  cpuMs: number;
  maxRssKb: number;
}

export type Tally = Omit<ClientResult, 'cpuMs' | 'maxRssKb'>;

export function newTally(client: string, rows: number): Tally {
  return { client, rows, patched: 0, notFound: 0, failed: 0, retries: 0, requests: 0 };
}

/** Prints the one JSON result line the bench reads: the last line on stdout. */
export function emitResult(tally: Tally, extra: { interrupted?: boolean } = {}): void {
  const usage = process.resourceUsage();
  const full: ClientResult & { interrupted?: boolean } = {
    ...tally,
    cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000,
    maxRssKb: usage.maxRSS,
    ...extra,
  };
  process.stdout.write(`${JSON.stringify(full)}\n`);
}

/**
 * Bench instrumentation, not part of the ported behaviour: when the bench stops a run at its timeout (Ctrl-C),
 * print the counts so far, then exit as Node would on SIGINT.
 */
export function reportOnInterrupt(tally: Tally): void {
  process.once('SIGINT', () => {
    emitResult(tally, { interrupted: true });
    process.exit(130);
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function log(message: string): void {
  process.stderr.write(`${new Date().toISOString()} ${message}\n`);
}
