import {
  ErrorCode,
  OTP_ONLY_PRODUCT_IDS,
  ProtocolError,
  SERIAL_RESPONSE_SIZE,
  SLOT_DEVICE_SERIAL,
  sleep,
  systemClock,
  type Clock,
  type HidConnection,
  type Logger,
} from '../core';
import { QUIET_LOGGER } from './quiet-logger';
import { OtpProtocol, type OtpProtocolOptions } from './otp-protocol';
import type { OtpStatus } from './status';

export interface YubiOtpSessionOptions extends OtpProtocolOptions {
  /**
   * Serial reads tried right after opening a key that also carries FIDO or CCID: such a key can be
   * "in reclaim" for a moment and fail commands (ykman retries 6 times). 1 disables the retry.
   */
  reclaimAttempts?: number;
  /** Wait between those attempts (ykman: 0.5 s). */
  reclaimIntervalMs?: number;
}

export const DEFAULT_RECLAIM_ATTEMPTS = 6;
export const DEFAULT_RECLAIM_INTERVAL_MS = 500;

/** The OTP application's commands, over an OtpProtocol on one connection. */
export class YubiOtpSession {
  readonly protocol: OtpProtocol;
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly reclaimAttempts: number;
  private readonly reclaimIntervalMs: number;
  /** Until the first serial read, a composite key may still be in reclaim. */
  private reclaimPending: boolean;

  constructor(
    readonly connection: HidConnection,
    options: YubiOtpSessionOptions = {},
  ) {
    this.protocol = new OtpProtocol(connection, options);
    this.log = (options.logger ?? QUIET_LOGGER).child({ module: 'yubikey.session' });
    this.clock = options.clock ?? systemClock;
    this.reclaimAttempts = Math.max(1, options.reclaimAttempts ?? DEFAULT_RECLAIM_ATTEMPTS);
    this.reclaimIntervalMs = options.reclaimIntervalMs ?? DEFAULT_RECLAIM_INTERVAL_MS;
    this.reclaimPending = !OTP_ONLY_PRODUCT_IDS.includes(connection.info.productId);
  }

  readStatus(options: { signal?: AbortSignal } = {}): Promise<OtpStatus> {
    return this.protocol.readStatus(options);
  }

  /**
   * The serial number, or undefined when the key keeps it hidden (SERIAL_API_VISIBLE not set: the
   * key answers the command with no data). On the first call after opening a composite key, errors
   * are retried while the key may be in reclaim; a key that only ever rejects is taken as hidden.
   */
  async readSerial(options: { signal?: AbortSignal } = {}): Promise<number | undefined> {
    const attempts = this.reclaimPending ? this.reclaimAttempts : 1;
    this.reclaimPending = false;
    let lastError: ProtocolError | undefined;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        const response = await this.protocol.sendAndReceive(SLOT_DEVICE_SERIAL, undefined, {
          dataLength: SERIAL_RESPONSE_SIZE,
          signal: options.signal,
        });
        // A status instead of data would mean the command changed the configuration: not a serial.
        if (response.kind !== 'data') return undefined;
        return new DataView(response.data.buffer, response.data.byteOffset).getUint32(0, false);
      } catch (err) {
        if (!(err instanceof ProtocolError) || err.code === ErrorCode.ABORTED) throw err;
        lastError = err;
        if (attempt < attempts) {
          this.log.debug({ attempt, code: err.code }, 'serial read failed; key may be in reclaim');
          await sleep(this.clock, this.reclaimIntervalMs);
        }
      }
    }
    if (lastError?.code === ErrorCode.COMMAND_REJECTED) return undefined;
    throw lastError;
  }
}
