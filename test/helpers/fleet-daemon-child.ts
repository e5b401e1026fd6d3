/**
 * A real daemon in its own process on a fleet registry, for the fleet tests (test/fleet):
 *
 *   node -r ./test/helpers/swc-register.cjs test/helpers/fleet-daemon-child.ts SETTINGS_JSON
 *
 * SETTINGS_JSON: { dir, url, passwordFile, node, maxFailures, statementTimeoutMs }. The seed key is
 * DIR/seed.key (the fleet's shared key: every child of a test is given the same file). It listens
 * on 127.0.0.1, port 0, and prints `ready WS_URL ORIGIN` once it serves; SIGTERM closes it.
 */
import { writeSync } from 'node:fs';
import { join } from 'node:path';
import { defaultConfig, withOverrides, type ResolvedConfig } from '../../src/config';
import { silentLogger } from '../../src/core';
import { startDaemon } from '../../src/daemon/daemon';

export interface FleetChildSettings {
  readonly dir: string;
  readonly url: string;
  readonly passwordFile: string;
  readonly node: string;
  readonly maxFailures: number;
  readonly statementTimeoutMs?: number;
}

function say(line: string): void {
  writeSync(1, line + '\n');
}

export function fleetConfig(s: FleetChildSettings): ResolvedConfig {
  return withOverrides(defaultConfig({}), {
    server: { port: 0, rateLimit: { perSecond: 10_000, burst: 10_000 } },
    drivers: { enabled: ['virtual'], virtual: [], emulatorSocket: join(s.dir, `${s.node}.sock`) },
    lockout: { maxFailures: s.maxFailures },
    store: {
      url: s.url,
      passwordFile: s.passwordFile,
      keyFile: join(s.dir, 'seed.key'),
      nodeName: s.node,
      statementTimeoutMs: s.statementTimeoutMs ?? 5000,
      connectTimeoutMs: 2000,
    },
    log: { level: 'silent' },
  });
}

async function main(): Promise<void> {
  const settings = JSON.parse(process.argv[2] ?? '') as FleetChildSettings;
  const daemon = await startDaemon({
    config: fleetConfig(settings),
    logger: silentLogger(),
    env: {},
  });
  process.once('SIGTERM', () => {
    void daemon.close().then(() => process.exit(0));
  });
  say(`ready ${daemon.wsUrl} ${daemon.url.replace(/\/$/, '')}`);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    say(`error ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
