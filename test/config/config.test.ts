import { chmodSync, chownSync, lchownSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConnectionConfig } from '../../src/config.js';
import { ConfigError } from '../../src/errors.js';

const HOSTS = { eu_west_1: 'mypurecloud.ie', us_east_1: 'mypurecloud.com' };
const hosts = () => HOSTS;
const CREDS = { GENESYS_CLIENT_ID: 'id-env', GENESYS_CLIENT_SECRET: 'secret-env' };

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gb-config-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function dotenv(name: string, text: string, mode = 0o600): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  chmodSync(path, mode);
  return path;
}

function load(flags: Parameters<typeof loadConnectionConfig>[0], env: NodeJS.ProcessEnv) {
  return loadConnectionConfig(flags, env, dir, hosts);
}

function failure(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('precedence: flags, then environment, then dotenv file', () => {
  it('takes the flag over the environment over the file', () => {
    dotenv('.env', 'GENESYS_REGION=us_east_1\nGENESYS_CLIENT_ID=id-file\nGENESYS_CLIENT_SECRET=secret-file\n');
    expect(load({}, {})).toMatchObject({ region: 'us_east_1', clientId: 'id-file', clientSecret: 'secret-file' });
    expect(load({}, { GENESYS_REGION: 'eu_west_1', GENESYS_CLIENT_ID: 'id-env' })).toMatchObject({
      region: 'eu_west_1',
      clientId: 'id-env',
      clientSecret: 'secret-file',
      targetLabel: 'api.mypurecloud.ie (from GENESYS_REGION in the environment)',
    });
    expect(load({ region: 'us_east_1' }, { GENESYS_REGION: 'eu_west_1' })).toMatchObject({
      region: 'us_east_1',
      targetLabel: 'api.mypurecloud.com (from --region)',
    });
  });

  it('never loads the dotenv file into the environment', () => {
    dotenv('.env', 'GENESYS_REGION=us_east_1\nOTHER=x\n');
    const env: NodeJS.ProcessEnv = { ...CREDS };
    load({}, env);
    expect(env).toEqual(CREDS);
  });

  it('labels a base URL with its source', () => {
    expect(load({ baseUrl: 'http://127.0.0.1:4010' }, CREDS)).toMatchObject({
      baseUrl: 'http://127.0.0.1:4010',
      targetLabel: 'http://127.0.0.1:4010 (from --base-url)',
    });
  });

  it('a base URL that is exactly the region API agrees with it, and the region is used', () => {
    const c = load({}, { ...CREDS, GENESYS_REGION: 'eu_west_1', GENESYS_BASE_URL: 'https://api.mypurecloud.ie/' });
    expect(c.region).toBe('eu_west_1');
    expect(c.baseUrl).toBeUndefined();
  });
});

describe('a region and a base URL that disagree', () => {
  it.each([
    ['both in the environment', {}, { GENESYS_REGION: 'eu_west_1', GENESYS_BASE_URL: 'http://127.0.0.1:9' }, ''],
    ['flag region, environment base URL', { region: 'eu_west_1' }, { GENESYS_BASE_URL: 'https://gw.example' }, ''],
    ['flag base URL, environment region', { baseUrl: 'https://gw.example' }, { GENESYS_REGION: 'eu_west_1' }, ''],
    ['environment region, file base URL', {}, { GENESYS_REGION: 'eu_west_1' }, 'GENESYS_BASE_URL=https://gw.example'],
    ['file region, flag base URL', { baseUrl: 'https://gw.example' }, {}, 'GENESYS_REGION=eu_west_1'],
    ['other region API host', {}, { GENESYS_REGION: 'eu_west_1', GENESYS_BASE_URL: 'https://api.mypurecloud.com' }, ''],
    [
      'region API over http',
      {},
      { GENESYS_REGION: 'eu_west_1', GENESYS_BASE_URL: 'https://api.mypurecloud.ie:8443' },
      '',
    ],
  ])('%s: exit 3 naming both values and sources', (_name, flags, env, file) => {
    if (file) dotenv('.env', `${file}\n`);
    const err = failure(() => load(flags, { ...CREDS, ...env }));
    expect(err.exitCode).toBe(3);
    expect(err.message).toMatch(/region eu_west_1 \(https:\/\/api\.mypurecloud\.ie, from (--region|GENESYS_REGION in)/);
    expect(err.message).toMatch(/base URL \S+ \(from (--base-url|GENESYS_BASE_URL in)/);
    expect(err.message).not.toContain('secret-env');
  });
});

describe('a base URL found only in an unnamed ./.env', () => {
  it('is refused when the secret comes from the environment', () => {
    dotenv('.env', 'GENESYS_BASE_URL=http://127.0.0.1:9\n');
    const err = failure(() => load({}, CREDS));
    expect(err.message).toMatch(/Refusing to send credentials to http:\/\/127\.0\.0\.1:9/);
    expect(err.message).toContain('--env-file');
  });

  it('is refused when only the client id comes from elsewhere', () => {
    dotenv('.env', 'GENESYS_BASE_URL=http://127.0.0.1:9\nGENESYS_CLIENT_SECRET=s\n');
    expect(failure(() => load({}, { GENESYS_CLIENT_ID: 'id' })).message).toMatch(
      /GENESYS_CLIENT_ID in the environment/,
    );
  });

  it('is used when the file also holds both credentials', () => {
    dotenv('.env', 'GENESYS_BASE_URL=http://127.0.0.1:9\nGENESYS_CLIENT_ID=i\nGENESYS_CLIENT_SECRET=s\n');
    expect(load({}, {}).targetLabel).toBe('http://127.0.0.1:9 (from GENESYS_BASE_URL in ./.env)');
  });

  it('is used when the user names the file', () => {
    dotenv('gw.env', 'GENESYS_BASE_URL=http://127.0.0.1:9\n');
    expect(load({ envFile: 'gw.env' }, CREDS).baseUrl).toBe('http://127.0.0.1:9');
  });
});

describe('the dotenv file itself', () => {
  it('refuses one writable by group or others', () => {
    dotenv('.env', 'GENESYS_REGION=eu_west_1\n', 0o666);
    const err = failure(() => load({}, CREDS));
    expect(err.message).toMatch(/writable by group and others \(mode 0666\)/);
    expect(err.message).toContain(join(dir, '.env'));
  });

  it('refuses a named one writable by group', () => {
    dotenv('x.env', 'GENESYS_REGION=eu_west_1\n', 0o620);
    expect(failure(() => load({ envFile: 'x.env' }, CREDS)).message).toMatch(/writable by group/);
  });

  it.skipIf(process.getuid?.() !== 0)('refuses one owned by another user, or linked by one', () => {
    const path = dotenv('.env', 'GENESYS_REGION=eu_west_1\n');
    chownSync(path, 12345, 12345);
    expect(failure(() => load({}, CREDS)).message).toMatch(/owned by another user \(uid 12345/);
    const mine = dotenv('mine.env', 'GENESYS_REGION=eu_west_1\n');
    symlinkSync(mine, join(dir, 'link.env'));
    lchownSync(join(dir, 'link.env'), 12345, 12345);
    expect(failure(() => load({ envFile: 'link.env' }, CREDS)).message).toMatch(/symbolic link owned by another/);
  });

  it('refuses a folder where the file should be', () => {
    expect(failure(() => load({ envFile: '.' }, CREDS)).message).toMatch(/not a regular file/);
  });

  it('follows a symlink of its own to a private file', () => {
    dotenv('real.env', 'GENESYS_REGION=eu_west_1\n');
    symlinkSync(join(dir, 'real.env'), join(dir, '.env'));
    expect(load({}, CREDS).region).toBe('eu_west_1');
  });

  it('says when the named file does not exist', () => {
    expect(failure(() => load({ envFile: 'nope.env' }, CREDS)).message).toBe('--env-file nope.env: no such file.');
  });
});

describe('validation', () => {
  it('names every missing credential', () => {
    expect(failure(() => load({ region: 'eu_west_1' }, { GENESYS_CLIENT_ID: '  ' })).message).toMatch(
      /^Missing GENESYS_CLIENT_ID and GENESYS_CLIENT_SECRET: set them/,
    );
  });

  it('asks for a region when there is no target', () => {
    expect(failure(() => load({}, CREDS)).message).toMatch(/^No region/);
  });

  it('says where a bad region or base URL came from', () => {
    expect(failure(() => load({}, { ...CREDS, GENESYS_REGION: 'eu_west_3' })).message).toMatch(
      /Unknown region "eu_west_3".*\(from GENESYS_REGION in the environment\)$/s,
    );
    expect(failure(() => load({ baseUrl: 'http://gw.example' }, CREDS)).message).toMatch(
      /Refusing plain http to gw\.example.*\(from --base-url\)$/s,
    );
  });
});
