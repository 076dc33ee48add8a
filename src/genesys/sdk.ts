/**
 * Where the platform SDK is loaded from: a bundle of the same SDK version with just `SDK_PARTS` and its dependencies
 * (axios, winston, configparser), built by scripts/bundle-cli.js from the installed package's own ES module sources
 * into dist/bundle/sdk.cjs. The package's CommonJS build holds every one of the platform's ~120 APIs and reaches some
 * 160 files: about half of the CLI's start-up (issue #12), and for a library caller 38 MB of resident memory against
 * the bundle's 19 (its 7.8 MB source alone stays on the heap for lazy compiling). The CLI's bundle defines
 * `GENESYS_BULK_SDK_BUNDLE`; the library (dist/genesys/sdk.js) finds the same file beside it. Run from src/ (tests,
 * tsx), or from a dist/ built without the bundle, there is none, and the package is required as published.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type PlatformClient from 'purecloud-platform-client-v2';

/** The SDK's exports the adapter uses: the bundle holds these and what they import, nothing else. */
export const SDK_PARTS = [
  'ApiClientClass',
  'PureCloudRegionHosts',
  'UsersApi',
  'RoutingApi',
  'AuthorizationApi',
  'GroupsApi',
  'LocationsApi',
] as const;

type Platform = typeof PlatformClient;
/**
 * `ApiClient`, the SDK's shared client, exists only where the whole package was loaded (it builds one as it loads,
 * which polls a config file); the bundle builds none.
 */
export type Sdk = Pick<Platform, (typeof SDK_PARTS)[number]> & { ApiClient?: Platform['ApiClient'] };

declare const GENESYS_BULK_SDK_BUNDLE: string | undefined;

export const SDK_PACKAGE = 'purecloud-platform-client-v2';

/** What `requireSdk` requires: the CLI's bundle, else the library's (`bundled`, if it `exists`), else the package. */
export function sdkSource(
  exists: (path: string) => boolean = existsSync,
  bundled = fileURLToPath(new URL('../bundle/sdk.cjs', import.meta.url)),
): string {
  if (typeof GENESYS_BULK_SDK_BUNDLE === 'string') return GENESYS_BULK_SDK_BUNDLE;
  return exists(bundled) ? bundled : SDK_PACKAGE;
}

/**
 * `require` rather than `import`: Node's ESM loader finds no named exports in the package's CommonJS build (only
 * `default`), and scanning its 118k lines for them doubles the load time (about 0.3 s against 0.16 s).
 */
export function requireSdk(): Sdk {
  return createRequire(import.meta.url)(sdkSource()) as Sdk;
}
