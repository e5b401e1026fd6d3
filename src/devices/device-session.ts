import {
  asTokenBridgeError,
  type Clock,
  ErrorCode,
  type HidConnection,
  type Logger,
  ProtocolError,
  type Timer,
  type TokenBridgeError,
} from '../core';
import {
  formatVersion,
  KeyboardOtpAssembler,
  type HotpDigits,
  type OtpClassification,
  YubiOtpSession,
} from '../yubikey';
import type { SessionOptions } from './types';

export interface Identity {
  readonly serial: number | undefined;
  readonly firmware: string;
}

export interface DeviceSessionHandlers {
  otp(otp: OtpClassification): void;
  /** The connection ended without close() being called (unplug, I/O error, garbage flood). */
  ended(err: TokenBridgeError): void;
}

export interface DeviceSessionOptions {
  readonly logger: Logger;
  readonly clock: Clock;
  readonly otpTimeoutMs: number | undefined;
  readonly hotpDigits: HotpDigits | undefined;
  readonly garbageLimit: number;
  readonly garbageWindowMs: number;
  readonly session: SessionOptions;
}

/**
 * One opened token interface: its YubiOtpSession for feature reports (the protocol serialises the
 * exchanges) and its keystrokes, assembled into OTPs. Everything it holds (the connection, listener
 * subscriptions, the expiry timer) is released by close(), whoever calls it and however often.
 */
export class DeviceSession {
  readonly session: YubiOtpSession;
  private readonly assembler: KeyboardOtpAssembler;
  private readonly subscriptions: Array<() => void> = [];
  private expiryTimer: Timer | undefined;
  private handlers: DeviceSessionHandlers | undefined;
  private garbage: number[] = [];
  private closing: Promise<void> | undefined;

  constructor(
    readonly connection: HidConnection,
    private readonly options: DeviceSessionOptions,
  ) {
    this.session = new YubiOtpSession(connection, {
      logger: options.logger,
      clock: options.clock,
      ...options.session,
    });
    this.assembler = new KeyboardOtpAssembler({
      logger: options.logger,
      ...(options.otpTimeoutMs !== undefined ? { timeoutMs: options.otpTimeoutMs } : {}),
      ...(options.hotpDigits !== undefined ? { hotpDigits: options.hotpDigits } : {}),
    });
  }

  get closed(): boolean {
    return this.closing !== undefined;
  }

  /** Status (firmware) and serial; a hidden serial is undefined, not an error. */
  async identify(signal: AbortSignal): Promise<Identity> {
    const status = await this.session.readStatus({ signal });
    const serial = await this.session.readSerial({ signal });
    return { serial, firmware: formatVersion(status.version) };
  }

  /**
   * Starts listening to keystrokes and to the connection ending. `resumed`: an earlier connection to
   * this key ended while it stayed plugged in, so it may be typing an OTP whose start went unseen.
   */
  activate(handlers: DeviceSessionHandlers, resumed = false): void {
    if (this.closed) return;
    this.handlers = handlers;
    if (resumed) this.assembler.resumeAt(this.options.clock.now());
    this.subscriptions.push(
      this.connection.on('input', (report) => this.onInput(report)),
      this.connection.on('error', (err) => this.end(err)),
      this.connection.on('close', () =>
        this.end(new ProtocolError(ErrorCode.DEVICE_CLOSED, 'the connection closed')),
      ),
    );
    // An unplug between identify() and here would otherwise go unnoticed.
    if (this.connection.closed) {
      this.end(new ProtocolError(ErrorCode.DEVICE_GONE, 'the connection closed while opening'));
    }
  }

  /** Idempotent: unsubscribes, clears the timer and closes the connection. */
  close(): Promise<void> {
    if (!this.closing) {
      this.handlers = undefined;
      for (const off of this.subscriptions.splice(0)) off();
      this.expiryTimer?.clear();
      this.expiryTimer = undefined;
      this.assembler.reset();
      this.closing = this.connection.close().catch((err: unknown) => {
        this.options.logger.debug({ code: asTokenBridgeError(err).code }, 'close failed');
      });
    }
    return this.closing;
  }

  private onInput(report: Uint8Array): void {
    const now = this.options.clock.now();
    const ignoredBefore = this.assembler.stats.ignoredReports;
    for (const event of this.assembler.feed(report, now)) {
      if (event.type === 'otp') this.handlers?.otp(event.otp);
    }
    if (this.assembler.stats.ignoredReports !== ignoredBefore && this.countGarbage(now)) return;
    this.scheduleExpiry();
  }

  /** True when the flood limit was crossed and the session ended. */
  private countGarbage(now: number): boolean {
    const since = now - this.options.garbageWindowMs;
    this.garbage = this.garbage.filter((t) => t > since);
    this.garbage.push(now);
    if (this.garbage.length <= this.options.garbageLimit) return false;
    this.end(
      new ProtocolError(
        ErrorCode.PROTOCOL_BAD_REPORT,
        `more than ${this.options.garbageLimit} invalid keyboard reports within ${this.options.garbageWindowMs} ms`,
      ),
    );
    return true;
  }

  /** One timer per device, only while keystrokes wait for their Enter. */
  private scheduleExpiry(): void {
    const at = this.assembler.expiresAt();
    this.expiryTimer?.clear();
    this.expiryTimer = undefined;
    if (at === undefined || this.closed) return;
    const { clock } = this.options;
    this.expiryTimer = clock.setTimeout(
      () => {
        this.expiryTimer = undefined;
        this.assembler.expire(clock.now());
        this.scheduleExpiry();
      },
      Math.max(0, at - clock.now()),
    );
  }

  private end(err: TokenBridgeError): void {
    const handlers = this.handlers;
    if (!handlers) return;
    void this.close();
    handlers.ended(err);
  }
}
