import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { ConfigError, fileSystemError, ValidationError } from './errors.js';
import { checkTrustedFile } from './fsutil.js';
import { platformRegionHosts } from './genesys/client.js';
import { parseBaseUrl } from './genesys/endpoint.js';
import { resolveRegion } from './genesys/regions.js';

export interface ConnectionFlags {
  region?: string;
  baseUrl?: string;
  /** `--env-file`; `false`: no dotenv file at all, not even ./.env (the library's explicit `connection`). */
  envFile?: string | false;
  /** `--tokens`, as typed (or a number from the library). */
  tokens?: string | number;
  /** `--timeout`, in seconds, as typed (or a number from the library). */
  timeout?: string | number;
  /** How the caller names these settings in messages: the CLI's flags by default, the library's options. */
  names?: { region: string; baseUrl: string; tokens: string; timeout: string };
}

const FLAG_NAMES = { region: '--region', baseUrl: '--base-url', tokens: '--tokens', timeout: '--timeout' };

/** Most access tokens a run may use at once (`--tokens`, GENESYS_TOKENS). */
export const MAX_TOKENS = 20;

/** The per-request timeout (`--timeout`, GENESYS_TIMEOUT), in seconds: its default and its bounds. */
const DEFAULT_TIMEOUT_SECONDS = 30;
const MAX_TIMEOUT_SECONDS = 600;

export interface ConnectionConfig {
  clientId: string;
  clientSecret: string;
  /** Set when the target is a region; then baseUrl is unset. */
  region?: string;
  /** Set when the target is a base URL; then region is unset. */
  baseUrl?: string;
  /** Client-credentials tokens to spread the requests over, each with a rate limit of its own: 1..MAX_TOKENS. */
  tokens: number;
  /** How long each request waits for its answer before it is retried, in ms (default 30 s). */
  timeoutMs: number;
  /**
   * The host calls go to and where that came from, for the plan header and the prompt, e.g.
   * `api.mypurecloud.com (from GENESYS_REGION in the environment)`.
   */
  targetLabel: string;
}

/** Where a setting came from, strongest first. An unnamed file is ./.env, found rather than chosen. */
type Level = 'flag' | 'environment' | 'named file' | 'unnamed file';

interface Setting {
  value: string;
  level: Level;
  /** For messages: `--region`, `GENESYS_REGION in the environment`, `GENESYS_BASE_URL in ./.env`. */
  from: string;
}

const VARIABLES = [
  'GENESYS_CLIENT_ID',
  'GENESYS_CLIENT_SECRET',
  'GENESYS_REGION',
  'GENESYS_BASE_URL',
  'GENESYS_TOKENS',
  'GENESYS_TIMEOUT',
] as const;

/**
 * Decides the credentials and the one target, once. Each setting is taken from the command line, else the process
 * environment, else the dotenv file (`--env-file`, or ./.env when there is one). The dotenv file is parsed into a map
 * of its own and never loaded into `process.env`.
 *
 * @throws ConfigError (exit 3) for missing credentials or target; a region and a base URL that disagree (wherever
 * each came from: never a silent choice); a base URL found only in an unnamed ./.env while the credentials come from
 * elsewhere (whoever can write the working folder would receive the secret); a dotenv file someone else could have
 * written; a bad region or base URL.
 */
