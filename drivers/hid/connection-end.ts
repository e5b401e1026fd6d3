import { DeviceError, ErrorCode, type Logger, type TokenBridgeError } from '../../src/core';
import type { ConnectionEvents } from './connection-events';
import { toDeviceError } from './errors';

/** What ConnectionEnd needs of the connection it ends. */
export interface Endable {
  readonly closed: boolean;
  close(): Promise<void>;
}

/**
 * How a native connection (node-hid or usb) ends after an error: the error is reported once on
 * 'error', the connection closes, and every later call is told why (DEVICE_GONE after an unplug)
 * rather than only that it is closed.
 */
export class ConnectionEnd {
  private endedBy: TokenBridgeError | undefined;

  constructor(
    private readonly connection: Endable,
    private readonly events: ConnectionEvents,
    private readonly log: Logger,
    private readonly driver: string,
  ) {}

  /** Throws why the connection ended, once it has. */
  checkOpen(): void {
    if (!this.connection.closed) return;
    throw (
      this.endedBy ?? new DeviceError(ErrorCode.DEVICE_CLOSED, `${this.driver} device is closed`)
    );
  }

  /** Maps a library error; a gone device also ends the connection. */
  failed(err: unknown, what: string): TokenBridgeError {
    const mapped = toDeviceError(err, what);
    if (mapped.code === ErrorCode.DEVICE_GONE) this.fail(mapped);
    return mapped;
  }

  fail(err: TokenBridgeError): void {
    if (this.connection.closed) return;
    this.endedBy =
      err.code === ErrorCode.DEVICE_GONE
        ? err
        : new DeviceError(ErrorCode.DEVICE_CLOSED, `device closed after an error: ${err.message}`);
    this.log.debug({ code: err.code }, 'connection failed');
    this.events.emit('error', err);
    void this.connection.close();
  }
}
