import type { ResolvedConfig } from '../../config';
import type { DriverAvailabilityReport } from '../../../drivers';

export type CheckStatus = 'ok' | 'warn' | 'fail';

/** One finding: what was looked at, how it stands, and the command or step that fixes it. */
export interface CheckResult {
  /** Stable id for scripts, e.g. `hidraw:hidraw3`, `udev-rule`, `port`. */
  readonly id: string;
  readonly title: string;
  readonly status: CheckStatus;
  readonly detail: string;
  readonly fix?: string;
}

/** Whose access the permission checks judge. */
export interface Identity {
  readonly uid: number;
  readonly gids: readonly number[];
}

export interface DoctorOptions {
  readonly config: ResolvedConfig;
  /** Where /sys, /dev, /etc, /usr/lib and /lib are found; '/' on a live machine, a temp dir in tests. */
  readonly root?: string;
  /**
   * Judge permissions for this user instead of the running process. Given: mode bits only. Absent:
   * mode bits, then access(2) for the ACLs udev's uaccess tag adds.
   */
  readonly identity?: Identity;
  /** The udev rule this version ships, to compare with the installed one. */
  readonly shippedRule?: string;
  /** Availability of the native drivers (node-hid, usb); default: load them as `serve` would. */
  readonly driverReports?: () => Promise<DriverAvailabilityReport[]>;
  /** Longest wait for whatever holds a busy port to answer /healthz. */
  readonly probeTimeoutMs?: number;
  /** Open the registry and check it (default true; the machine-only tests turn it off). */
  readonly registry?: boolean;
  /** The environment the daemon sees ($CREDENTIALS_DIRECTORY). */
  readonly env?: NodeJS.ProcessEnv;
}

export interface DoctorReport {
  /** True when no check failed (warnings allowed). */
  readonly ok: boolean;
  readonly checks: readonly CheckResult[];
}
