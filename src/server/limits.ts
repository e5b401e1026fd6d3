import { MAX_FRAME_BYTES } from '../api';

/** The limits the configuration sets (`server.maxClients`, `server.rateLimit`): no defaults here. */
export interface ConfiguredLimits {
  /** Sustained requests per second per connection. */
  readonly ratePerSec: number;
  /** Requests a connection may send at once. */
  readonly burst: number;
  readonly maxConnections: number;
}

export interface ServerLimits extends ConfiguredLimits {
  /** Consecutive rate-limited frames after which the connection is closed with 1008. */
  readonly hardCap: number;
  readonly maxFrameBytes: number;
  /** Ping interval; a peer that has not answered the previous ping by the next is terminated. */
  readonly heartbeatMs: number;
  /** A client whose unsent data exceeds this is too slow to keep (events would pile up). */
  readonly maxBufferedBytes: number;
  /** How long close() waits for clients to say goodbye before terminating them. */
  readonly closeGraceMs: number;
}

/** The protocol's own limits, which no configuration changes (tests shorten some). */
export const PROTOCOL_LIMITS: Omit<ServerLimits, keyof ConfiguredLimits> = {
  hardCap: 200,
  maxFrameBytes: MAX_FRAME_BYTES,
  heartbeatMs: 15_000,
  maxBufferedBytes: 1024 * 1024,
  closeGraceMs: 1_500,
};
