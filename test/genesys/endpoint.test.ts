import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { isLoopbackHost, parseBaseUrl } from '../../src/genesys/endpoint.js';

describe('parseBaseUrl', () => {
  it('takes the emulator on a loopback port', () => {
    expect(parseBaseUrl('http://127.0.0.1:4010')).toEqual({
      protocol: 'http',
      host: '127.0.0.1',
      port: 4010,
      path: '',
      target: 'http://127.0.0.1:4010',
    });
    expect(parseBaseUrl('http://localhost:4010/').target).toBe('http://localhost:4010');
    expect(parseBaseUrl('http://[::1]:4010')).toMatchObject({ host: '[::1]', port: 4010, target: 'http://[::1]:4010' });
  });

  it('takes https to any host, with an optional path prefix', () => {
    expect(parseBaseUrl('https://api.example')).toEqual({
      protocol: 'https',
      host: 'api.example',
      path: '',
      target: 'https://api.example',
    });
    expect(parseBaseUrl('https://gw.example:8443/genesys//')).toEqual({
      protocol: 'https',
      host: 'gw.example',
      port: 8443,
      path: '/genesys',
      target: 'https://gw.example:8443/genesys',
    });
  });

  it('drops a default port', () => {
    expect(parseBaseUrl('https://api.example:443').port).toBeUndefined();
  });

  it('refuses plain http to a non-loopback host, saying TLS is required', () => {
    for (const url of ['http://api.example', 'http://10.0.0.5:4010', 'http://128.0.0.1', 'http://localhost.example']) {
      expect(() => parseBaseUrl(url)).toThrow(ConfigError);
      expect(() => parseBaseUrl(url)).toThrow(/TLS is required/);
    }
  });

  it('refuses what is not an http(s) URL', () => {
    expect(() => parseBaseUrl('127.0.0.1:4010')).toThrow(ConfigError);
    expect(() => parseBaseUrl('not a url')).toThrow(/Invalid base URL/);
    expect(() => parseBaseUrl('ftp://127.0.0.1')).toThrow(/scheme must be https/);
  });

  it('refuses credentials, a query or a fragment, without echoing a password', () => {
    expect(() => parseBaseUrl('https://user:hunter22@api.example')).toThrow(/must not contain a user name or password/);
    try {
      parseBaseUrl('https://user:hunter22@api.example');
    } catch (error) {
      expect((error as Error).message).not.toContain('hunter22');
    }
    expect(() => parseBaseUrl('https://api.example/?x=1')).toThrow(/no query or fragment/);
    expect(() => parseBaseUrl('https://api.example/#x')).toThrow(/no query or fragment/);
  });
});

describe('isLoopbackHost', () => {
  it('accepts 127.0.0.0/8, localhost and ::1', () => {
    for (const host of [
      '127.0.0.1',
      '127.255.255.254',
      '127.1.2.3',
      'localhost',
      'LOCALHOST',
      'localhost.',
      '[::1]',
      '::1',
    ]) {
      expect(isLoopbackHost(host)).toBe(true);
    }
  });

  it('rejects everything else', () => {
    for (const host of [
      '128.0.0.1',
      '10.0.0.1',
      '0.0.0.0',
      '127.0.0.256',
      '127.0.0',
      'localhost.example',
      'mylocalhost',
      '[::2]',
      '',
    ]) {
      expect(isLoopbackHost(host)).toBe(false);
    }
  });

  it('sees loopback through the forms the URL parser normalises', () => {
    expect(parseBaseUrl('http://127.1:4010').host).toBe('127.0.0.1');
    expect(parseBaseUrl('http://0x7f.0.0.1:4010').host).toBe('127.0.0.1');
    expect(parseBaseUrl('http://[0:0:0:0:0:0:0:1]:4010').host).toBe('[::1]');
  });
});
