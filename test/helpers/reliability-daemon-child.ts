/**
 * A real daemon in its own process, for the crash test (test/reliability/crash.test.ts):
 *
 *   node -r ./test/helpers/swc-register.cjs test/helpers/reliability-daemon-child.ts DIR
 *
 * Store and key file live in DIR; it listens on 127.0.0.1, port 0, and prints one line
 * `ready WS_URL ORIGIN` once it serves. SIGTERM closes it cleanly; the test mostly SIGKILLs it.
 */
import { writeSync } from 'node:fs';
import { join } from 'node:path';
import { defaultConfig, type ResolvedConfig } from '../../src/config';
import { silentLogger } from '../../src/core';
import { startDaemon } from '../../src/daemon/daemon';

function say(line: string): void {
  writeSync(1, line + '\n');
}

/** The crash test's settings: durable store in DIR, no lockout in its way, no rate limit. */
export function crashConfig(dir: string): ResolvedConfig {
  const base = defaultConfig({});
  return {
    ...base,
    server: {
      ...base.server,
      port: 0,
      rateLimit: { perSecond: 10_000, burst: 10_000 },
      controlSocket: join(dir, 'control.sock'),
    },
    drivers: {
      ...base.drivers,
      enabled: ['virtual'],
      virtual: [],
      emulatorSocket: join(dir, 'emulator.sock'),
    },
    // The losers of deliberate races are failures; they must not lock the token between rounds.
    lockout: { ...base.lockout, maxFailures: 100 },
    store: {
      ...base.store,
      path: join(dir, 'store.sqlite'),
      keyFile: join(dir, 'keys', 'seed.key'),
    },
    log: { level: 'silent' },
  };
}

async function main(): Promise<void> {
  const dir = process.argv[2];
  if (!dir) throw new Error('usage: reliability-daemon-child.ts DIR');
  const daemon = await startDaemon({ config: crashConfig(dir), logger: silentLogger(), env: {} });
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
