import {
  type DeviceInfo,
  DeviceError,
  ErrorCode,
  type HidConnection,
  type HidConnectionEvents,
  type TokenBridgeError,
} from '../../src/core';
import { gone, Listeners, type VirtualDevice } from './device';

/**
 * A HidConnection to a virtual device: feature reports go straight to it, its keyboard reports come
 * back as 'input'. When the device is unplugged or detached the connection fails ('error', then
 * 'close'); close() is idempotent and drops every subscription. Whether anyone listens to its input
 * (the host has opened the device and hears its keystrokes) is reported to `onListening` as it
 * changes: that is the attach handshake (see VirtualDriver.listening).
 */
export class VirtualConnection implements HidConnection {
  private isClosed = false;
  private readonly input = new Listeners<Uint8Array>();
  private readonly errors = new Listeners<TokenBridgeError>();
  private readonly closes = new Listeners<void>();
  private readonly unsubscribe: Array<() => void>;

  constructor(
    readonly info: DeviceInfo,
    private readonly device: VirtualDevice,
    private readonly onClosed: (connection: VirtualConnection) => void,
    private readonly onListening: (connection: VirtualConnection) => void = () => undefined,
  ) {
    this.unsubscribe = [
      device.onInputReport((report) => this.input.emit(report)),
      device.onPlugChange((plugged) => {
        if (!plugged) this.fail(gone(device.id));
      }),
    ];
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** Open, with at least one 'input' listener: keystrokes typed now are heard. */
  get listening(): boolean {
    return !this.isClosed && this.input.size > 0;
  }

  async sendFeatureReport(report: Uint8Array): Promise<void> {
    this.assertOpen();
    await this.device.setFeatureReport(report);
  }

  async getFeatureReport(): Promise<Uint8Array> {
    this.assertOpen();
    return this.device.getFeatureReport();
  }

  on<E extends keyof HidConnectionEvents>(event: E, listener: HidConnectionEvents[E]): () => void {
    switch (event) {
      case 'input': {
        const off = this.input.add(listener as HidConnectionEvents['input']);
        this.onListening(this);
        return () => {
          off();
          this.onListening(this);
        };
      }
      case 'error':
        return this.errors.add(listener as HidConnectionEvents['error']);
      default:
        return this.closes.add(listener as HidConnectionEvents['close']);
    }
  }

  async close(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    for (const off of this.unsubscribe) off();
    this.onClosed(this);
    this.closes.emit();
    this.input.clear();
    this.onListening(this);
    this.errors.clear();
    this.closes.clear();
  }

  /** The device went away: report it once, then close. */
  fail(err: TokenBridgeError): void {
    if (this.isClosed) return;
    this.errors.emit(err);
    void this.close();
  }

  private assertOpen(): void {
    if (this.isClosed) {
      throw new DeviceError(ErrorCode.DEVICE_CLOSED, `connection to ${this.device.id} is closed`);
    }
  }
}
