import { ErrorCode, TokenBridgeError } from '../../src/core';
import type {
  UsbConnectionEvent,
  UsbControlTransferParameters,
  UsbDeviceHandle,
  UsbEventListener,
  UsbInTransferResult,
  UsbInterfaceDescriptor,
  UsbModule,
  UsbOutTransferResult,
} from '../../drivers/usb/usb-surface';
import type { VirtualToken } from '../../drivers/virtual';

/**
 * A fake of the `usb` 3.x module surface (WebUSB over nusb) backed by real VirtualTokens. It follows
 * the library and the kernel, not our driver: the kernel's HID driver holds interface 0 until
 * detached (claims fail EBUSY), control transfers need a claimed interface, requests the device does
 * not know STALL, an in-flight interrupt transfer keeps the interface claimed until it times out
 * ("Cancelled"), and an unplug fails everything with "disconnected". Keystrokes go to the host
 * keyboard (recorded in keystrokesToHost) unless the interface is claimed and polled.
 */
const REQUEST_TYPE_BITS: Record<UsbControlTransferParameters['requestType'], number> = {
  standard: 0x00,
  class: 0x20,
  vendor: 0x40,
};
const RECIPIENT_BITS: Record<UsbControlTransferParameters['recipient'], number> = {
  device: 0x00,
  interface: 0x01,
  endpoint: 0x02,
  other: 0x03,
};
const DIRECTION_IN = 0x80;
// What the YubiKey's OTP interface answers (HID 1.11 class requests, report type feature, ID 0).
const GET_REPORT = { bmRequestType: 0xa1, bRequest: 0x01, wValue: 0x0300, wIndex: 0, length: 8 };
const SET_REPORT = { bmRequestType: 0x21, bRequest: 0x09, wValue: 0x0300, wIndex: 0, length: 8 };
const KEYBOARD_ENDPOINT = 1; // interrupt IN 0x81 of the OTP keyboard interface
const FIDO_PIDS = [0x0114, 0x0116, 0x0403, 0x0407, 0x0410]; // PIDs with a FIDO interface 1

const NO_DEVICE = 'No such device (os error 19)';
const BUSY = 'Device or resource busy (os error 16)';
const NO_DRIVER = 'No data available (os error 61)';

export interface FakeUsbAttachOptions {
  bus?: number;
  ports?: number[];
}

export class FakeUsb implements UsbModule {
  readonly usb: FakeWebUsb;
  /** Keyboard reports the kernel driver received: what would have been typed into the focused app. */
  readonly keystrokesToHost: Uint8Array[] = [];
  /** Mimic a machine without /sys/bus/usb: every enumeration fails like nusb does. */
  noBus = false;
  private nextAddress = 1;
  private nextPort = 1;

  constructor() {
    this.usb = new FakeWebUsb(this);
  }

  /** Plugs a token in; replugging it (token.plug()) makes a new device object, as the library does. */
  attach(token: VirtualToken, options: FakeUsbAttachOptions = {}): FakeUsbDevice {
    const bus = options.bus ?? 1;
    const ports = options.ports ?? [this.nextPort++];
    let current = this.plugIn(token, bus, ports);
    token.onPlugChange((plugged) => {
      if (plugged) current = this.plugIn(token, bus, ports);
      else this.unplug(current);
    });
    return current;
  }

  private plugIn(token: VirtualToken, bus: number, ports: number[]): FakeUsbDevice {
    const device = new FakeUsbDevice(token, this, bus, ports, this.nextAddress++);
    this.usb.present.add(device);
    this.usb.dispatch('connect', device);
    return device;
  }

  private unplug(device: FakeUsbDevice): void {
    if (!this.usb.present.delete(device)) return;
    device.disconnect();
    this.usb.dispatch('disconnect', device);
  }
}

export class FakeWebUsb {
  readonly present = new Set<FakeUsbDevice>();
  private readonly listeners = {
    connect: new Set<UsbEventListener>(),
    disconnect: new Set<UsbEventListener>(),
  };

  constructor(private readonly owner: FakeUsb) {}

  async getDevices(): Promise<UsbDeviceHandle[]> {
    if (this.owner.noBus)
      throw new Error('getDevices error: /sys/bus/usb/devices/ not found (errno 2)');
    return [...this.present];
  }

  addEventListener(type: 'connect' | 'disconnect', listener: UsbEventListener): void {
    this.listeners[type].add(listener);
  }

  removeEventListener(type: 'connect' | 'disconnect', listener: UsbEventListener): void {
    this.listeners[type].delete(listener);
  }

