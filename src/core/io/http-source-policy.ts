import net from 'node:net';
import { ImageError, UsageError } from '../errors/index.js';
import { isPublicAddress, unmapIPv4 } from '../net/index.js';

/**
 * Which http(s) image URLs may be fetched. Each rule is `*`, `host` or `host:port` (`[v6]:port` for IPv6):
 * - `host` / `host:port` (a name or an IP literal) is trusted as listed: its addresses are not checked, so
 *   an internal image server is reachable only when someone listed it;
 * - `*` matches any host on any port, but only when EVERY address it resolves to is public (no loopback,
 *   private, link-local, CGNAT, multicast...): the address actually connected to is checked, not the name.
 * An empty list refuses every http(s) source. Redirects are followed only when their target passes too.
 */
export interface HttpSourcePolicy {
  readonly allowHosts: readonly string[];
  /** Trust every address `*` resolves to (the CLI and library on a user's own machine). Default false. */
  readonly allowPrivateAddresses?: boolean;
}

/** Workers' default: http(s) sources are off until an allow-list is configured. */
export const NO_HTTP_SOURCES: HttpSourcePolicy = Object.freeze({ allowHosts: Object.freeze([]) });
/** `zeroshot classify` and the library: the caller fetches their own URLs, as curl would. */
export const OPEN_HTTP_SOURCES: HttpSourcePolicy = Object.freeze({
  allowHosts: Object.freeze(['*']),
  allowPrivateAddresses: true,
});

interface HostRule {
  host: string;
  port?: number;
}

const HOST_NAME = /^(?=.{1,253}$)[a-z0-9_](?:[a-z0-9_-]{0,62})(?:\.[a-z0-9_](?:[a-z0-9_-]{0,62}))*\.?$/;

/** Parses one allow-list entry; throws UsageError naming `name` and the accepted forms. */
export function parseHostRule(raw: string, name = 'ZEROSHOT_HTTP_SOURCES'): HostRule {
  const entry = raw.trim().toLowerCase();
  if (entry === '*') return { host: '*' };
  const m = /^(?:\[([0-9a-f:.]+)\]|([^:[\]]+))(?::(\d{1,5}))?$/.exec(entry);
  const host = m ? (m[1] ?? m[2] ?? '') : '';
  const port = m?.[3] === undefined ? undefined : Number(m[3]);
  const validHost = m?.[1] ? net.isIPv6(host) : net.isIPv4(host) || HOST_NAME.test(host);
  if (!m || !validHost || (port !== undefined && (port < 1 || port > 65_535))) {
    throw new UsageError(
      'INVALID_OPTION',
      `${name}: ${JSON.stringify(raw)} is not an allowed-host entry (use *, host, host:port or [ipv6]:port)`,
    );
  }
  return { host: unmapIPv4(host.replace(/\.$/, '')), ...(port === undefined ? {} : { port }) };
}

/** Splits a comma-separated allow-list (env form) and validates every entry. */
export function parseHttpSources(raw: string | readonly string[], name = 'ZEROSHOT_HTTP_SOURCES'): string[] {
  const parts = (typeof raw === 'string' ? [raw] : raw).flatMap((r) => r.split(','));
  const out = parts.map((p) => p.trim()).filter(Boolean);
  for (const p of out) parseHostRule(p, name);
  return out;
}

/** How a URL matched the policy: `explicit` rules are trusted, `wildcard` ones need public addresses. */
export type HttpSourceMatch = 'explicit' | 'wildcard' | 'trusted';

const DISABLED_HINT = 'enable them with --allow-http-host or ZEROSHOT_HTTP_SOURCES';

/** Throws IMAGE_SOURCE_FORBIDDEN unless `url`'s host and port are allowed. Addresses are checked later. */
export function matchHttpSource(url: URL, policy: HttpSourcePolicy): HttpSourceMatch {
  if (policy.allowHosts.length === 0) {
    throw new ImageError(
      'IMAGE_SOURCE_FORBIDDEN',
      `http(s) image sources are disabled here (${DISABLED_HINT})`,
    );
  }
  const host = unmapIPv4(url.hostname).replace(/\.$/, '');
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  let wildcard = false;
  for (const raw of policy.allowHosts) {
    const rule = parseHostRule(raw);
    if (rule.host === '*') wildcard = true;
    else if (rule.host === host && (rule.port === undefined || rule.port === port)) return 'explicit';
  }
  if (wildcard) return policy.allowPrivateAddresses ? 'trusted' : 'wildcard';
  throw new ImageError(
    'IMAGE_SOURCE_FORBIDDEN',
    `the host ${url.host} is not in the http source allow-list (--allow-http-host / ZEROSHOT_HTTP_SOURCES)`,
  );
}

/** For `wildcard` matches: every address the host resolves to must be public. */
export function checkResolvedAddress(address: string, match: HttpSourceMatch): void {
  if (match === 'wildcard' && !isPublicAddress(address)) {
    throw new ImageError(
      'IMAGE_SOURCE_FORBIDDEN',
      'the host resolves to a loopback, private or link-local address; list it explicitly to allow it',
    );
  }
}
