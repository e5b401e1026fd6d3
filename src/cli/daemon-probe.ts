import { request } from 'node:http';
import { isIPv6 } from 'node:net';
import type { ResolvedConfig } from '../config';
import { PEER_REFUSED_BODY } from '../server';

const PROBE_TIMEOUT_MS = 800;

/**
 * What answers on a port: a tokenbridge daemon (its /healthz answers its JSON), a tokenbridge
 * daemon that does not admit this user (its peer check answers 403 with a body naming it), or
 * something else (or nothing).
 */
export type PortHolder = 'daemon' | 'refused' | 'other';

/** Asks `GET /healthz` at host:port who is there (see PortHolder). */
export function probeDaemon(host: string, port: number, timeoutMs: number): Promise<PortHolder> {
  const shown = isIPv6(host) ? `[${host}]` : host;
  return new Promise((resolve) => {
    const req = request(
      {
        host,
        port,
        path: '/healthz',
        method: 'GET',
        headers: { host: `${shown}:${port}` },
        timeout: timeoutMs,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
          if (body.length > 65_536) req.destroy();
        });
        res.on('end', () => {
          if (res.statusCode === 403 && body === PEER_REFUSED_BODY) resolve('refused');
          else resolve(looksLikeTokenbridge(body) ? 'daemon' : 'other');
        });
        res.on('error', () => resolve('other'));
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve('other'));
    req.end();
  });
}

/**
 * The URL of a tokenbridge daemon serving on the configured address, if one answers its health
 * check there, or refuses this user at its peer check (it holds the keys all the same). Commands
 * that open the keys themselves use this to say a daemon holds them.
 */
export async function runningDaemonUrl(config: ResolvedConfig): Promise<string | undefined> {
  const configured = config.server.host;
  // A daemon on every address also answers on loopback, which is what its page URL names.
  const host = configured === '0.0.0.0' ? '127.0.0.1' : configured === '::' ? '::1' : configured;
  const port = config.server.port;
  if (port === 0) return undefined;
  const holder = await probeDaemon(host, port, PROBE_TIMEOUT_MS);
  if (holder === 'other') return undefined;
  return `http://${isIPv6(host) ? `[${host}]` : host}:${port}/`;
}

/** The daemon's /healthz: JSON with `ok` and the number of `devices`. */
function looksLikeTokenbridge(body: string): boolean {
  try {
    const parsed = JSON.parse(body) as Record<string, unknown>;
    return typeof parsed.ok === 'boolean' && typeof parsed.devices === 'number';
  } catch {
    return false;
  }
}
