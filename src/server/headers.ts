import type { ServerResponse } from 'node:http';

/**
 * Headers on every response. The CSP keeps the page to its own files and lets it open the WebSocket
 * on the loopback names only; frame-ancestors and X-Frame-Options stop clickjacking of the pairing
 * windows.
 */
export function securityHeaders(
  port: number,
  extraHosts: readonly string[] = [],
): Record<string, string> {
  const wsHosts = ['127.0.0.1', 'localhost', '[::1]', ...extraHosts].map(
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
