/**
 * The part of the `usb` package's surface (usb 3.x: WebUSB API over nusb, see
 * node_modules/usb/index.d.ts and dist/index.d.ts) this driver uses. usb 3 dropped the legacy 2.x
 * API (getDeviceList, Device.interface(n).claim, startPoll, controlTransfer(bmRequestType, ...),
 * unrefHotplugEvents): control transfers take WebUSB setup objects and need a claimed interface,
 * input is read with transferIn, hotplug is addEventListener('connect'|'disconnect').
 */
export type UsbRequestType = 'standard' | 'class' | 'vendor';
export type UsbRecipient = 'device' | 'interface' | 'endpoint' | 'other';
export type UsbTransferStatus = 'ok' | 'stall' | 'babble';

export interface UsbControlTransferParameters {
  requestType: UsbRequestType;
  recipient: UsbRecipient;
  request: number;
  value: number;
  index: number;
}

export interface UsbInTransferResult {
  data?: DataView | undefined;
  status: UsbTransferStatus;
}

export interface UsbOutTransferResult {
  bytesWritten: number;
  status: UsbTransferStatus;
}

export interface UsbEndpointDescriptor {
  endpointNumber: number;
  direction: 'in' | 'out';
  type: string;
  packetSize: number;
}

export interface UsbInterfaceDescriptor {
  interfaceNumber: number;
  alternate: {
    interfaceClass: number;
    interfaceSubclass: number;
    interfaceProtocol: number;
    endpoints: UsbEndpointDescriptor[];
  };
}

export interface UsbDeviceHandle {
  readonly vendorId: number;
  readonly productId: number;
  /** Bus id: "001" on Linux (nusb formats busnum with three digits); platform-specific elsewhere. */
  readonly bus: string;
  readonly ports: number[];
  readonly opened: boolean;
  /** Reading it opens the device if needed: only read it after open(). */
  readonly configuration: { interfaces: UsbInterfaceDescriptor[] } | undefined | null;
  open(): Promise<void>;
  close(): Promise<void>;
  claimInterface(interfaceNumber: number): Promise<void>;
  releaseInterface(interfaceNumber: number): Promise<void>;
  /** Linux only; rejects when no kernel driver is bound or elsewhere. */
  detachKernelDriver(interfaceNumber: number): Promise<void>;
  attachKernelDriver(interfaceNumber: number): Promise<void>;
  controlTransferIn(
    setup: UsbControlTransferParameters,
    length: number,
    timeout?: number,
  ): Promise<UsbInTransferResult>;
  controlTransferOut(
    setup: UsbControlTransferParameters,
    data: Uint8Array,
    timeout?: number,
  ): Promise<UsbOutTransferResult>;
  transferIn(
    endpointNumber: number,
    length: number,
    timeout?: number,
  ): Promise<UsbInTransferResult>;
}

export interface UsbConnectionEvent {
  readonly device: UsbDeviceHandle;
}

export type UsbEventListener = (event: UsbConnectionEvent) => void;

export interface UsbModule {
  usb: {
    getDevices(): Promise<UsbDeviceHandle[]>;
    addEventListener(type: 'connect' | 'disconnect', listener: UsbEventListener): void;
    removeEventListener(type: 'connect' | 'disconnect', listener: UsbEventListener): void;
  };
}

export type UsbLoader = () => UsbModule;

export const loadUsb: UsbLoader = () => {
  // Required lazily: `usb` is optional and its native part may be missing for this platform.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('usb') as UsbModule;
};
