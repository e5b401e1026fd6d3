import type { DeviceInfo } from './device-info';
import type { TokenBridgeError } from './errors';

/** Feature and boot-keyboard input reports of the OTP interface are 8 bytes, without a report ID. */
export const REPORT_SIZE = 8;

export interface HidConnectionEvents {
  /** One raw 8-byte keyboard input report. */
  input: (report: Uint8Array) => void;
  /** The connection failed (unplugged, I/O error); 'close' follows. */
  error: (err: TokenBridgeError) => void;
  /** The connection is closed, by us or by the device going away. Emitted once. */
  close: () => void;
}

/**
 * A byte pipe to one token's OTP HID interface: 8-byte feature reports in and out and a stream of
 * 8-byte input reports. Report-ID bytes and transfer details are the driver's business.
 */
export interface HidConnection {
  readonly info: DeviceInfo;
  readonly closed: boolean;
  /** SET_FEATURE with exactly 8 bytes. */
  sendFeatureReport(report: Uint8Array): Promise<void>;
  /** GET_FEATURE; resolves with exactly 8 bytes. */
  getFeatureReport(): Promise<Uint8Array>;
  /** Subscribe; returns the unsubscribe function. */
  on<E extends keyof HidConnectionEvents>(event: E, listener: HidConnectionEvents[E]): () => void;
  /** Idempotent; releases every OS handle (and re-attaches kernel drivers where they were detached). */
  close(): Promise<void>;
}
