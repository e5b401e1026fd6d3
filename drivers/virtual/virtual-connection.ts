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
 * 'close'); close() is idempotent and drops every subscription.
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
      case 'input':
        return this.input.add(listener as HidConnectionEvents['input']);
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