  listenerCount(): number {
    return this.listeners.connect.size + this.listeners.disconnect.size;
  }

  dispatch(type: 'connect' | 'disconnect', device: FakeUsbDevice): void {
    const event: UsbConnectionEvent = { device };
    for (const listener of [...this.listeners[type]]) listener(event);
  }
}

interface PendingTransfer {
  resolve: (result: UsbInTransferResult) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
  length: number;
}

export class FakeUsbDevice implements UsbDeviceHandle {
  readonly vendorId: number;
  readonly productId: number;
  readonly bus: string;
  readonly ports: number[];
  readonly address: number;
  /** Successful calls, in order: the detach/claim/release/attach sequence tests check. */
  readonly calls: string[] = [];
  kernelDriverBound = true;
  private isOpen = false;
  private gone = false;
  private readonly claimed = new Set<number>();
  private readonly queue: Uint8Array[] = [];
  private pending: PendingTransfer | undefined;
  private readonly offInput: () => void;

  constructor(
    private readonly token: VirtualToken,
    private readonly owner: FakeUsb,
    bus: number,
    ports: number[],
    address: number,
  ) {
    this.vendorId = token.vendorId;
    this.productId = token.productId;
    this.bus = String(bus).padStart(3, '0'); // nusb on Linux: "{busnum:03}"
    this.ports = ports;
    this.address = address;
    this.offInput = token.onInputReport((report) => this.onKeyboardReport(report));
  }

  get opened(): boolean {
    return this.isOpen;
  }

  get configuration(): { interfaces: UsbInterfaceDescriptor[] } {
    if (this.gone) throw new Error(`open error: ${NO_DEVICE}`);
    const interfaces: UsbInterfaceDescriptor[] = [
      {
        interfaceNumber: 0,
        // HID, boot subclass, keyboard protocol: the OTP keyboard.
        alternate: {
          interfaceClass: 3,
          interfaceSubclass: 1,
          interfaceProtocol: 1,
          endpoints: [
            {
              endpointNumber: KEYBOARD_ENDPOINT,
              direction: 'in',
              type: 'interrupt',
              packetSize: 8,
            },
          ],
        },
      },
    ];
    if (FIDO_PIDS.includes(this.productId)) {
      interfaces.push({
        interfaceNumber: 1,
        alternate: {
          interfaceClass: 3,
          interfaceSubclass: 0,
          interfaceProtocol: 0,
          endpoints: [
            { endpointNumber: 4, direction: 'out', type: 'interrupt', packetSize: 64 },
            { endpointNumber: 4, direction: 'in', type: 'interrupt', packetSize: 64 },
          ],
        },
      });
    }
    return { interfaces };
  }

  /** Claimed from the kernel's point of view: by us, or held by an in-flight transfer. */
  get interfaceHeld(): boolean {
    return this.claimed.has(0) || this.pending !== undefined;
  }

  async open(): Promise<void> {
    if (this.gone) throw new Error(`open error: ${NO_DEVICE}`);
    this.isOpen = true;
    this.calls.push('open');
  }

  async close(): Promise<void> {
    // Like usb 3.x, closing drops the device handle but not claimed interfaces.
    this.isOpen = false;
    this.calls.push('close');
  }

  async detachKernelDriver(n: number): Promise<void> {
    this.requireOpen('detachKernelDriver');
    if (this.gone) throw new Error(`detachKernelDriver error: ${NO_DEVICE}`);
    if (n !== 0 || !this.kernelDriverBound)
      throw new Error(`detachKernelDriver error: ${NO_DRIVER}`);
    this.kernelDriverBound = false;
    this.calls.push(`detachKernelDriver(${n})`);
  }

  async attachKernelDriver(n: number): Promise<void> {
    this.requireOpen('attachKernelDriver');
    if (this.gone) throw new Error(`attachKernelDriver error: ${NO_DEVICE}`);
    if (n === 0 && this.interfaceHeld) throw new Error(`attachKernelDriver error: ${BUSY}`);
    this.kernelDriverBound = true;
    this.calls.push(`attachKernelDriver(${n})`);
  }

  async claimInterface(n: number): Promise<void> {
    this.requireOpen('claimInterface');
    if (this.gone) throw new Error(`claimInterface error: ${NO_DEVICE}`);
    if (n === 0 && this.kernelDriverBound) throw new Error(`claimInterface error: ${BUSY}`);
    this.claimed.add(n);
    this.calls.push(`claimInterface(${n})`);
  }

