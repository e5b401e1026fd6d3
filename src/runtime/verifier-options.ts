import type { ResolvedConfig } from '../config';
import type { LockoutPolicy } from '../tokens';

/** The configured lockout, in the verifier's terms. */
export function lockoutOptions(config: ResolvedConfig): LockoutPolicy {
  return {
    maxFailures: config.lockout.maxFailures,
    baseLockMs: config.lockout.baseMs,
    maxLockMs: config.lockout.maxMs,
    growth: config.lockout.multiplier,
  };
}

/** The configured OTP windows, in the verifier's terms. */
export function engineOptions(config: ResolvedConfig): {
  hotp: { window: number };
  totp: { window: number };
  hotpResyncWindow: number;
  totpResyncSteps: number;
} {
  return {
    hotp: { window: config.otp.hotpWindow },
    totp: { window: config.otp.totpWindow },
    hotpResyncWindow: config.otp.hotpResyncWindow,
    totpResyncSteps: config.otp.totpResyncSteps,
  };
}

/** Everything a TokenVerifier takes from the configuration. */
export function verifierSettingsOf(config: ResolvedConfig) {
  return { lockout: lockoutOptions(config), ...engineOptions(config) };
}
