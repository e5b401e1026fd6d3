import { DeviceError, ErrorCode } from '../../src/core';

/**
 * The device side of the wire, as the virtual driver sees it: an in-process VirtualToken or a proxy for
 * a token running in an emulator process. Feature reports are exactly 8 bytes without a report id.
 */
export interface VirtualDevice {
  readonly id: string;
  readonly vendorId: number;
  readonly productId: number;
  readonly model: string;
  readonly plugged: boolean;
  setFeatureReport(report: Uint8Array): Promise<void>;
  getFeatureReport(): Promise<Uint8Array>;
  /** 8-byte boot-keyboard input reports; returns unsubscribe. */
  onInputReport(listener: (report: Uint8Array) => void): () => void;
  onPlugChange(listener: (plugged: boolean) => void): () => void;
}

/** A tiny listener set: one event, synchronous delivery, a throwing listener does not stop others. */
export class Listeners<T> {
  private readonly set = new Set<(value: T) => void>();

  add(listener: (value: T) => void): () => void {
    this.set.add(listener);
    return () => {
      this.set.delete(listener);
    };
  }

  emit(value: T, onError?: (err: unknown) => void): void {
    for (const listener of [...this.set]) {
      try {
        listener(value);
      } catch (err) {
        onError?.(err);
      }
    }
  }

  get size(): number {
    return this.set.size;
  }

  clear(): void {
    this.set.clear();
  }
}

/** The error every call on an unplugged or detached device settles with. */
export function gone(id: string): DeviceError {
  return new DeviceError(ErrorCode.DEVICE_GONE, `${id} was unplugged`);
}
