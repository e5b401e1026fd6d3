import { EventEmitter } from 'node:events';
import { TokenBridgeError, ErrorCode } from '../../src/core';
import type {
  NodeHidAsyncDevice,
  NodeHidDeviceInfo,
  NodeHidModule,
} from '../../drivers/hid/node-hid-surface';
import type { VirtualToken } from '../../drivers/virtual';

/**
 * A fake of node-hid 3's module surface (devicesAsync, HIDAsync.open) backed by real VirtualTokens.
 * It behaves like node-hid over Linux hidraw, not like our driver: feature reports carry the report-ID
 * byte (0x00 expected on send, 9 bytes returned on get), a closed handle throws "device has been
 * closed", an unplug errors the read thread, and a second close() rejects.
 */
export interface FakeHidAttachOptions {
  path?: string;
  /** What the backend reports; undefined mimics old hidraw backends (no usage page). */
  usagePage?: number | undefined;
  usage?: number | undefined;
  interface?: number;
  serialNumber?: string;
  /** Also list a FIDO collection (usage page 0xF1D0) on interface 1, as OTP+FIDO keys have. */
  withFido?: boolean;
}

/** 'linux': hidraw returns the report ID first (9 bytes). 'bare': a backend returning 8 data bytes. */
export type ReportIdStyle = 'linux' | 'bare';

const FIDO_USAGE_PAGE = 0xf1d0; // FIDO alliance usage page
const FIDO_USAGE = 0x01; // U2F authenticator device
const EPIPE = 'Broken pipe'; // what hidraw reports when the device STALLs a request
const ENODEV = 'No such device'; // what hidraw reports once the device is gone

interface Entry {
  info: NodeHidDeviceInfo;
  token: VirtualToken | undefined; // undefined for interfaces we must not open (FIDO)
}

let nextHidraw = 0;

export class FakeNodeHid implements NodeHidModule {
  private readonly entries: Entry[] = [];
  readonly opened: FakeHidAsyncDevice[] = [];
  /** Options each open() was called with, in order. */
  readonly openOptions: Array<{ path: string; options: { nonExclusive?: boolean } | undefined }> =
    [];
  reportIdStyle: ReportIdStyle = 'linux';

  readonly HIDAsync = {
    open: async (
      path: string,
      options?: { nonExclusive?: boolean },
    ): Promise<NodeHidAsyncDevice> => {
      this.openOptions.push({ path, options });
      const entry = this.entries.find((e) => e.info.path === path);
      if (!entry || !entry.token || !entry.token.plugged) {
        throw new Error(`cannot open device with path ${path}`);
      }
      const device = new FakeHidAsyncDevice(entry.token, this);
      this.opened.push(device);
      return device;
    },
  };

  attach(token: VirtualToken, options: FakeHidAttachOptions = {}): string {
    const path = options.path ?? `/dev/hidraw${nextHidraw++}`;
    const base = {
      vendorId: token.vendorId,
      productId: token.productId,
      release: 0x0543,
      manufacturer: 'Yubico',
      product: 'YubiKey OTP+FIDO+CCID',
      ...(options.serialNumber ? { serialNumber: options.serialNumber } : {}),
    };
    this.entries.push({
      info: {
        ...base,
        path,
        interface: options.interface ?? 0,
        usagePage: 'usagePage' in options ? options.usagePage : 0x01,
        usage: 'usage' in options ? options.usage : 0x06,
      },
      token,
    });
    if (options.withFido) {
      this.entries.push({
        info: {
          ...base,
          path: `/dev/hidraw${nextHidraw++}`,
          interface: 1,
          usagePage: FIDO_USAGE_PAGE,
          usage: FIDO_USAGE,
        },
        token: undefined,
      });
    }
    return path;
  }

  /** Adds a non-token HID device (a mouse, another vendor) to the listing. */
  attachOther(info: NodeHidDeviceInfo): void {
    this.entries.push({ info, token: undefined });
  }

  async devicesAsync(): Promise<NodeHidDeviceInfo[]> {
    return this.entries.filter((e) => !e.token || e.token.plugged).map((e) => ({ ...e.info }));
  }

  getHidapiVersion(): string {
    return '0.15.0-fake';
  }

  /** Handles opened and not yet closed. */
  openHandles(): number {
    return this.opened.filter((d) => !d.isClosed).length;
  }
}

export class FakeHidAsyncDevice extends EventEmitter implements NodeHidAsyncDevice {
  isClosed = false;
  private reading = false;
  private readonly unsubscribe: Array<() => void> = [];

  constructor(
    private readonly token: VirtualToken,
    private readonly owner: FakeNodeHid,
  ) {
    super();
    // node-hid starts its read thread when the first 'data' listener is added.
    this.on('newListener', (event: string) => {
      if (event === 'data' && !this.reading) process.nextTick(() => this.startReading());
    });
  }

  async sendFeatureReport(data: number[] | Buffer): Promise<number> {
    this.assertOpen();
    const bytes = Uint8Array.from(data);
    // No numbered reports: hidraw sends report 0 and strips the leading 0x00. Anything else reaches
    // the device as a request it does not know (wrong ID or length), which it STALLs.
    if (bytes[0] !== 0x00 || bytes.length !== 9) {
      throw new Error(`could not send feature report to device: ioctl (SFEATURE): ${EPIPE}`);
    }
    try {
      await this.token.setFeatureReport(bytes.slice(1));
    } catch (err) {
      throw new Error(`could not send feature report to device: ioctl (SFEATURE): ${errno(err)}`, {
        cause: err,
      });
    }
    return bytes.length;
  }

  async getFeatureReport(reportId: number, reportLength: number): Promise<Buffer> {
    this.assertOpen();
    if (reportLength <= 0)
      throw new TypeError('Length parameter cannot be zero in getFeatureReport');
    if (reportId !== 0) {
      throw new Error(`could not get feature report from device: ioctl (GFEATURE): ${EPIPE}`);
    }
    let report: Uint8Array;
    try {
      report = await this.token.getFeatureReport();
    } catch (err) {
      throw new Error(`could not get feature report from device: ioctl (GFEATURE): ${errno(err)}`, {
        cause: err,
      });
    }
    if (this.owner.reportIdStyle === 'bare') return Buffer.from(report.slice(0, reportLength));
    // hidraw puts the report ID first and truncates to the buffer the caller gave.
    return Buffer.from([0x00, ...report]).subarray(0, reportLength);
  }

  async close(): Promise<void> {
    if (this.isClosed) throw new TypeError('device is already closed');
    this.isClosed = true;
    this.stopReading();
    this.removeAllListeners();
  }

  private startReading(): void {
    if (this.isClosed || this.reading || this.listenerCount('data') === 0) return;
    this.reading = true;
    this.unsubscribe.push(
      this.token.onInputReport((report) => {
        if (!this.isClosed) this.emit('data', Buffer.from(report));
      }),
      this.token.onPlugChange((plugged) => {
        if (plugged || this.isClosed) return;
        // hidapi's read thread sees POLLHUP, reports once and stops reading.
        this.stopReading();
        this.emit(
          'error',
          new Error(
            'could not read from HID device: hid_read_timeout: unexpected poll error (device disconnected)',
          ),
        );
      }),
    );
  }

  private stopReading(): void {
    this.reading = false;
    for (const off of this.unsubscribe.splice(0)) off();
  }

  private assertOpen(): void {
    if (this.isClosed) throw new TypeError('device has been closed');
  }
}

function errno(err: unknown): string {
  if (err instanceof TokenBridgeError && err.code === ErrorCode.DEVICE_GONE) return ENODEV;
  return EPIPE;
}
