import { join } from 'node:path';
import {
  defaultConfig,
  withOverrides,
  type ConfigLayer,
  type ResolvedConfig,
} from '../../src/config';
import { verifierSettingsOf } from '../../src/runtime/verifier-options';

/**
 * The defaults with everything that touches the machine moved into `dir`: port 0, the registry and
 * its key, the emulator and control sockets; the virtual driver only. `over` replaces any other key (key by key).
 * An empty environment, so the machine's $CREDENTIALS_DIRECTORY or config file never leaks in.
 */
export function testConfig(dir: string, over: ConfigLayer = {}): ResolvedConfig {
  const forTests: ConfigLayer = {
    server: {
      port: 0,
      capabilityFile: join(dir, 'capability'),
      controlSocket: join(dir, 'control.sock'),
    },
    store: { path: join(dir, 'tokens.sqlite'), keyFile: join(dir, 'keys', 'seed.key') },
    drivers: {
      enabled: ['virtual'],
      emulatorSocket: join(dir, 'emulator.sock'),
      virtualStateDir: join(dir, 'virtual'),
    },
  };
  return withOverrides(withOverrides(defaultConfig({}), forTests), over);
}

/**
 * A verifier's settings as the runtime derives them from the configuration (the defaults, `over`
 * applied), for tests of the verifier itself: `new TokenVerifier({ store, ...verifierSettings() })`.
 */
export function verifierSettings(over: ConfigLayer = {}) {
  return verifierSettingsOf(withOverrides(defaultConfig({}), over));
}
