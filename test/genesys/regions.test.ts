import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { levenshtein, resolveRegion } from '../../src/genesys/regions.js';

// The adapter resolves against the SDK's own enum; so do these tests.
const { PureCloudRegionHosts: hosts } = createRequire(import.meta.url)('purecloud-platform-client-v2') as {
  PureCloudRegionHosts: Record<string, string>;
};

function configErrorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('resolveRegion', () => {
  it('holds the regions the platform facts list', () => {
    expect(hosts).toMatchObject({
      us_east_1: 'mypurecloud.com',
      eu_west_1: 'mypurecloud.ie',
      ap_southeast_2: 'mypurecloud.com.au',
      eu_central_1: 'mypurecloud.de',
      us_east_2: 'use2.us-gov-pure.cloud',
      eusc_de_east_1: 'edee1.eusc-pure.cloud',
    });
    expect(Object.keys(hosts).length).toBeGreaterThanOrEqual(18);
  });

  it('accepts every key and every domain', () => {
    for (const [key, domain] of Object.entries(hosts)) {
      expect(resolveRegion(key, hosts)).toEqual({ key, domain });
      expect(resolveRegion(domain, hosts)).toEqual({ key, domain });
    }
  });

  it('accepts a key in capitals or with hyphens', () => {
    expect(resolveRegion('EU_WEST_1', hosts)).toEqual({ key: 'eu_west_1', domain: 'mypurecloud.ie' });
    expect(resolveRegion(' eu-west-1 ', hosts)).toEqual({ key: 'eu_west_1', domain: 'mypurecloud.ie' });
  });

  it('accepts a domain written as the API or login host or URL', () => {
    for (const input of [
      'api.mypurecloud.ie',
      'login.mypurecloud.ie',
      'https://api.mypurecloud.ie/',
      'MyPureCloud.IE',
    ]) {
      expect(resolveRegion(input, hosts)).toEqual({ key: 'eu_west_1', domain: 'mypurecloud.ie' });
    }
  });

  it('does not confuse a domain that only ends like a known one', () => {
    expect(() => resolveRegion('evil-mypurecloud.ie', hosts)).toThrow(ConfigError);
    expect(() => resolveRegion('mypurecloud.ie.evil.example', hosts)).toThrow(ConfigError);
  });

  it('suggests the nearest key for a typo and lists the valid keys', () => {
    const error = configErrorOf(() => resolveRegion('eu_west_3', hosts));
    expect(error.message).toContain('Unknown region "eu_west_3"');
    expect(error.message).toMatch(/Did you mean eu_west_[12]\?/);
    expect(error.message).toContain('eu_west_1 (mypurecloud.ie)');
    expect(error.message).toContain('us_east_1 (mypurecloud.com)');
    expect(configErrorOf(() => resolveRegion('us_east', hosts)).message).toContain('Did you mean us_east_1?');
    expect(configErrorOf(() => resolveRegion('mypurecloud.co', hosts)).message).toContain(
      'Did you mean mypurecloud.com (us_east_1)?',
    );
  });

  it('makes no suggestion for something unrelated', () => {
    const error = configErrorOf(() => resolveRegion('mars', hosts));
    expect(error.message).not.toContain('Did you mean');
    expect(error.exitCode).toBe(3);
  });
});

describe('levenshtein', () => {
  it('counts edits', () => {
    expect(levenshtein('', '')).toBe(0);
    expect(levenshtein('abc', '')).toBe(3);
    expect(levenshtein('kitten', 'sitting')).toBe(3);
    expect(levenshtein('eu_west_1', 'eu_west_2')).toBe(1);
  });
});
