import {
  type DeviceInfo,
  type HidConnection,
  type HidConnectionEvents,
  type Logger,
  REPORT_SIZE,
} from '../../src/core';
import { ConnectionEnd } from './connection-end';
import { ConnectionEvents } from './connection-events';
import { toDeviceError } from './errors';
import type { NodeHidAsyncDevice } from './node-hid-surface';
import {
  checkReportSize,
  HIDAPI_FEATURE_REPORT_LENGTH,
  NO_REPORT_ID,
  stripReportId,
  withReportId,
} from './report-id';

/**
 * One opened OTP interface over node-hid's HIDAsync. Input reports arrive only where the OS lets a
 * process read a keyboard (Linux hidraw; macOS with permission); feature reports work everywhere.
 */
export class NodeHidConnection implements HidConnection {
  readonly info: DeviceInfo;
  private readonly events: ConnectionEvents;
  private readonly end: ConnectionEnd;
  private closing: Promise<void> | undefined;

  constructor(
    info: DeviceInfo,
    private readonly device: NodeHidAsyncDevice,
    private readonly log: Logger,
    options: { readInput: boolean },
  ) {
    this.info = info;
    this.events = new ConnectionEvents(log);
    this.end = new ConnectionEnd(this, this.events, log, info.driver);
    device.on('error', (err) => this.end.fail(toDeviceError(err, 'reading input reports')));
    // Adding a 'data' listener starts node-hid's read thread; it is how we learn of an unplug too.
    if (options.readInput) device.on('data', (data) => this.onData(data));
  }

  get closed(): boolean {
    return this.closing !== undefined;
  }

  async sendFeatureReport(report: Uint8Array): Promise<void> {
    checkReportSize(report);
    this.end.checkOpen();
    try {
      await this.device.sendFeatureReport(withReportId(report));
    } catch (err) {
      throw this.end.failed(err, 'sending a feature report');
    }
  }

  async getFeatureReport(): Promise<Uint8Array> {
    this.end.checkOpen();
    let raw: Buffer;
    try {
      raw = await this.device.getFeatureReport(NO_REPORT_ID, HIDAPI_FEATURE_REPORT_LENGTH);
    } catch (err) {
      throw this.end.failed(err, 'reading a feature report');
    }
    return stripReportId(new Uint8Array(raw));
  }

  on<E extends keyof HidConnectionEvents>(event: E, listener: HidConnectionEvents[E]): () => void {
    return this.events.on(event, listener);
  }

  close(): Promise<void> {
    if (!this.closing) {
      this.closing = this.device
        .close()
        .catch((err: unknown) => this.log.debug({ err: String(err) }, 'close failed'))
        .then(() => {
          this.log.debug('closed');
          this.events.emit('close');
          this.events.clear();
        });
    }
    return this.closing;
  }

  private onData(data: Buffer): void {
    if (this.closed) return;
    if (data.length !== REPORT_SIZE) {
      this.log.trace({ length: data.length }, 'ignored an input report of unexpected length');
      return;
    }
    this.events.emit('input', new Uint8Array(data));
  }
}
