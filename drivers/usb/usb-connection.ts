import {
  type DeviceInfo,
  DeviceError,
  ErrorCode,
  type HidConnection,
  type HidConnectionEvents,
  type Logger,
  ProtocolError,
  REPORT_SIZE,
} from '../../src/core';
import { ConnectionEnd } from '../hid/connection-end';
import { ConnectionEvents } from '../hid/connection-events';
import { toDeviceError } from '../hid/errors';
import { checkReportSize } from '../hid/report-id';
import {
  CONTROL_TIMEOUT_MS,
  FEATURE_REPORT_LENGTH,
  GET_FEATURE_REPORT,
  OTP_INTERFACE_INDEX,
  SET_FEATURE_REPORT,
  toWebUsbSetup,
} from './hid-class-requests';
import type { UsbDeviceHandle, UsbInTransferResult } from './usb-surface';

/** nusb cancels a blocking transfer at its timeout and reports "Cancelled": no key was pressed. */
const TRANSFER_TIMED_OUT = /cancel/i;

export interface UsbConnectionOptions {
  /** Interrupt IN endpoint number of the keyboard interface. */
  inEndpoint: number;
  /** Whether we detached the kernel driver, and so must re-attach it. */
  kernelDriverDetached: boolean;
  /** How long each interrupt IN transfer waits; close() waits at most this long for the last one. */
  pollTimeoutMs: number;
  onClosed: (connection: UsbConnection) => void;
}

/**
 * The OTP interface claimed through libusb-style access (usb 3.x): feature reports as HID class
 * control transfers, keystrokes read from the interrupt endpoint so they never reach the focused
 * application. close() releases the interface and gives it back to the kernel's keyboard driver.
 */
export class UsbConnection implements HidConnection {
  readonly info: DeviceInfo;
  private readonly events: ConnectionEvents;
  private readonly end: ConnectionEnd;
  private readonly getSetup = toWebUsbSetup(GET_FEATURE_REPORT);
  private readonly setSetup = toWebUsbSetup(SET_FEATURE_REPORT);
  private stopping = false;
  private polling: Promise<void> = Promise.resolve();
  private closing: Promise<void> | undefined;

  constructor(
    info: DeviceInfo,
    private readonly device: UsbDeviceHandle,
    private readonly log: Logger,
    private readonly options: UsbConnectionOptions,
  ) {
    this.info = info;
    this.events = new ConnectionEvents(log);
    this.end = new ConnectionEnd(this, this.events, log, info.driver);
  }

  get closed(): boolean {
    return this.closing !== undefined;
  }

  /** Starts reading keystrokes; called once the interface is claimed. */
  start(): void {
    this.polling = this.pollInput();
  }

  async sendFeatureReport(report: Uint8Array): Promise<void> {
    checkReportSize(report);
    this.end.checkOpen();
    let result;
    try {
      result = await this.device.controlTransferOut(this.setSetup, report, CONTROL_TIMEOUT_MS);
    } catch (err) {
      throw this.end.failed(err, 'SET_REPORT (feature)');
    }
    if (result.status !== 'ok' || result.bytesWritten !== REPORT_SIZE) {
      throw new DeviceError(
        ErrorCode.DEVICE_IO,
        `SET_REPORT (feature): status ${result.status}, ${result.bytesWritten} of ${REPORT_SIZE} bytes written`,
      );
    }
  }

  async getFeatureReport(): Promise<Uint8Array> {
    this.end.checkOpen();
    let result: UsbInTransferResult;
    try {
      result = await this.device.controlTransferIn(
        this.getSetup,
        FEATURE_REPORT_LENGTH,
        CONTROL_TIMEOUT_MS,
      );
    } catch (err) {
      throw this.end.failed(err, 'GET_REPORT (feature)');
    }
    if (result.status !== 'ok') {
      throw new DeviceError(ErrorCode.DEVICE_IO, `GET_REPORT (feature): status ${result.status}`);
    }
    const bytes = viewBytes(result);
    if (bytes.length !== REPORT_SIZE) {
      throw new ProtocolError(
        ErrorCode.PROTOCOL_BAD_REPORT,
        `GET_REPORT (feature): expected ${REPORT_SIZE} bytes, got ${bytes.length}`,
      );
    }
    return bytes;
  }

  on<E extends keyof HidConnectionEvents>(event: E, listener: HidConnectionEvents[E]): () => void {
    return this.events.on(event, listener);
  }

  close(): Promise<void> {
    if (!this.closing) {
      this.stopping = true;
      this.closing = this.release().then(() => {
        this.options.onClosed(this);
        this.log.debug('closed');
        this.events.emit('close');
        this.events.clear();
      });
    }
    return this.closing;
  }

  /**
   * At process exit: stop reading and start giving the interface back, without waiting. usb 3.x has
   * only asynchronous calls, so this completes only if the event loop still turns (an 'exit' emitted
   * by hand, a slow teardown); after process.exit() the key may stay detached until replugged. The
   * daemon should close its drivers on SIGINT/SIGTERM, which is the real guarantee.
   */
  releaseAtExit(): void {
    if (this.closed) return;
    this.stopping = true;
    const ignore = () => undefined;
    // The in-flight interrupt transfer holds the claim: re-attaching before it ends fails (EBUSY).
    void this.polling
      .then(() => this.device.releaseInterface(OTP_INTERFACE_INDEX))
      .catch(ignore)
      .then(() =>
        this.options.kernelDriverDetached
          ? this.device.attachKernelDriver(OTP_INTERFACE_INDEX)
          : undefined,
      )
      .catch(ignore);
  }

  private async release(): Promise<void> {
    // The in-flight interrupt transfer holds the interface; it ends within pollTimeoutMs.
    await this.polling;
    await this.step('release the interface', () =>
      this.device.releaseInterface(OTP_INTERFACE_INDEX),
    );
    if (this.options.kernelDriverDetached) {
      await this.step('re-attach the kernel driver', () =>
        this.device.attachKernelDriver(OTP_INTERFACE_INDEX),
      );
    }
    await this.step('close the device', () => this.device.close());
  }

  private async step(what: string, action: () => Promise<void>): Promise<void> {
    try {
      await action();
    } catch (err) {
      // Expected when the key is gone; anything else is worth a look but must not stop the close.
      this.log.debug({ err: String(err) }, `could not ${what}`);
    }
  }

  private async pollInput(): Promise<void> {
    while (!this.stopping) {
      let result: UsbInTransferResult;
      try {
        result = await this.device.transferIn(
          this.options.inEndpoint,
          REPORT_SIZE,
          this.options.pollTimeoutMs,
        );
      } catch (err) {
        if (this.stopping) return;
        if (TRANSFER_TIMED_OUT.test(String(err))) continue;
        this.end.fail(toDeviceError(err, 'reading the keyboard endpoint'));
        return;
      }
      if (this.stopping) return;
      const bytes = viewBytes(result);
      if (result.status !== 'ok' || bytes.length !== REPORT_SIZE) {
        this.log.trace(
          { status: result.status, length: bytes.length },
          'ignored an input transfer of unexpected size or status',
        );
        continue;
      }
      this.events.emit('input', bytes);
    }
  }
}

function viewBytes(result: UsbInTransferResult): Uint8Array {
  const view = result.data;
  if (!view) return new Uint8Array(0);
  return new Uint8Array(view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength));
}
