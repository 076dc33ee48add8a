/**
 * `--tokens` / GENESYS_TOKENS (issue #12) and `--timeout` / GENESYS_TIMEOUT: flags, then the environment, then the
 * dotenv file; tokens 1..20, timeout 1..600 s; else exit 2.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConnectionConfig } from '../../src/config.js';
import { ExitCode, ValidationError } from '../../src/errors.js';

const hosts = () => ({ eu_west_1: 'mypurecloud.ie' });
const ENV = { GENESYS_CLIENT_ID: 'id-env', GENESYS_CLIENT_SECRET: 'secret-env', GENESYS_REGION: 'eu_west_1' };

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gb-tokens-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const load = (flags: Parameters<typeof loadConnectionConfig>[0], env: NodeJS.ProcessEnv) =>
  loadConnectionConfig(flags, env, dir, hosts);

function refusal(fn: () => unknown): ValidationError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).exitCode).toBe(ExitCode.Usage);
    return err as ValidationError;
  }
  throw new Error('expected a ValidationError');
}

describe('the number of tokens', () => {
  it('is 1 by default', () => {
    expect(load({}, ENV).tokens).toBe(1);
  });

  it('comes from the flag, else the environment, else the dotenv file', () => {
    const file = join(dir, '.env');
    writeFileSync(file, 'GENESYS_TOKENS=3\n');
    chmodSync(file, 0o600);
    expect(load({}, ENV).tokens).toBe(3);
    expect(load({}, { ...ENV, GENESYS_TOKENS: '5' }).tokens).toBe(5);
    expect(load({ tokens: '20' }, { ...ENV, GENESYS_TOKENS: '5' }).tokens).toBe(20);
    expect(load({ tokens: 2 }, ENV).tokens).toBe(2);
  });

  it.each([
    [{ tokens: '0' }, {}, 'Invalid number of tokens "0" (--tokens): give a whole number from 1 to 20.'],
    [{ tokens: '21' }, {}, 'Invalid number of tokens "21" (--tokens): give a whole number from 1 to 20.'],
    [{ tokens: '2.5' }, {}, 'Invalid number of tokens "2.5" (--tokens): give a whole number from 1 to 20.'],
    [{ tokens: 'four' }, {}, 'Invalid number of tokens "four" (--tokens): give a whole number from 1 to 20.'],
    [{ tokens: '1e1' }, {}, 'Invalid number of tokens "1e1" (--tokens): give a whole number from 1 to 20.'],
    [{ tokens: '' }, {}, 'Invalid number of tokens "" (--tokens): give a whole number from 1 to 20.'],
    [
      {},
      { GENESYS_TOKENS: '-3' },
      'Invalid number of tokens "-3" (GENESYS_TOKENS in the environment): give a whole number from 1 to 20.',
    ],
  ])('%o %o is a usage error naming where it came from', (flags, env, message) => {
    const err = refusal(() => load(flags, { ...ENV, ...env }));
    expect(err.message).toBe(
      `${message} Each token of the OAuth client has a rate limit of its own; 1, the default, uses one. Nothing was sent.`,
    );
  });

  it('a bad count is reported before missing credentials (exit 2, not 3)', () => {
    refusal(() => load({ tokens: '0' }, {}));
  });
});

describe('the request timeout', () => {
  it('is 30 s by default, and comes from the flag, else the environment, else the dotenv file', () => {
    expect(load({}, ENV).timeoutMs).toBe(30_000);
    writeFileSync(join(dir, '.env'), 'GENESYS_TIMEOUT=45\n');
    chmodSync(join(dir, '.env'), 0o600);
    expect(load({}, ENV).timeoutMs).toBe(45_000);
    expect(load({}, { ...ENV, GENESYS_TIMEOUT: '5' }).timeoutMs).toBe(5_000);
    expect(load({ timeout: '600' }, { ...ENV, GENESYS_TIMEOUT: '5' }).timeoutMs).toBe(600_000);
    expect(load({ timeout: 1 }, ENV).timeoutMs).toBe(1_000);
  });

  it.each([
    [{ timeout: '0' }, {}, '"0" (--timeout)'],
    [{ timeout: '601' }, {}, '"601" (--timeout)'],
    [{ timeout: '1.5' }, {}, '"1.5" (--timeout)'],
    [{ timeout: '30s' }, {}, '"30s" (--timeout)'],
    [{ timeout: '' }, {}, '"" (--timeout)'],
    [{}, { GENESYS_TIMEOUT: '-1' }, '"-1" (GENESYS_TIMEOUT in the environment)'],
  ])('%o %o is a usage error naming where it came from', (flags, env, what) => {
    const err = refusal(() => load(flags, { ...ENV, ...env }));
    expect(err.message).toBe(
      `Invalid request timeout ${what}: give a whole number of seconds from 1 to 600 (default 30). Nothing was sent.`,
    );
  });

  it('a bad timeout is reported before missing credentials (exit 2, not 3)', () => {
    refusal(() => load({ timeout: 'soon' }, {}));
  });
});
