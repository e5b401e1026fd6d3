import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConfigLayer } from '../../src/config';
import { silentLogger, type Clock, type Logger } from '../../src/core';
import { startDaemon, type Daemon } from '../../src/daemon/daemon';
import { VirtualDriver, type VirtualToken } from '../../drivers/virtual';
import { ApiClient } from './api-client';
import { testConfig } from './config';

export interface TestDaemonOptions {
  readonly config?: ConfigLayer;
  readonly clock?: Clock;
  readonly staticDir?: string;
  readonly logger?: Logger;
  /** Plugged into the virtual bus before the daemon starts, so they are attached when it is ready. */
  readonly tokens?: readonly VirtualToken[];
}

export interface TestDaemon {
  readonly daemon: Daemon;
  /** The temp dir holding the store and key file. */
  readonly dir: string;
  /** The daemon's only driver: attach VirtualTokens here. */
  readonly virtual: VirtualDriver;
  /** A real ws client from the daemon's own page origin (or `origin`), after `hello`. */
  connect(origin?: string): Promise<ApiClient>;
  stop(): Promise<void>;
}

/**
 * A real daemon on 127.0.0.1, port 0, with a fresh store and key file in a temp dir and a virtual
 * driver the test holds. `config` overrides any setting (deep merge over the defaults).
 */
export async function startTestDaemon(options: TestDaemonOptions = {}): Promise<TestDaemon> {
  const dir = mkdtempSync(join(tmpdir(), 'tb-daemon-'));
  // Each layer merges key by key, so `{ server: { maxClients } }` keeps port 0.
  const config = testConfig(dir, options.config);
  const logger = options.logger ?? silentLogger();
  const virtual = new VirtualDriver({
    logger,
    ...(options.clock ? { clock: options.clock } : {}),
  });
  for (const token of options.tokens ?? []) virtual.attach(token);
  let daemon: Daemon;
  try {
    daemon = await startDaemon({
      config,
      logger,
      env: {},
      drivers: [virtual],
      ...(options.clock ? { clock: options.clock } : {}),
      ...(options.staticDir ? { staticDir: options.staticDir } : {}),
    });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const clients: ApiClient[] = [];
  return {
    daemon,
    dir,
    virtual,
    async connect(origin?: string) {
      const client = await ApiClient.open(daemon.wsUrl, origin);
      clients.push(client);
      return client;
    },
    async stop() {
      await Promise.all(clients.map((c) => c.close()));
      await daemon.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
