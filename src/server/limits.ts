import { MAX_FRAME_BYTES } from '../api';

export interface ServerLimits {
  /** Sustained requests per second per connection. */
  readonly ratePerSec: number;
  /** Requests a connection may send at once. */
  readonly burst: number;
  /** Consecutive rate-limited frames after which the connection is closed with 1008. */
  readonly hardCap: number;
  readonly maxConnections: number;
  readonly maxFrameBytes: number;
  /** Ping interval; a peer that has not answered the previous ping by the next is terminated. */
  readonly heartbeatMs: number;
  /** A client whose unsent data exceeds this is too slow to keep (events would pile up). */
  readonly maxBufferedBytes: number;
  /** How long close() waits for clients to say goodbye before terminating them. */
  readonly closeGraceMs: number;
}

export const DEFAULT_LIMITS: ServerLimits = {
  ratePerSec: 20,
  burst: 40,
  hardCap: 200,
  maxConnections: 64,
  maxFrameBytes: MAX_FRAME_BYTES,
  heartbeatMs: 15_000,
  maxBufferedBytes: 1024 * 1024,
  closeGraceMs: 1_500,
};
