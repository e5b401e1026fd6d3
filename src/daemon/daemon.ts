import { existsSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { version as packageVersion } from '../../package.json';
import { parseUsbId, systemClock, type Clock, type Driver, type Logger, type UsbId } from '../core';
import { DeviceManager } from '../devices';
import { SqliteTokenStore, TokenVerifier } from '../tokens';
import { createServer, type BridgeServer } from '../server';
import type { ResolvedConfig } from '../cli/config';
import { createDrivers } from '../../drivers';
import { parseVirtualSpec, VirtualDriver, VirtualToken } from '../../drivers/virtual';
import { createFlowBackend } from './backend';
import { DaemonMetrics } from './metrics';
import { createHealthContributor } from './metrics-health';
import { provisionVirtualTokens } from './provision-virtual';

export interface DaemonOptions {
  readonly config: ResolvedConfig;
  readonly logger: Logger;
  readonly clock?: Clock;
  /** For `$CREDENTIALS_DIRECTORY` and the default paths. */
  readonly env?: NodeJS.ProcessEnv;
  /** The built page; default: dist/web of this checkout. */
  readonly staticDir?: string;
  /** Replaces `config.drivers.enabled` (tests inject a VirtualDriver they hold). */
  readonly drivers?: readonly Driver[];
  readonly version?: string;
}

export interface Daemon {
  /** The page, e.g. http://127.0.0.1:7343/ */
  readonly url: string;
  readonly wsUrl: string;
  readonly port: number;
  /** The virtual bus, when the virtual driver runs: tests and `--virtual` attach tokens here. */
  readonly virtual: VirtualDriver | undefined;
  /** The tokens `config.drivers.virtual` attached at start. */
  readonly virtualTokens: readonly VirtualToken[];
  readonly devices: DeviceManager;
  readonly store: SqliteTokenStore;
  readonly server: BridgeServer;
  readonly metrics: DaemonMetrics;
  /** Idempotent: stops serving, closes devices (releasing USB claims), then the store. */
  close(): Promise<void>;
}

/**
 * close() finishes within this budget (the 2 s, less a margin): a part that hangs past its
 * share is left behind so that the store, closed last, always closes.
 */
const CLOSE_BUDGET_MS = 1700;
/** The least any one part is given, even when earlier parts used the budget up. */
const CLOSE_STEP_MIN_MS = 50;

/**
 * The composition root: drivers, device manager, registry, verifier, flows and the HTTP +
 * WebSocket server in one process. Everything opened is closed again if a later step fails.
 */
export async function startDaemon(options: DaemonOptions): Promise<Daemon> {
  const { config } = options;
  const clock = options.clock ?? systemClock;
  const logger = options.logger;
  const log = logger.child({ module: 'daemon' });
  const undo: Array<() => Promise<void> | void> = [];
  const unwind = async () => {
    const deadline = Date.now() + CLOSE_BUDGET_MS;
    for (const step of undo.splice(0).reverse()) {
      const budget = Math.max(CLOSE_STEP_MIN_MS, deadline - Date.now());
      await withDeadline(Promise.resolve().then(step), budget).catch((err: unknown) =>
        log.warn({ error: messageOf(err) }, 'shutdown step failed'),
      );
    }
  };

  try {
    const drivers = options.drivers ?? buildDrivers(config, logger, clock);
    undo.push(() => Promise.all(drivers.map((d) => d.dispose?.())).then(() => undefined));
    const virtual = drivers.find((d): d is VirtualDriver => d instanceof VirtualDriver);

    const store = SqliteTokenStore.open({
      path: config.store.path,
      keyFile: config.store.keyFile,
      logger,
      clock,
      ...(options.env ? { env: options.env } : {}),
    });
    undo.push(() => store.closeSync());

    // The config holds the specs as text, already checked by the same parser.
    const specs = config.drivers.virtual.map((text) => parseVirtualSpec(text));
    const virtualTokens = specs.map((spec) => new VirtualToken(spec, { logger, clock }));
    if (virtualTokens.length > 0) {
      if (!virtual) throw new Error('--virtual needs the virtual driver');
      await provisionVirtualTokens(store, specs, log);
      for (const token of virtualTokens) virtual.attach(token);
    }
    if (virtual && options.drivers === undefined) await listenForEmulators(virtual, config, log);

    const engine = {
      hotp: { window: config.otp.hotpWindow },
      totp: { window: config.otp.totpWindow },
      hotpResyncWindow: config.otp.hotpResyncWindow,
      totpResyncSteps: config.otp.totpResyncSteps,
    };
    const verifier = new TokenVerifier({
      store,
      clock,
      logger,
      lockout: {
        maxFailures: config.lockout.maxFailures,
        baseLockMs: config.lockout.baseMs,
        maxLockMs: config.lockout.maxMs,
        growth: config.lockout.multiplier,
      },
      ...engine,
    });

    const devices = new DeviceManager({
      drivers,
      logger,
      clock,
      pollIntervalMs: config.drivers.pollIntervalMs,
      exclusive: config.drivers.exclusive,
    });
    undo.push(() => devices.stop());
    const version = options.version ?? packageVersion;
    const metrics = new DaemonMetrics({ processMetrics: true, version });
    undo.push(metrics.attachDevices(devices));

    const pairing = !config.kiosk.enabled || config.kiosk.pairing;
    const backend = createFlowBackend({
      store,
      verifier,
      devices,
      logger,
      clock,
      version,
      pairing,
      ...(config.kiosk.enabled ? { kiosk: { idleResetMs: config.kiosk.idleResetMs } } : {}),
      maxTokensPerUser: config.users.maxTokensPerUser,
      observer: metrics,
    });
    undo.push(() => backend.close());

    const staticDir = options.staticDir ?? findBuiltPage();
    if (staticDir === undefined) log.warn('the page is not built: run `npm run build`');
    const server = createServer({
      host: config.server.host,
      port: config.server.port,
      allowOrigins: config.server.allowOrigins,
      backend,
      logger,
      limits: {
        maxConnections: config.server.maxClients,
        ratePerSec: config.server.rateLimit.perSecond,
        burst: config.server.rateLimit.burst,
      },
      ...(staticDir !== undefined ? { staticDir } : { pageHandler: pageNotBuilt }),
      metrics,
      observer: metrics,
      health: createHealthContributor({
        devices,
        storeRead: () => store.count(),
        storePath: config.store.path,
      }),
    });
    metrics.countClients(() => server.connectionCount);

    await devices.start();
    const listening = await server.listen();
    undo.push(() => server.close());
    log.info({ url: listening.url, origins: listening.allowedOrigins }, 'ready');

    let closing: Promise<void> | undefined;
    return {
      url: listening.url,
      wsUrl: `${listening.url.replace(/^http/, 'ws').replace(/\/$/, '')}/ws`,
      port: listening.port,
      virtual,
      virtualTokens,
      devices,
      store,
      server,
      metrics,
      close: () => (closing ??= unwind().then(() => log.info('stopped'))),
    };
  } catch (err) {
    await unwind();
    throw err;
  }
}

function buildDrivers(config: ResolvedConfig, logger: Logger, clock: Clock): Driver[] {
  const names: string[] = [...config.drivers.enabled];
  if (config.drivers.virtual.length > 0 && !names.includes('virtual')) names.push('virtual');
  return createDrivers(names, {
    logger,
    clock,
    extraIds: config.drivers.extraUsbIds
      .map((text) => parseUsbId(text))
      .filter((id): id is UsbId => id !== undefined),
    usbExclusive: config.drivers.exclusive,
  });
}

/** `tokenbridge emulate` in another terminal attaches here; the daemon works without it. */
async function listenForEmulators(
  virtual: VirtualDriver,
  config: ResolvedConfig,
  log: Logger,
): Promise<void> {
  try {
    await virtual.listen(config.drivers.emulatorSocket);
    log.info({ socket: config.drivers.emulatorSocket }, 'emulator bus listening');
  } catch (err) {
    log.warn({ error: messageOf(err) }, 'emulator socket not available');
  }
}

/** dist/web beside the compiled code (dist/src/daemon) or of the checkout (src/daemon under jest). */
function findBuiltPage(): string | undefined {
  const candidates = [
    join(__dirname, '..', '..', 'web'),
    join(__dirname, '..', '..', 'dist', 'web'),
  ];
  return candidates.find((dir) => existsSync(join(dir, 'index.html')));
}

function pageNotBuilt(_req: IncomingMessage, res: ServerResponse): void {
  res.statusCode = 503;
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.end('The pairing page is not built: run `npm run build`.\n');
}

function withDeadline<T>(work: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
    timer.unref();
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
