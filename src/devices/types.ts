import type { Clock, Driver, Logger } from '../core';
import type { HotpDigits, OtpProtocolTimings } from '../yubikey';

/** One token interface the manager has opened and identified. Also the attached/detached payload. */
export interface DeviceEvent {
  /** Stable hash of the physical location when the driver knows it, else of driver and path. */
  readonly id: string;
  readonly driver: string;
  readonly model: string;
  readonly vendorId: number;
  readonly productId: number;
  /** Undefined when the key keeps its serial hidden. */
  readonly serial?: number;
  /** 'major.minor.build' from the status report. */
  readonly firmware?: string;
  readonly access: 'shared' | 'exclusive';
  readonly interfaceNumber: number;
  /** Clock milliseconds. */
  readonly time: number;
}

export type AttachedDevice = DeviceEvent;

export interface OtpEvent {
  readonly deviceId: string;
  readonly driver: string;
  readonly serial?: number;
  readonly format: 'yubico' | 'oath-hotp';
  /**
   * What the engine verifies: the whole Yubico OTP (public id and token, lower case), or the
   * OATH-HOTP digits without the token id. Listeners get it in full; logs only ever see redactOtp.
   */
  readonly otp: string;
  readonly publicId?: string;
  readonly tokenId?: string;
  readonly time: number;
}

export interface DeviceErrorEvent {
  readonly deviceId?: string;
  readonly driver: string;
  readonly code: string;
  readonly message: string;
  readonly time: number;
}

export interface DeviceManagerEvents {
  attached: (event: DeviceEvent) => void;
  detached: (event: DeviceEvent) => void;
  otp: (event: OtpEvent) => void;
  error: (event: DeviceErrorEvent) => void;
}

export interface DriverStatus {
  readonly name: string;
  readonly available: boolean;
  /** Why not, and how to fix it, for an unavailable driver. */
  readonly reason?: string;
  readonly fix?: string;
  /** Hotplug by driver events ('events') or by enumerating every pollIntervalMs ('polling'). */
  readonly hotplug?: 'events' | 'polling';
}

export interface SessionOptions {
  /** Budgets of one feature-report exchange (see src/yubikey timing.ts). */
  readonly timings?: Partial<OtpProtocolTimings>;
  /** Serial reads tried while a composite key may be in reclaim right after plug-in. */
  readonly reclaimAttempts?: number;
  readonly reclaimIntervalMs?: number;
}

export interface DeviceManagerOptions {
  readonly drivers: readonly Driver[];
  readonly logger: Logger;
  /** Stamps events and times every wait: retries, polls, debounces, OTP expiry, protocol polls. */
  readonly clock?: Clock;
  /** Enumeration interval for drivers without hotplug events (`drivers.pollIntervalMs`). */
  readonly pollIntervalMs: number;
  /** Quiet time after a hotplug event before re-enumerating (default 200 ms). */
  readonly debounceMs?: number;
  /** Prefer interfaces that capture keystrokes (usb exclusive) when a key is seen twice (`drivers.exclusive`). */
  readonly exclusive: boolean;
  /** Keystrokes with no Enter this long after the last key are dropped (default 1000 ms). */
  readonly otpTimeoutMs?: number;
  /** The HOTP digit count the tokens type, when known; codes of the other length are ignored. */
  readonly hotpDigits?: HotpDigits;
  /** Opens that fail are retried this many times (default 3), after delayMs, doubling (default 500). */
  readonly retry?: { readonly attempts?: number; readonly delayMs?: number };
  /** More than `limit` garbage input reports within `windowMs` closes the device (default 50 / 1000). */
  readonly garbage?: { readonly limit?: number; readonly windowMs?: number };
  readonly session?: SessionOptions;
}

export const DEFAULT_DEBOUNCE_MS = 200;
export const DEFAULT_RETRY_ATTEMPTS = 3;
export const DEFAULT_RETRY_DELAY_MS = 500;
export const DEFAULT_GARBAGE_LIMIT = 50;
export const DEFAULT_GARBAGE_WINDOW_MS = 1000;
