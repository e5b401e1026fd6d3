import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VirtualDriver, VirtualToken, type VirtualTokenSpec } from '../../drivers/virtual';
import { silentLogger, type Logger } from '../core';
import { startDaemon, type Daemon, type DaemonOptions } from '../daemon/daemon';
import { QaClock } from './qa-clock';
import { applyRegistry, type RegistryItem } from './registry';
import type { AttachedToken, ClockChange, QaTarget } from './target';

/**
 * A daemon of our own for one scenario file: port 0, a fresh store and key file in a temp dir, the
 * virtual driver only, and a clock that `set-clock` moves. Removed again by close().
 */
export class InProcessTarget implements QaTarget {
  readonly description = 'in-process daemon';

  private constructor(
    private readonly daemon: Daemon,
    private readonly virtual: VirtualDriver,
    private readonly clock: QaClock,
    private readonly dir: string,
  ) {}

  /**
   * `defaults` is the configuration to start from (`defaultConfig({})` of src/cli/config: the caller
   * passes it, because src/qa does not import the cli); port, paths and drivers are replaced.
   */
  static async start(options: {
    defaults: DaemonConfig;
    logger?: Logger;
  }): Promise<InProcessTarget> {
    const dir = await mkdtemp(join(tmpdir(), 'tokenbridge-qa-'));
    const logger = options.logger ?? silentLogger();
    const clock = new QaClock();
    const virtual = new VirtualDriver({ logger, clock });
    try {
      const daemon = await startDaemon({
        config: qaConfig(options.defaults, dir),
        logger,
        clock,
        // An empty environment: a $CREDENTIALS_DIRECTORY key must never seal this throwaway store.
        env: {},
        drivers: [virtual],
      });
      return new InProcessTarget(daemon, virtual, clock, dir);
    } catch (err) {
      await virtual.dispose();
      await rm(dir, { recursive: true, force: true });
      throw err;
    }
  }

  get wsUrl(): string {
    return this.daemon.wsUrl;
  }

  get origin(): string {
    return new URL(this.daemon.url).origin;
  }

  createToken(spec: VirtualTokenSpec): VirtualToken {
    return new VirtualToken(spec, { clock: this.clock });
  }

  async attach(token: VirtualToken): Promise<AttachedToken> {
    this.virtual.attach(token);
    return {
      token,
      detach: async () => {
        this.virtual.detach(token.id);
        token.unplug(); // ends any stall or typing timer it still holds
      },
    };
  }

  importRegistry(items: readonly RegistryItem[]): Promise<void> {
    return applyRegistry(this.daemon.store, items);
  }

  setClock(change: ClockChange): void {
    this.clock.apply(change);
  }

  async close(): Promise<void> {
    await this.daemon.close();
    await rm(this.dir, { recursive: true, force: true });
  }
}

type DaemonConfig = DaemonOptions['config'];

function qaConfig(base: DaemonConfig, dir: string): DaemonConfig {
  return {
    ...base,
    server: {
      ...base.server,
      port: 0,
      allowOrigins: [],
      controlSocket: join(dir, 'control.sock'),
    },
    drivers: {
      ...base.drivers,
      enabled: ['virtual'],
      virtual: [],
      emulatorSocket: join(dir, 'emulator.sock'),
    },
    store: {
      ...base.store,
      url: null,
      path: join(dir, 'tokens.sqlite'),
      keyFile: join(dir, 'keys', 'seed.key'),
    },
    log: { level: 'silent' },
    kiosk: { ...base.kiosk, enabled: false },
  };
}
