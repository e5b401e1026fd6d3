import type { IncomingMessage } from 'node:http';
import { API_PATH, API_PROTOCOL } from '../api';
import { isAllowedHost, isAllowedOrigin, normalizeOrigin } from './gate';
import { offeredCapability } from './peer/capability';

export type UpgradeDecision =
  { ok: true; origin: string } | { ok: false; status: 403 | 503; reason: string };

/** Offered subprotocols from `Sec-WebSocket-Protocol` (a comma-separated token list). */
export function offeredProtocols(header: string | string[] | undefined): string[] {
  const text = Array.isArray(header) ? header.join(',') : (header ?? '');
  return text
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
}

/**
 * Decides an upgrade from its headers alone, before any handshake byte is written. The capability
 * (where the daemon requires one) is checked after the origin, for that origin; it is never logged.
 */
export function checkUpgrade(
  req: IncomingMessage,
  gate: {
    port: number;
    listenHost: string;
    allowlist: ReadonlySet<string>;
    connections: number;
    maxConnections: number;
    capabilityOk: (origin: string, offered: string | undefined) => boolean;
  },
): UpgradeDecision {
  const pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
  if (pathname !== API_PATH) return { ok: false, status: 403, reason: 'path' };
  if (!isAllowedHost(req.headers.host, gate.port, gate.listenHost))
    return { ok: false, status: 403, reason: 'host' };
  const origin = req.headers.origin;
  if (!isAllowedOrigin(origin, gate.allowlist)) return { ok: false, status: 403, reason: 'origin' };
  const protocols = offeredProtocols(req.headers['sec-websocket-protocol']);
  if (!protocols.includes(API_PROTOCOL)) return { ok: false, status: 403, reason: 'subprotocol' };
  const normalized = normalizeOrigin(origin as string) as string;
  if (!gate.capabilityOk(normalized, offeredCapability(protocols)))
    return { ok: false, status: 403, reason: 'capability' };
  if (gate.connections >= gate.maxConnections)
    return { ok: false, status: 503, reason: 'too many connections' };
  return { ok: true, origin: normalized };
}
