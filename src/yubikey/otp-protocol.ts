import {
  asTokenBridgeError,
  DeviceError,
  ErrorCode,
  FEATURE_DATA_SIZE,
  FEATURE_FLAGS_OFFSET,
  ProtocolError,
  SLOT_WRITE_FLAG,
  sleep,
  systemClock,
  toHex,
  TokenBridgeError,
  type Clock,
  type HidConnection,
  type Logger,
  type Timer,
} from '../core';
import { QUIET_LOGGER } from './quiet-logger';
import { buildFrame, frameReports, resetReport, verifyResponse } from './frame';
import {
  checkReport,
  decodeStatus,
  programmingSequenceAdvanced,
  reportFlags,
  type OtpStatus,
} from './status';
import { DEFAULT_OTP_TIMINGS, type OtpProtocolTimings } from './timing';

export interface OtpProtocolOptions {
  logger?: Logger;
  /** Times every poll, back-off and report timeout (the system clock by default). */
  clock?: Clock;
  timings?: Partial<OtpProtocolTimings>;
}

export interface ExchangeOptions {
  /**
   * Data bytes the command answers with. When given, the response CRC is checked and only the
   * data is returned; otherwise the raw response (data, CRC, zero padding) is returned unchecked.
   */
  dataLength?: number;
  /** Aborts the exchange (ProtocolError ABORTED); the key is still reset. */
  signal?: AbortSignal;
  /** Called when the key starts waiting for a touch, with the seconds it says are left. */
  onTouch?: (secondsLeft: number) => void;
  /** Called once the last chunk is out: from then on the key may have run the command. */
  onFrameSent?: () => void;
  /**
   * The payload carries a secret (a slot configuration): its chunks are traced by sequence only,
   * never as bytes, so a trace log never holds a seed.
   */
  secretPayload?: boolean;
}

/** A command answers with data, or (configuration writes) with a status whose sequence advanced. */
export type OtpResponse =
  | { readonly kind: 'data'; readonly data: Uint8Array }
  | { readonly kind: 'status'; readonly status: OtpStatus };

/**
 * Framing over a HidConnection's 8-byte feature reports (reference A2): frames out in chunks with
 * write-flag waits, responses in with sequence and CRC checks, touch waits, and a reset report at
 * the end of every exchange. One exchange at a time per connection.
 */
