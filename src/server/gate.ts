import { UsageError } from '../core/errors';

/**
 * The security gate as pure predicates. Both run on every WebSocket upgrade, and the Host check on
 * every HTTP request: a rebound DNS name carries the attacker's name in Host, and a cross-site page
 * carries its own origin in Origin, so either check alone leaves a hole.
 */

const LOOPBACK_HOSTS = ['127.0.0.1', 'localhost', '[::1]'] as const;

/** `host` as it appears in a Host header / URL authority: IPv6 in brackets. */
function authorityHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

export function isLoopbackHost(host: string): boolean {
  return (LOOPBACK_HOSTS as readonly string[]).includes(authorityHost(host.toLowerCase()));
}

/**
 * True when the Host header names this daemon: a loopback name with exactly our port, or the
 * configured listen host when the daemon was told to listen elsewhere. No default-port elision: the
 * daemon never listens on port 80, so `Host: localhost` cannot be ours.
 */
export function isAllowedHost(
  hostHeader: string | undefined,
  port: number,
  listenHost?: string,
): boolean {
  if (hostHeader === undefined) return false;
  const names: string[] = [...LOOPBACK_HOSTS];
  if (listenHost !== undefined && !isLoopbackHost(listenHost) && !isWildcardHost(listenHost))
    names.push(authorityHost(listenHost.toLowerCase()));
  const value = hostHeader.toLowerCase();
  return names.some((name) => value === `${name}:${port}`);
}

export function isWildcardHost(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '[::]';
}

const ORIGIN_SHAPE = /^https?:\/\/(?:[a-z0-9.-]+|\[[0-9a-f:.]+\])(?::[0-9]{1,5})?$/i;

const DEFAULT_PORTS: Record<string, string> = { 'http:': '80', 'https:': '443' };

/**
 * `scheme://host[:port]` in the form browsers send, or undefined when `text` is not a bare origin
 * (a path, userinfo, query, fragment, other schemes, `null`).
 */
export function normalizeOrigin(text: string): string | undefined {
  // Browsers send hosts in ASCII (punycode) form; anything else is not an origin a browser sends.
  if (!ORIGIN_SHAPE.test(text)) return undefined;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return undefined;
  }
  if (url.username || url.password || url.pathname !== '/' || url.search || url.hash)
    return undefined;
  const port = url.port === DEFAULT_PORTS[url.protocol] ? '' : url.port;
  return `${url.protocol}//${url.hostname}${port ? `:${port}` : ''}`;
}

/** Exact match of the normalised Origin against the allowlist; `null` and a missing Origin fail. */
export function isAllowedOrigin(
  originHeader: string | undefined,
  allowlist: ReadonlySet<string>,
): boolean {
  if (originHeader === undefined || originHeader === 'null') return false;
  const origin = normalizeOrigin(originHeader);
  return origin !== undefined && allowlist.has(origin);
}

/** The daemon's own page origins for `port`. */
export function ownOrigins(port: number, listenHost?: string): string[] {
  const hosts: string[] = [...LOOPBACK_HOSTS];
  if (listenHost !== undefined && !isLoopbackHost(listenHost) && !isWildcardHost(listenHost))
    hosts.push(authorityHost(listenHost.toLowerCase()));
  return hosts.map((h) => `http://${h}:${port}`);
}

/**
 * The allowlist: our own page plus extra origins (from `--allow-origin`), each normalised. Throws a
 * message naming the bad entry, because a typo here would silently lock the page out.
 */
export function buildOriginAllowlist(
  port: number,
  extra: readonly string[],
  listenHost?: string,
): ReadonlySet<string> {
  const set = new Set(ownOrigins(port, listenHost));
  for (const entry of extra) {
    const origin = entry === 'null' ? undefined : normalizeOrigin(entry);
    if (origin === undefined)
      throw new UsageError(
        `allowed origin "${entry}" is not an origin like https://example.com:8443`,
      );
    set.add(origin);
  }
  return set;
}
