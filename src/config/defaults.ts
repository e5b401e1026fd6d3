import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import {
  DEFAULT_HOTP_RESYNC_WINDOW,
  DEFAULT_HOTP_WINDOW,
  DEFAULT_TOTP_RESYNC_STEPS,
  DEFAULT_TOTP_WINDOW,
} from '../otp';
import { defaultPaths } from './paths';
import { DRIVER_NAMES } from '../../drivers';
import type { ConfigLayer, ResolvedConfig } from './schema';

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 7343;

/**
 * Every default in one place: the lower layers take these values from the config and have none of
 * their own. Paths depend on the environment (systemd's `$STATE_DIRECTORY` and
 * `$CREDENTIALS_DIRECTORY`, else the XDG directories), which is why this is a function.
 */
export function defaultConfig(
  env: NodeJS.ProcessEnv,
  fileExists: (path: string) => boolean = existsSync,
  host: () => string = hostname,
): ResolvedConfig {
  const paths = defaultPaths(env);
  return {
    server: {
      host: DEFAULT_HOST,
      port: DEFAULT_PORT,
      // The daemon's own page is always allowed in addition to these.
      allowOrigins: [],
      // The daemon's own user is always admitted; these add the seat users of a system install.
      peerCheck: 'auto',
      allowUsers: [],
      allowGroups: [],
      capabilityFile: paths.capabilityFile,
      maxClients: 1000,
      rateLimit: { perSecond: 20, burst: 40 },
      controlSocket: paths.controlSocket,
    },
    drivers: {
      enabled: [...DRIVER_NAMES],
      exclusive: false,
      pollIntervalMs: 1000,
      extraUsbIds: [],
      virtual: [],
      emulatorSocket: paths.emulatorSocket,
      virtualStateDir: paths.virtualStateDir,
      virtualFresh: false,
    },
    otp: {
      hotpWindow: DEFAULT_HOTP_WINDOW,
      hotpResyncWindow: DEFAULT_HOTP_RESYNC_WINDOW,
      totpWindow: DEFAULT_TOTP_WINDOW,
      totpResyncSteps: DEFAULT_TOTP_RESYNC_STEPS,
    },
    // PingID's policy: the 3rd failure in a row locks for 2 minutes, each further lock doubles.
    lockout: { maxFailures: 3, baseMs: 120_000, maxMs: 3_600_000, multiplier: 2 },
    // A page may make ten wrong guesses (for any users) before it waits the lockout's lengths; it
    // may be told of five unknown or taken serials, and the daemon of sixty an hour.
    guessing: { perConnection: 10, lookupsPerConnection: 5, lookupsPerHour: 60 },
    // PingOne's default number of devices per user.
    users: { maxTokensPerUser: 5 },
    store: {
      path: paths.store,
      // SQLite unless a fleet's PostgreSQL is named.
      url: null,
      keyFile: credentialKeyFile(env, fileExists) ?? paths.keyFile,
      passwordFile: credentialPasswordFile(env, fileExists) ?? null,
      nodeName: nodeNameOf(host()),
      // node-postgres' own default pool size; 16 concurrent verifications share it well.
      poolSize: 10,
      connectTimeoutMs: 5000,
      // Well under a kiosk user's patience, well over a loopback commit (about 1 ms).
      statementTimeoutMs: 5000,
    },
    log: { level: 'info' },
    // Slot 2: slot 1 holds the factory Yubico OTP credential on most keys.
    enroll: { kind: 'hotp', slot: 2, digits: 6, touchTimeoutMs: 60_000 },
    kiosk: { enabled: false, pairing: false, idleResetMs: 60_000 },
  };
}

/**
 * The seed key systemd hands the service (`LoadCredential=`), when there is one. It is the same key
 * as the key file the configuration names for the CLI (which runs outside the unit and cannot see
 * the credential), so inside the unit it replaces that file, and only an explicit
 * `TOKENBRIDGE_KEY_FILE` or `--key-file` overrides it.
 */
export function credentialKeyFile(
  env: NodeJS.ProcessEnv,
  fileExists: (path: string) => boolean = existsSync,
): string | undefined {
  const credential = defaultPaths(env).keyCredential;
  return credential !== undefined && fileExists(credential) ? credential : undefined;
}

/** The database password systemd hands the service (`LoadCredential=tokenbridge.dbpass:...`). */
export function credentialPasswordFile(
  env: NodeJS.ProcessEnv,
  fileExists: (path: string) => boolean = existsSync,
): string | undefined {
  const credential = defaultPaths(env).dbPasswordCredential;
  return credential !== undefined && fileExists(credential) ? credential : undefined;
}

/** The host name as a node name: its first label, cut to the allowed characters and length. */
export function nodeNameOf(host: string): string {
  const name = host
    .split('.')[0]!
    .replace(/[^A-Za-z0-9_:-]/g, '-')
    .slice(0, 64);
  return name === '' ? 'node' : name;
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

/** Whether the page may pair tokens: always on a desktop, in kiosk mode only when configured. */
export function pairingAllowed(config: ResolvedConfig): boolean {
  return !config.kiosk.enabled || config.kiosk.pairing;
}
