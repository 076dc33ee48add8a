import { ConfigError } from '../errors.js';

/** Where a client sends its login and API calls when a base URL replaces the region. */
export interface Gateway {
  protocol: 'http' | 'https';
  /** As it goes into a URL: an IPv6 address keeps its brackets. */
  host: string;
  /** Undefined for the protocol's default port. */
  port?: number;
  /** A path prefix such as `/genesys`, without a trailing slash; empty for none. */
  path: string;
  /** `protocol://host[:port][path]`, for messages. */
  target: string;
}

/**
 * Parses a base URL such as `http://127.0.0.1:4010` or `https://gateway.example/genesys`.
 * Plain http is refused unless the host is a loopback address: the client secret and the bearer token travel in
 * headers, so anything that leaves the machine must use TLS.
 * @throws ConfigError for an unparsable URL, a scheme other than http(s), embedded credentials, a query or fragment,
 * or plain http to a non-loopback host.
 */
export function parseBaseUrl(baseUrl: string): Gateway {
  const raw = baseUrl.trim();
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(
      `Invalid base URL "${raw}": expected an absolute URL such as https://api.example or http://127.0.0.1:4010.`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(
      `Invalid base URL: the scheme must be https (or http for a loopback host), not ${url.protocol}`,
    );
  }
  if (url.username || url.password) {
    // The URL would end up in messages and logs; credentials belong in GENESYS_CLIENT_ID / GENESYS_CLIENT_SECRET.
    throw new ConfigError(
      'Invalid base URL: it must not contain a user name or password; set GENESYS_CLIENT_ID and GENESYS_CLIENT_SECRET.',
    );
  }
  if (url.search || url.hash) {
    throw new ConfigError(`Invalid base URL "${url.origin}${url.pathname}…": it must have no query or fragment.`);
  }
  const protocol = url.protocol === 'https:' ? 'https' : 'http';
  if (protocol === 'http' && !isLoopbackHost(url.hostname)) {
    throw new ConfigError(
      `Refusing plain http to ${url.host}: TLS is required, because the client secret and access token would cross ` +
        'the network in clear text. Use https://, or http only for a loopback host (127.0.0.1, localhost, [::1]) ' +
        'such as the local emulator.',
    );
  }
  const path = url.pathname.replace(/\/+$/, '');
  const port = url.port ? Number(url.port) : undefined;
  return {
    protocol,
    host: url.hostname,
    ...(port !== undefined && { port }),
    path,
    target: `${protocol}://${url.host}${path}`,
  };
}

/**
 * True for 127.0.0.0/8, `localhost` and `::1`. `hostname` is as the WHATWG URL parser leaves it, which has already
 * normalised forms such as `127.1`, `0x7f.0.0.1` and `[0:0:0:0:0:0:0:1]`.
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  if (host === 'localhost' || host === '[::1]' || host === '::1') return true;
  const octets = host.split('.');
  return octets.length === 4 && octets[0] === '127' && octets.every((o) => /^\d{1,3}$/.test(o) && Number(o) <= 255);
}