  async releaseInterface(n: number): Promise<void> {
    this.requireOpen('releaseInterface');
    if (!this.claimed.delete(n)) throw new Error('releaseInterface error: not claimed');
    this.calls.push(`releaseInterface(${n})`);
  }

  async controlTransferIn(
    setup: UsbControlTransferParameters,
    length: number,
    timeout = 1000,
  ): Promise<UsbInTransferResult> {
    this.requireClaimed('controlTransferIn');
    const bm =
      DIRECTION_IN | REQUEST_TYPE_BITS[setup.requestType] | RECIPIENT_BITS[setup.recipient];
    if (
      bm !== GET_REPORT.bmRequestType ||
      setup.request !== GET_REPORT.bRequest ||
      setup.value !== GET_REPORT.wValue ||
      setup.index !== GET_REPORT.wIndex ||
      length !== GET_REPORT.length
    ) {
      throw new Error('controlTransferIn error: endpoint stalled');
    }
    const report = await this.withTimeout('controlTransferIn', timeout, () =>
      this.token.getFeatureReport(),
    );
    return { data: new DataView(report.slice().buffer), status: 'ok' };
  }

  async controlTransferOut(
    setup: UsbControlTransferParameters,
    data: Uint8Array,
    timeout = 1000,
  ): Promise<UsbOutTransferResult> {
    this.requireClaimed('controlTransferOut');
    const bm = REQUEST_TYPE_BITS[setup.requestType] | RECIPIENT_BITS[setup.recipient];
    if (
      bm !== SET_REPORT.bmRequestType ||
      setup.request !== SET_REPORT.bRequest ||
      setup.value !== SET_REPORT.wValue ||
      setup.index !== SET_REPORT.wIndex ||
      data.length !== SET_REPORT.length
    ) {
      throw new Error('controlTransferOut error: endpoint stalled');
    }
    await this.withTimeout('controlTransferOut', timeout, () =>
      this.token.setFeatureReport(Uint8Array.from(data)),
    );
    return { bytesWritten: data.length, status: 'ok' };
  }

  transferIn(endpointNumber: number, length: number, timeout = 1000): Promise<UsbInTransferResult> {
    if (!this.claimed.has(0) || endpointNumber !== KEYBOARD_ENDPOINT || this.pending) {
      // nusb: the endpoint is not on a claimed interface, or a transfer already owns it.
      return Promise.reject(new Error('transferIn error: endpoint not found'));
    }
    if (this.gone) return Promise.reject(new Error('transferIn error: Disconnected'));
    const queued = this.queue.shift();
    if (queued) return Promise.resolve(result(queued, length));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending = undefined;
        reject(new Error('transferIn error: Cancelled'));
      }, timeout);
      this.pending = { resolve, reject, timer, length };
    });
  }

  /** Called by FakeUsb when the token is unplugged. */
  disconnect(): void {
    this.gone = true;
    this.offInput();
    const pending = this.pending;
    this.pending = undefined;
    if (pending) {
      clearTimeout(pending.timer);
      pending.reject(new Error('transferIn error: Disconnected'));
    }
  }

  private onKeyboardReport(report: Uint8Array): void {
    if (this.claimed.has(0)) {
      const pending = this.pending;
      if (pending) {
        this.pending = undefined;
        clearTimeout(pending.timer);
        pending.resolve(result(report, pending.length));
      } else {
        this.queue.push(report.slice());
      }
    } else if (this.kernelDriverBound) {
      this.owner.keystrokesToHost.push(report.slice());
    }
  }

  private requireOpen(what: string): void {
    if (!this.isOpen) throw new Error(`${what} error: invalid state`);
  }

  private requireClaimed(what: string): void {
    if (this.claimed.size === 0) throw new Error(`${what} error: invalid state`);
    if (this.gone) throw new Error(`${what} error: device disconnected`);
  }

  private async withTimeout<T>(what: string, timeout: number, call: () => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} error: transfer was cancelled`)), timeout);
    });
    try {
      return await Promise.race([
        call().catch((err: unknown) => {
          const goneNow = err instanceof TokenBridgeError && err.code === ErrorCode.DEVICE_GONE;
          throw new Error(`${what} error: ${goneNow ? 'device disconnected' : 'endpoint stalled'}`);
        }),
        expired,
      ]);
    } finally {
      clearTimeout(timer);
    }
  }
}

function result(report: Uint8Array, length: number): UsbInTransferResult {
  return { data: new DataView(report.slice(0, length).buffer), status: 'ok' };
}
