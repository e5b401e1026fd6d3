import { request } from 'node:http';
import { isIPv6 } from 'node:net';
import type { ResolvedConfig } from '../config';

const PROBE_TIMEOUT_MS = 800;

/**
 * The URL of a tokenbridge daemon serving on the configured address, if one answers its health
 * check there. Commands that open the keys themselves use this to say a daemon holds them.
 */
export function runningDaemonUrl(config: ResolvedConfig): Promise<string | undefined> {
  const configured = config.server.host;
  // A daemon on every address also answers on loopback, which is what its page URL names.
  const host = configured === '0.0.0.0' ? '127.0.0.1' : configured === '::' ? '::1' : configured;
  const port = config.server.port;
  if (port === 0) return Promise.resolve(undefined);
  const shown = isIPv6(host) ? `[${host}]` : host;
  const url = `http://${shown}:${port}/`;
  return new Promise((resolve) => {
    const req = request(
      { host, port, path: '/healthz', method: 'GET', timeout: PROBE_TIMEOUT_MS },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          if (body.length < 64 * 1024) body += chunk;
        });
        res.on('end', () => resolve(looksLikeTokenbridge(body) ? url : undefined));
        res.on('error', () => resolve(undefined));
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
    req.end();
  });
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
