/**
 * The part of node-hid 3's module surface this driver uses (see node_modules/node-hid/nodehid.d.ts).
 * Declared here so the driver never needs node-hid's types at compile time (it is an optional
 * dependency) and so tests can hand in a fake of exactly this surface.
 */
export interface NodeHidDeviceInfo {
  vendorId: number;
  productId: number;
  path?: string | undefined;
  serialNumber?: string | undefined;
  manufacturer?: string | undefined;
  product?: string | undefined;
  release: number;
  interface: number;
  usagePage?: number | undefined;
  usage?: number | undefined;
}

export interface NodeHidAsyncDevice {
  /** hidapi wants the report ID first: 0x00 for a device without numbered reports. */
  sendFeatureReport(data: number[] | Buffer): Promise<number>;
  /** Resolves with what hidapi read; on Linux that includes the leading report ID. */
  getFeatureReport(reportId: number, reportLength: number): Promise<Buffer>;
  on(event: 'data', listener: (data: Buffer) => void): unknown;
  on(event: 'error', listener: (err: unknown) => void): unknown;
  removeAllListeners(event?: string): unknown;
  close(): Promise<void>;
}

export interface NodeHidModule {
  devicesAsync(): Promise<NodeHidDeviceInfo[]>;
  HIDAsync: {
    open(path: string, options?: { nonExclusive?: boolean }): Promise<NodeHidAsyncDevice>;
  };
  /** Loads the native binding; a probe that fails the way enumeration would. */
  getHidapiVersion?(): string;
}

/** Returns the node-hid module or throws why it cannot be loaded. */
export type NodeHidLoader = () => NodeHidModule;

export const loadNodeHid: NodeHidLoader = () => {
  // Required lazily: node-hid is optional and its native binding may be missing (no libusb, no
  // prebuilt for this platform). Failing here is reported by availability(), never at import time.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('node-hid') as NodeHidModule;
};
