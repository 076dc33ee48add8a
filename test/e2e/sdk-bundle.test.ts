import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SDK_PACKAGE, SDK_PARTS, sdkSource } from '../../src/genesys/sdk.js';
import { ROOT, requireFreshBuild } from './harness.js';

/**
 * The CLI and the library built in dist/ require dist/bundle/sdk.cjs in place of the SDK package (src/genesys/sdk.ts):
 * it must be the same SDK, part for part. The CLI's tests (test/e2e) run it against the emulator; this checks it
 * against the package.
 */
describe("the CLI's and the library's bundle of the SDK", () => {
  requireFreshBuild();
  const require = createRequire(import.meta.url);
  const bundled = require(join(ROOT, 'dist', 'bundle', 'sdk.cjs')) as Record<string, unknown>;
  const whole = require('purecloud-platform-client-v2') as Record<string, unknown>;
  // A class's own methods, up its chain to Object.
  const methods = (c: unknown): string[] => {
    const names = new Set<string>();
    for (let p = (c as { prototype?: object }).prototype; p && p !== Object.prototype; p = Object.getPrototypeOf(p))
      for (const n of Object.getOwnPropertyNames(p)) names.add(n);
    return [...names].sort();
  };

  it('holds exactly the parts the adapter uses', () => {
    expect(Object.keys(bundled).sort()).toEqual([...SDK_PARTS].sort());
  });

  it.each(SDK_PARTS)('%s is the package’s, method for method', (part) => {
    expect(typeof bundled[part]).toBe(typeof whole[part]);
    if (typeof whole[part] === 'function') {
      expect(methods(bundled[part]).length).toBeGreaterThan(3);
      expect(methods(bundled[part])).toEqual(methods(whole[part]));
    } else {
      expect(bundled[part]).toEqual(whole[part]);
    }
  });

  it('is what the library built in dist/ loads, as the CLI does (a library caller gets the same memory)', async () => {
    const built = (await import(join(ROOT, 'dist', 'genesys', 'sdk.js'))) as { sdkSource: () => string };
    expect(built.sdkSource()).toBe(join(ROOT, 'dist', 'bundle', 'sdk.cjs'));
  });

  it('is replaced by the package where there is no bundle (run from src/, or a dist/ built without it)', () => {
    expect(sdkSource()).toBe(SDK_PACKAGE);
    expect(sdkSource(() => true, '/x/dist/bundle/sdk.cjs')).toBe('/x/dist/bundle/sdk.cjs');
    expect(sdkSource(() => false, '/x/dist/bundle/sdk.cjs')).toBe(SDK_PACKAGE);
  });

  it('builds no shared client as it loads (the package does, with a config-file watcher)', () => {
    expect(bundled.ApiClient).toBeUndefined();
    expect(whole.ApiClient).toBeDefined();
  });
});
