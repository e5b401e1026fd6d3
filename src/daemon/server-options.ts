import type { ResolvedConfig } from '../config';
import type { ServerOptions } from '../server';

/** The configuration's server section in the server's terms (listen address, origins, limits). */
export function serverOptionsOf(
  config: ResolvedConfig,
): Pick<ServerOptions, 'host' | 'port' | 'allowOrigins' | 'limits'> {
  return {
    host: config.server.host,
    port: config.server.port,
    allowOrigins: config.server.allowOrigins,
    limits: {
      maxConnections: config.server.maxClients,
      ratePerSec: config.server.rateLimit.perSecond,
      burst: config.server.rateLimit.burst,
    },
  };
}
