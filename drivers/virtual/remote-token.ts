import {
  DeviceError,
  ErrorCode,
  fromHex,
  type Logger,
  REPORT_SIZE,
  toHex,
  ValidationError,
} from '../../src/core';
import type { DaemonMessage, DeviceIdentity, EmulatorMessage } from './bus-protocol';
import { gone, Listeners, type VirtualDevice } from './device';

/** How long the daemon waits for an emulator to answer one feature report. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 3000;

interface Pending {
  readonly resolve: (report: Uint8Array | undefined) => void;
  readonly reject: (err: Error) => void;
  readonly timer: NodeJS.Timeout;
}

/**
 * The daemon's stand-in for a token that runs in an emulator process: feature reports become bus
 * requests, the emulator's input reports and plug events come back through handle().
 */
export class RemoteToken implements VirtualDevice {
  readonly id: string;
  readonly vendorId: number;
  readonly productId: number;
  readonly model: string;
  private isPlugged: boolean;
  /** The host has the token open and listens (the virtual driver says so; see the bus server). */
  private hostListening = false;
  /** An input report arrived that no listening host heard, since the last sync. */
  private unheard = false;
  /** Plug messages handled, echoed in `listening` so the emulator can tell a stale one. */
  private plugs = 0;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly inputListeners = new Listeners<Uint8Array>();
  private readonly plugListeners = new Listeners<boolean>();

  constructor(
    identity: DeviceIdentity,
    plugged: boolean,
    private readonly send: (message: DaemonMessage) => void,
    private readonly log: Logger,
    private readonly requestTimeoutMs = DEFAULT_REQUEST_TIMEOUT_MS,
  ) {
    this.id = identity.id;
    this.vendorId = identity.vendorId;
    this.productId = identity.productId;
    this.model = identity.model;
    this.isPlugged = plugged;
  }

  get plugged(): boolean {
    return this.isPlugged;
  }

  async setFeatureReport(report: Uint8Array): Promise<void> {
    if (!(report instanceof Uint8Array) || report.length !== REPORT_SIZE) {
      throw new ValidationError(`feature report: expected ${REPORT_SIZE} bytes`);
    }
    await this.request((id) => ({ type: 'set-feature', id, report: toHex(report) }));
  }

  async getFeatureReport(): Promise<Uint8Array> {
    const report = await this.request((id) => ({ type: 'get-feature', id }));
    if (!report) throw new DeviceError(ErrorCode.DEVICE_IO, `${this.id}: emulator sent no report`);
    return report;
  }

  onInputReport(listener: (report: Uint8Array) => void): () => void {
    return this.inputListeners.add(listener);
  }

  onPlugChange(listener: (plugged: boolean) => void): () => void {
    return this.plugListeners.add(listener);
  }

  /** One validated message from the emulator (everything after its hello). */
  handle(message: EmulatorMessage): void {
    switch (message.type) {
      case 'response':
        this.settle(message.id, (p) =>
          p.resolve(message.report ? fromHex(message.report) : undefined),
        );
        break;
      case 'failure':
        this.settle(message.id, (p) => p.reject(remoteError(this.id, message.error)));
        break;
      case 'input':
        if (!this.isPlugged || !this.hostListening) this.unheard = true;
        if (this.isPlugged) this.inputListeners.emit(fromHex(message.report), this.warn);
        break;
      case 'plug':
        this.plugs += 1;
        this.setPlugged(message.plugged);
        break;
      case 'sync':
        // Lines are handled in order: every report the emulator sent before this one is through.
        this.send({ type: 'synced', id: message.id, heard: !this.unheard });
        this.unheard = false;
        break;
      case 'hello':
        throw new ValidationError('bus message: hello sent twice');
    }
  }

  /** Whether a host hears this token's keystrokes now; the emulator is told as it changes. */
  setHostListening(listening: boolean): void {
    if (listening === this.hostListening) return;
    this.hostListening = listening;
    this.send({ type: 'listening', listening, plugs: this.plugs });
  }

  /** The emulator went away: unplugged for good, every pending request settles. */
  disconnect(): void {
    this.setPlugged(false);
  }

  private setPlugged(plugged: boolean): void {
    if (plugged === this.isPlugged) return;
    this.isPlugged = plugged;
    if (!plugged) {
      const err = gone(this.id);
      for (const [id, pending] of this.pending) {
        clearTimeout(pending.timer);
        this.pending.delete(id);
        pending.reject(err);
      }
    }
    this.plugListeners.emit(plugged, this.warn);
  }

  private request(build: (id: number) => DaemonMessage): Promise<Uint8Array | undefined> {
    if (!this.isPlugged) return Promise.reject(gone(this.id));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(
          new DeviceError(
            ErrorCode.DEVICE_IO,
            `${this.id}: emulator did not answer within ${this.requestTimeoutMs} ms`,
          ),
        );
      }, this.requestTimeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      this.send(build(id));
    });
  }

  private settle(id: number, action: (pending: Pending) => void): void {
    const pending = this.pending.get(id);
    if (!pending) return; // timed out already, or an id we never sent
    this.pending.delete(id);
    clearTimeout(pending.timer);
    action(pending);
  }

  private readonly warn = (err: unknown): void => {
    this.log.warn({ err: String(err) }, 'a listener threw');
  };
}

/** Errors the emulator's token reported keep their meaning; anything else is an I/O error. */
function remoteError(id: string, error: { code: string; message: string }): Error {
  const message = `${id}: ${error.message}`;
  if (error.code === ErrorCode.INVALID_INPUT) return new ValidationError(message);
  const known: readonly string[] = [
    ErrorCode.DEVICE_GONE,
    ErrorCode.DEVICE_BUSY,
    ErrorCode.DEVICE_IO,
    ErrorCode.DEVICE_CLOSED,
  ];
  const code = known.includes(error.code) ? (error.code as ErrorCode) : ErrorCode.DEVICE_IO;
  return new DeviceError(code, message);
}
