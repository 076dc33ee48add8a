/**
 * Where the platform SDK is loaded from. The library requires the package as published. The CLI's build
 * (scripts/bundle-cli.js) defines `GENESYS_BULK_SDK_BUNDLE` as the path of a bundle of the same SDK version, built
 * from the package's own ES module sources with just `SDK_PARTS` and its dependencies (axios, winston, configparser):
 * the package's CommonJS build holds every one of the platform's ~120 APIs and reaches some 160 files, about half of
 * the CLI's start-up (issue #12).
 */
import { createRequire } from 'node:module';
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

/**
 * `require` rather than `import`: Node's ESM loader finds no named exports in the package's CommonJS build (only
 * `default`), and scanning its 118k lines for them doubles the load time (about 0.3 s against 0.16 s).
 */
export function requireSdk(): Sdk {
  const from = typeof GENESYS_BULK_SDK_BUNDLE === 'string' ? GENESYS_BULK_SDK_BUNDLE : 'purecloud-platform-client-v2';
  return createRequire(import.meta.url)(from) as Sdk;
}
