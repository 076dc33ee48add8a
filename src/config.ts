import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { config as loadDotenv } from 'dotenv';
import { ConfigError } from './errors.js';

export interface ConnectionFlags {
  region?: string;
  baseUrl?: string;
  envFile?: string;
}

export interface ConnectionConfig {
  clientId: string;
  clientSecret: string;
  region?: string;
  baseUrl?: string;
}

/**
 * Credentials and target, from flags, then the environment, then `.env` (the working directory's, or
 * `--env-file`). dotenv never overrides a variable that is already set, so the environment wins over the file.
 */
export function loadConnectionConfig(
  flags: ConnectionFlags,
  env: NodeJS.ProcessEnv = process.env,
  cwd: string = process.cwd(),
): ConnectionConfig {
  if (flags.envFile) {
    const path = resolve(cwd, flags.envFile);
    if (!existsSync(path)) throw new ConfigError(`--env-file ${flags.envFile}: no such file.`);
    loadDotenv({ path, processEnv: env, quiet: true });
  } else {
    const path = resolve(cwd, '.env');
    if (existsSync(path)) loadDotenv({ path, processEnv: env, quiet: true });
  }
  const clientId = env.GENESYS_CLIENT_ID?.trim();
  const clientSecret = env.GENESYS_CLIENT_SECRET?.trim();
  const region = flags.region ?? nonEmpty(env.GENESYS_REGION);
  const baseUrl = flags.baseUrl ?? nonEmpty(env.GENESYS_BASE_URL);
  const missing: string[] = [];
  if (!clientId) missing.push('GENESYS_CLIENT_ID');
  if (!clientSecret) missing.push('GENESYS_CLIENT_SECRET');
  if (missing.length > 0) {
    throw new ConfigError(
      `Missing ${missing.join(' and ')}: set ${missing.length > 1 ? 'them' : 'it'} in the environment or in a .env file ` +
        '(see .env.example). Use the id and secret of a Client Credentials OAuth client.',
    );
  }
  if (!region && !baseUrl) {
    throw new ConfigError(
      'No region: set GENESYS_REGION (a region such as eu_west_1, or its domain such as mypurecloud.ie) or pass --region.',
    );
  }
  return { clientId: clientId!, clientSecret: clientSecret!, region, baseUrl };
}

function nonEmpty(value: string | undefined): string | undefined {
  const v = value?.trim();
  return v ? v : undefined;
}
