import { ConfigError } from '../errors.js';
import { nearest } from '../suggest.js';

export { levenshtein } from '../suggest.js';

export interface ResolvedRegion {
  /** The SDK's region key, e.g. `eu_west_1`. */
  key: string;
  /** The region's domain, e.g. `mypurecloud.ie`; the API is at `api.<domain>`, login at `login.<domain>`. */
  domain: string;
}

/**
 * Resolves a region given as a key (`eu_west_1`, also `EU-WEST-1`) or as a domain (`mypurecloud.ie`, also
 * `api.mypurecloud.ie` or `https://api.mypurecloud.ie/`). `hosts` is the SDK's `PureCloudRegionHosts` (key → domain),
 * read at runtime so that a newer SDK brings its new regions with it.
 * @throws ConfigError for an unknown region, listing the valid keys and the nearest one when it is close.
 */
export function resolveRegion(input: string, hosts: Readonly<Record<string, string>>): ResolvedRegion {
  const raw = input.trim();
  const asKey = raw.toLowerCase().replace(/-/g, '_');
  const keyDomain = Object.hasOwn(hosts, asKey) ? hosts[asKey] : undefined;
  if (keyDomain !== undefined) return { key: asKey, domain: keyDomain };

  const asDomain = raw
    .toLowerCase()
    .replace(/^https?:\/\//, '')
    .replace(/\/+$/, '')
    .replace(/^(api|login)\./, '');
  for (const [key, domain] of Object.entries(hosts)) {
    if (domain === asDomain) return { key, domain };
  }

  const keys = Object.keys(hosts);
  const suggestion = nearestRegion(asKey, asDomain, hosts);
  throw new ConfigError(
    `Unknown region "${raw}".${suggestion ? ` Did you mean ${suggestion}?` : ''} ` +
      `Use a region key or its domain: ${keys.map((k) => `${k} (${hosts[k]})`).join(', ')}.`,
  );
}

/** The closest key or domain, if it is close enough to be a plausible typo. */
function nearestRegion(asKey: string, asDomain: string, hosts: Readonly<Record<string, string>>): string | undefined {
  // A third of the length keeps `eu_west_3` → eu_west_1 but rejects unrelated words.
  const tolerance = (candidate: string) => Math.max(2, Math.floor(candidate.length / 3));
  const entries = Object.entries(hosts);
  const byKey = nearest(asKey, entries, ([key]) => key, tolerance);
  const byDomain = nearest(asDomain, entries, ([, domain]) => domain, tolerance);
  if (byDomain !== undefined && (byKey === undefined || byDomain.distance < byKey.distance)) {
    const [key, domain] = byDomain.item;
    return `${domain} (${key})`;
  }
  return byKey?.item[0];
}