export function loadConnectionConfig(
  flags: ConnectionFlags,
  env: NodeJS.ProcessEnv = process.env,
  cwd: string = process.cwd(),
  hosts: () => Readonly<Record<string, string>> = platformRegionHosts,
): ConnectionConfig {
  const file = readDotenv(flags.envFile, cwd);
  const pick = (name: (typeof VARIABLES)[number], flag?: { value?: string; name: string }): Setting | undefined => {
    const candidates: [string | undefined, Level, string][] = [
      [flag?.value, 'flag', flag?.name ?? ''],
      [env[name], 'environment', `${name} in the environment`],
      [file?.values[name], file?.named ? 'named file' : 'unnamed file', `${name} in ${file?.label}`],
    ];
    for (const [value, level, from] of candidates) {
      const v = value?.trim();
      if (v) return { value: v, level, from };
    }
    return undefined;
  };
  // A number given on the command line but blank is refused, not taken as unset.
  const pickNumber = (name: 'GENESYS_TOKENS' | 'GENESYS_TIMEOUT', given: string | number | undefined, flag: string) => {
    const value = given === undefined ? undefined : String(given);
    return value?.trim() === '' ? { value, level: 'flag' as const, from: flag } : pick(name, { value, name: flag });
  };
  // First: a bad count or timeout is a usage error (exit 2), whatever else is wrong with the configuration.
  const names = flags.names ?? FLAG_NAMES;
  const tokens = tokenCount(pickNumber('GENESYS_TOKENS', flags.tokens, names.tokens));
  const timeoutMs = requestTimeoutMs(pickNumber('GENESYS_TIMEOUT', flags.timeout, names.timeout));
  const clientId = pick('GENESYS_CLIENT_ID');
  const clientSecret = pick('GENESYS_CLIENT_SECRET');
  const region = pick('GENESYS_REGION', { value: flags.region, name: names.region });
  const baseUrl = pick('GENESYS_BASE_URL', { value: flags.baseUrl, name: names.baseUrl });

  // Checked by hand, not with zod, which would be loaded by every command before its first request (issue #12).
  // A usable configuration has both credentials (`pick` gives only non-blank values), and a region or a base URL.
  const missing = [...(clientId ? [] : ['GENESYS_CLIENT_ID']), ...(clientSecret ? [] : ['GENESYS_CLIENT_SECRET'])];
  if (missing.length > 0) {
    throw new ConfigError(
      `Missing ${missing.join(' and ')}: set ${missing.length > 1 ? 'them' : 'it'} in the environment or in a .env file ` +
        '(see .env.example). Use the id and secret of a Client Credentials OAuth client.',
    );
  }
  if (!region && !baseUrl) {
    throw new ConfigError(
      `No region: set GENESYS_REGION (a region such as eu_west_1, or its domain such as mypurecloud.ie) or give ${names.region}.`,
    );
  }
  const credentials = { clientId: clientId!.value, clientSecret: clientSecret!.value, tokens, timeoutMs };

  const resolved = region ? withSource(region, () => resolveRegion(region.value, hosts())) : undefined;
  const gateway = baseUrl ? withSource(baseUrl, () => parseBaseUrl(baseUrl.value)) : undefined;
  if (resolved && region) {
    const apiHost = `api.${resolved.domain}`;
    // A base URL that is exactly the region's API adds nothing; anything else names another target.
    const agrees =
      gateway === undefined ||
      (gateway.protocol === 'https' && gateway.host.toLowerCase() === apiHost && !gateway.port && gateway.path === '');
    if (!agrees && baseUrl && gateway) {
      throw new ConfigError(
        `Two different targets: region ${resolved.key} (https://${apiHost}, from ${region.from}) and base URL ` +
          `${gateway.target} (from ${baseUrl.from}). Nothing was sent. Keep one: remove or unset the other ` +
          '(a region for Genesys Cloud, a base URL for a gateway or the local emulator).',
      );
    }
    return { ...credentials, region: resolved.key, targetLabel: `${apiHost} (from ${region.from})` };
  }
  const url = baseUrl!;
  if (url.level === 'unnamed file') {
    const elsewhere = [clientId!, clientSecret!].filter((s) => s.level !== 'unnamed file');
    if (elsewhere.length > 0) {
      throw new ConfigError(
        `Refusing to send credentials to ${gateway!.target}: that base URL comes only from ${url.from}, a file found ` +
          `in the working folder, while ${elsewhere.map((s) => s.from).join(' and ')} ` +
          `${elsewhere.length > 1 ? 'come' : 'comes'} from elsewhere; whoever can write that folder would receive ` +
          'your client secret. Nothing was sent. If you trust that file, pass it explicitly (--env-file .env), or ' +
          'set GENESYS_BASE_URL in the environment or pass --base-url.',
      );
    }
  }
  return { ...credentials, baseUrl: url.value, targetLabel: `${gateway!.target} (from ${url.from})` };
}

/** The number of tokens, 1 when unset; anything but a whole number from 1 to MAX_TOKENS is a usage error. */
function tokenCount(setting: Setting | undefined): number {
  if (!setting) return 1;
  const n = Number(setting.value);
  if (/^\d+$/.test(setting.value) && n >= 1 && n <= MAX_TOKENS) return n;
  const from = setting.from;
  throw new ValidationError(
    `Invalid number of tokens ${JSON.stringify(setting.value)} (${from}): give a whole number from 1 to ${MAX_TOKENS}. ` +
      'Each token of the OAuth client has a rate limit of its own; 1, the default, uses one. Nothing was sent.',
  );
}

/** The request timeout in ms, 30 s when unset; anything but whole seconds from 1 to MAX_TIMEOUT_SECONDS is a usage error. */
function requestTimeoutMs(setting: Setting | undefined): number {
  if (!setting) return DEFAULT_TIMEOUT_SECONDS * 1000;
  const n = Number(setting.value);
  if (/^\d+$/.test(setting.value) && n >= 1 && n <= MAX_TIMEOUT_SECONDS) return n * 1000;
  throw new ValidationError(
    `Invalid request timeout ${JSON.stringify(setting.value)} (${setting.from}): give a whole number of seconds from 1 ` +
      `to ${MAX_TIMEOUT_SECONDS} (default ${DEFAULT_TIMEOUT_SECONDS}). Nothing was sent.`,
  );
}

interface DotenvFile {
  values: Record<string, string>;
  named: boolean;
  /** `./.env` or the path given, for messages. */
  label: string;
}

/** The `--env-file` file (which must exist), or ./.env if there is one; checked, parsed, never loaded. */
function readDotenv(envFile: string | false | undefined, cwd: string): DotenvFile | undefined {
  if (envFile === false) return undefined;
  const named = envFile !== undefined;
  const path = resolve(cwd, envFile ?? '.env');
  const label = named ? envFile : './.env';
  if (!existsSync(path)) {
    if (named) throw new ConfigError(`--env-file ${envFile}: no such file.`);
    return undefined;
  }
  checkTrustedFile(path, named ? 'the --env-file' : 'the dotenv file');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw fileSystemError(err, path, named ? 'the --env-file' : 'the dotenv file');
  }
  return { values: parseDotenv(text), named, label };
}

/** Runs a parse of one setting; its error says where the value came from. */
function withSource<T>(setting: Setting, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (err instanceof ConfigError) throw new ConfigError(`${err.message} (from ${setting.from})`);
    throw err;
  }
}