export class OtpProtocol {
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly timings: OtpProtocolTimings;
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    readonly connection: HidConnection,
    options: OtpProtocolOptions = {},
  ) {
    this.log = (options.logger ?? QUIET_LOGGER).child({ module: 'yubikey.otp-protocol' });
    this.clock = options.clock ?? systemClock;
    this.timings = { ...DEFAULT_OTP_TIMINGS, ...options.timings };
  }

  /** The status report, decoded. */
  readStatus(options: { signal?: AbortSignal } = {}): Promise<OtpStatus> {
    return this.exclusive(async () => decodeStatus(await this.receive(options.signal)));
  }

  /** Sends one command frame and reads its answer; always leaves the key out of read mode. */
  async sendAndReceive(
    command: number,
    payload?: Uint8Array,
    options: ExchangeOptions = {},
  ): Promise<OtpResponse> {
    const frame = buildFrame(command, payload); // a bad command or payload rejects, never reaches the key
    return this.exclusive(async () => {
      try {
        const before = await this.writeFrame(frame, options.signal, options.secretPayload);
        options.onFrameSent?.();
        const response = await this.readResponse(before, options);
        if (response.kind === 'data' && options.dataLength !== undefined) {
          return { kind: 'data', data: verifyResponse(response.data, options.dataLength) };
        }
        return response;
      } finally {
        await this.resetQuietly();
      }
    });
  }

  /** Returns the programming sequence read before the first chunk went out. */
  private async writeFrame(
    frame: Uint8Array,
    signal?: AbortSignal,
    secret = false,
  ): Promise<number> {
    let status = await this.receive(signal);
    if (reportFlags(status).kind === 'response') {
      // A response left over from an abandoned exchange: leave read mode, then read the status.
      await this.send(resetReport(), signal);
      status = await this.receive(signal);
    }
    const before = decodeStatus(status).programmingSequence;
    let ready: Uint8Array | undefined = status;
    for (const report of frameReports(frame)) {
      await this.awaitWritable(ready, signal);
      ready = undefined;
      await this.send(report, signal, secret);
    }
    return before;
  }

  /** Polls until the key has taken the previous chunk (write flag clear), backing off 1, 2, 4 ms... */
  private async awaitWritable(first: Uint8Array | undefined, signal?: AbortSignal): Promise<void> {
    const { writeTimeoutMs, writeBackoffMaxMs } = this.timings;
    let report = first ?? (await this.receive(signal));
    let delay = 1;
    let waited = 0;
    while ((report[FEATURE_FLAGS_OFFSET]! & SLOT_WRITE_FLAG) !== 0) {
      if (waited >= writeTimeoutMs) {
        throw new ProtocolError(
          ErrorCode.PROTOCOL_TIMEOUT,
          `the key did not accept the next chunk within ${writeTimeoutMs} ms (write flag still set)`,
        );
      }
      const step = Math.min(delay, writeBackoffMaxMs, writeTimeoutMs - waited);
      await this.pause(step, signal);
      waited += step;
      delay *= 2;
      report = await this.receive(signal);
    }
  }

  private async readResponse(before: number, options: ExchangeOptions): Promise<OtpResponse> {
    const { processingPollMs, processingTimeoutMs, touchPollMs, touchTimeoutMs } = this.timings;
    const chunks: Uint8Array[] = [];
    let touchWaited = 0;
    let processingWaited = 0;
    let waitingForTouch = false;
    for (;;) {
      const report = await this.receive(options.signal);
      const flags = reportFlags(report);
      switch (flags.kind) {
        case 'response':
          if (flags.seq === chunks.length) {
            chunks.push(report.slice(0, FEATURE_DATA_SIZE));
            continue;
          }
          if (flags.seq === 0) return { kind: 'data', data: concat(chunks) };
          throw new ProtocolError(
            ErrorCode.PROTOCOL_SEQUENCE,
            `response chunk out of order: expected sequence ${chunks.length}, got ${flags.seq}`,
          );
        case 'idle': {
          if (chunks.length > 0) {
            throw new ProtocolError(
              ErrorCode.PROTOCOL_SEQUENCE,
              `response ended after ${chunks.length} chunks without its closing report`,
            );
          }
          const status = decodeStatus(report);
          if (programmingSequenceAdvanced(before, status)) return { kind: 'status', status };
          if (waitingForTouch) {
            throw new ProtocolError(
              ErrorCode.PROTOCOL_TIMEOUT,
              'the key stopped waiting: it was not touched in time',
            );
          }
          throw new ProtocolError(
            ErrorCode.COMMAND_REJECTED,
            'the key rejected the command (no data)',
          );
        }
        case 'touch-wait':
          if (!waitingForTouch) {
            waitingForTouch = true;
            this.log.debug({ secondsLeft: flags.secondsLeft }, 'waiting for touch');
            options.onTouch?.(flags.secondsLeft);
          }
          if (touchWaited >= touchTimeoutMs) {
            throw new ProtocolError(
              ErrorCode.PROTOCOL_TIMEOUT,
              `no touch within ${touchTimeoutMs} ms`,
            );
          }
          await this.pause(touchPollMs, options.signal);
          touchWaited += touchPollMs;
          continue;
        default:
          if (processingWaited >= processingTimeoutMs) {
            throw new ProtocolError(
              ErrorCode.PROTOCOL_TIMEOUT,
              `the key stayed busy for ${processingTimeoutMs} ms without answering`,
            );
          }
          await this.pause(processingPollMs, options.signal);
          processingWaited += processingPollMs;
      }
    }
  }

  private async resetQuietly(): Promise<void> {
    if (this.connection.closed) return;
    try {
      await this.send(resetReport());
    } catch (err) {
      this.log.debug({ code: asTokenBridgeError(err).code }, 'reset report not delivered');
    }
  }

  private async receive(signal?: AbortSignal): Promise<Uint8Array> {
    throwIfAborted(signal);
    const report = checkReport(
      await this.withTimeout('GET_FEATURE', () => this.connection.getFeatureReport()),
    );
    this.log.trace({ report: toHex(report) }, 'feature report in');
    return report;
  }

  private async send(report: Uint8Array, signal?: AbortSignal, secret = false): Promise<void> {
    throwIfAborted(signal);
    if (secret)
      this.log.trace({ flags: report[FEATURE_FLAGS_OFFSET] }, 'feature report out (secret)');
    else this.log.trace({ report: toHex(report) }, 'feature report out');
    await this.withTimeout('SET_FEATURE', () => this.connection.sendFeatureReport(report));
  }

  private async pause(ms: number, signal?: AbortSignal): Promise<void> {
    throwIfAborted(signal);
    await sleep(this.clock, ms);
    throwIfAborted(signal);
  }

  private async withTimeout<T>(what: string, io: () => Promise<T>): Promise<T> {
    const ms = this.timings.reportTimeoutMs;
    let timer: Timer | undefined;
    const timeout = new Promise<never>((_, reject) => {
      // Kept alive: the call it guards may hold no handle of its own while it hangs.
      timer = this.clock.setTimeout(
        () =>
          reject(
            new ProtocolError(
              ErrorCode.PROTOCOL_TIMEOUT,
              `${what} did not complete within ${ms} ms`,
            ),
          ),
        ms,
        { keepAlive: true },
      );
    });
    try {
      return await Promise.race([io(), timeout]);
    } catch (err) {
      if (err instanceof TokenBridgeError) throw err;
      throw new DeviceError(ErrorCode.DEVICE_IO, `${what} failed: ${errorMessage(err)}`, {
        cause: err,
      });
    } finally {
      timer?.clear();
    }
  }

  private exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.tail.then(task, task);
    this.tail = run.catch(() => undefined);
    return run;
  }
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new ProtocolError(ErrorCode.ABORTED, 'exchange aborted by the caller');
}

function concat(chunks: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.length * FEATURE_DATA_SIZE);
  chunks.forEach((chunk, i) => out.set(chunk, i * FEATURE_DATA_SIZE));
  return out;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
