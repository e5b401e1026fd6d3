import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { defaultPaths } from '../../core';
import { CREDENTIAL_NAME } from '../../tokens/seed-key';
import {
  DEFAULT_HOTP_RESYNC_WINDOW,
  DEFAULT_HOTP_WINDOW,
  DEFAULT_TOTP_RESYNC_STEPS,
  DEFAULT_TOTP_WINDOW,
} from '../../otp';
import { DRIVER_NAMES, type ConfigLayer, type ResolvedConfig } from './schema';

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 7343;
/** The name `LoadCredential=` gives the seed key inside `$CREDENTIALS_DIRECTORY` (the registry's). */
export const KEY_CREDENTIAL_NAME = CREDENTIAL_NAME;

/**
 * Every default in one place. Paths depend on the environment (systemd's `$STATE_DIRECTORY` and
 * `$CREDENTIALS_DIRECTORY`, else the XDG directories), which is why this is a function.
 */
export function defaultConfig(
  env: NodeJS.ProcessEnv,
  fileExists: (path: string) => boolean = existsSync,
): ResolvedConfig {
  const paths = defaultPaths(env);
  const credential = env.CREDENTIALS_DIRECTORY
    ? join(env.CREDENTIALS_DIRECTORY, KEY_CREDENTIAL_NAME)
    : undefined;
  return {
    server: {
      host: DEFAULT_HOST,
      port: DEFAULT_PORT,
      // The daemon's own page is always allowed in addition to these.
      allowOrigins: [],
      maxClients: 1000,
      rateLimit: { perSecond: 20, burst: 40 },
    },
    drivers: {
      enabled: [...DRIVER_NAMES],
      exclusive: false,
      pollIntervalMs: 1000,
      extraUsbIds: [],
      virtual: [],
      emulatorSocket: paths.emulatorSocket,
    },
    otp: {
      hotpWindow: DEFAULT_HOTP_WINDOW,
      hotpResyncWindow: DEFAULT_HOTP_RESYNC_WINDOW,
      totpWindow: DEFAULT_TOTP_WINDOW,
      totpResyncSteps: DEFAULT_TOTP_RESYNC_STEPS,
    },
    lockout: { maxFailures: 3, baseMs: 120_000, maxMs: 3_600_000, multiplier: 2 },
    users: { maxTokensPerUser: 5 },
    store: {
      path: paths.store,
      keyFile: credential !== undefined && fileExists(credential) ? credential : paths.keyFile,
    },
    log: { level: 'info' },
    kiosk: { enabled: false, pairing: false, idleResetMs: 60_000 },
  };
}

/**
 * What kiosk mode changes, applied over the defaults and under every layer, so an explicit setting
 * still wins: exclusive capture keeps OTP keystrokes out of whatever window has focus, and the page
 * offers sign-on only.
 */
export const KIOSK_DEFAULTS: ConfigLayer = {
  drivers: { exclusive: true },
  kiosk: { pairing: false },
};
