import type { ServerResponse } from 'node:http';

/**
 * Headers on every response. The CSP keeps the page to its own files and lets it open the WebSocket
 * on the loopback names only; frame-ancestors and X-Frame-Options stop clickjacking of the pairing
 * windows. `'self'` already covers ws: to the page's own host (CSP level 3); the names are listed
 * for a page loaded from one loopback name that connects through another. IPv6 literals are left
 * out: CSP source expressions cannot hold them (browsers drop `ws://[::1]:PORT` with an error), and
 * a page served from [::1] reaches its WebSocket through `'self'`.
 */
export function securityHeaders(
  port: number,
  extraHosts: readonly string[] = [],
): Record<string, string> {
  const wsHosts = ['127.0.0.1', 'localhost', ...extraHosts.filter((h) => !h.startsWith('['))].map(
    (h) => `ws://${h}:${port}`,
  );
  return {
    'Content-Security-Policy': [
      "default-src 'self'",
      `connect-src 'self' ${wsHosts.join(' ')}`,
      "img-src 'self' data:",
      "base-uri 'none'",
      "form-action 'self'",
      "frame-ancestors 'none'",
    ].join('; '),
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
    'Cross-Origin-Resource-Policy': 'same-origin',
  };
}

export function applyHeaders(res: ServerResponse, headers: Record<string, string>): void {
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
}
