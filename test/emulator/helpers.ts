import { afterEach } from 'vitest';
import { type EmulatorOptions, type RunningEmulator, startEmulator } from '../../src/emulator/index.js';
import type { GenesysClient } from '../../src/genesys/api.js';
import { createGenesysClient } from '../../src/genesys/client.js';

const running: RunningEmulator[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((e) => e.stop()));
});

/** An emulator stopped after the test. */
export async function emulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const emu = await startEmulator(options);
  running.push(emu);
  return emu;
}

/** An SDK client (through the project's adapter) for the emulator, not yet logged in. */
export function clientFor(emu: RunningEmulator, overrides: { clientSecret?: string } = {}): GenesysClient {
  return createGenesysClient({
    clientId: emu.clientId,
    clientSecret: overrides.clientSecret ?? emu.clientSecret,
    baseUrl: emu.url,
    timeoutMs: 5_000,
  });
}

/** A logged-in client. */
export async function loggedIn(emu: RunningEmulator): Promise<GenesysClient> {
  const client = clientFor(emu);
  const auth = await client.authenticate();
  if (!auth.ok) throw new Error(`login failed: ${auth.message}`);
  return client;
}

/** A bearer token got with plain fetch, for requests the adapter does not make. */
export async function token(emu: RunningEmulator): Promise<string> {
  const res = await fetch(`${emu.url}/oauth/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${emu.clientId}:${emu.clientSecret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: 'grant_type=client_credentials',
  });
  if (res.status !== 200) throw new Error(`token request failed: ${res.status}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

/** A request with plain fetch and a fresh token, for platform routes the adapter does not call: its status and body. */
export async function send(
  emu: RunningEmulator,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${emu.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${await token(emu)}`, 'content-type': 'application/json' },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Asserts a value is defined and narrows it. */
export function defined<T>(value: T | undefined | null, what = 'value'): T {
  if (value === undefined || value === null) throw new Error(`${what} is undefined`);
  return value;
}
