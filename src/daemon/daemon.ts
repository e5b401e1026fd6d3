import { existsSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { version as packageVersion } from '../../package.json';
import type { ApiDevice, ServerEvent } from '../api';
import { ErrorCode, TokenBridgeError, type Clock, type Driver, type Logger } from '../core';
import { pairingAllowed, type ResolvedConfig } from '../config';
import type { DeviceManager } from '../devices';
import { Runtime } from '../runtime';
import { createServer, type BridgeServer, type ServerAccess } from '../server';
import type { RegistryStore } from '../tokens';
import type { VirtualDriver, VirtualToken } from '../../drivers/virtual';
import { createFlowBackend } from './backend';
import { controlOptionsOf } from './control-options';
import { ControlServer } from './control-server';
import { DaemonMetrics } from './metrics';
import { createHealthContributor } from './metrics-health';
import { serverAccessOf } from './server-access';
import { serverOptionsOf } from './server-options';

export interface DaemonOptions {
  readonly config: ResolvedConfig;
  readonly logger: Logger;
  readonly clock?: Clock;
  /** The environment the config was resolved in ($CREDENTIALS_DIRECTORY). */
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
  /** The parts, as the composition root built them from the configuration. */
  readonly runtime: Runtime;
  /** The virtual bus, when the virtual driver runs: tests and `--virtual` attach tokens here. */
  readonly virtual: VirtualDriver | undefined;
  /** The tokens `config.drivers.virtual` attached at start. */
  readonly virtualTokens: readonly VirtualToken[];
  readonly devices: DeviceManager;
  readonly store: RegistryStore;
  readonly server: BridgeServer;
  readonly metrics: DaemonMetrics;
  /** Who may connect (the server's peer check); the control socket follows the same names. */
  readonly access: ServerAccess;
  /** The control socket `devices`, `watch` and `tokens verify --daemon` reach, when it listens. */
  readonly controlSocket: string | undefined;
  /** Idempotent: stops serving, closes devices (releasing USB claims), then the store. */
  close(): Promise<void>;
}

/**
 * The daemon: the runtime's parts (src/runtime builds them from the configuration) behind the HTTP +
 * WebSocket server, with metrics and the lifecycle. Everything opened is closed again if a later
 * step fails.
 */
export async function startDaemon(options: DaemonOptions): Promise<Daemon> {
  const { config, logger } = options;
  const log = logger.child({ module: 'daemon' });
  const version = options.version ?? packageVersion;
  const metrics = new DaemonMetrics({ processMetrics: true, version });
  const runtime = new Runtime({
    config,
    logger,
    env: options.env ?? {},
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.drivers ? { drivers: options.drivers } : {}),
    observer: metrics,
  });

  try {
    const { virtual, virtualTokens } = runtime.drivers();
    const store = await runtime.store();
    metrics.followVerificationWrites(() => store.verificationWrites);
    await runtime.provisionVirtualTokens().catch((err: unknown) => {
      // A fleet's database out of reach at start: the daemon serves anyway and says why in
      // /healthz; the virtual tokens are registered at the next start.
      if (!(err instanceof TokenBridgeError && err.code === ErrorCode.STORE_UNAVAILABLE)) throw err;
      log.warn(
        { error: err.message },
        'virtual tokens not registered: the registry is unreachable',
      );
    });
    if (options.drivers === undefined) await runtime.listenForEmulators();
    const devices = runtime.devices();
    runtime.onClose('metrics', metrics.attachDevices(devices));
    const flows = await runtime.flows();

    const backend = createFlowBackend({
      flows,
      store,
      devices,
      logger,
      version,
      pairing: pairingAllowed(config),
      ...(config.kiosk.enabled ? { kiosk: { idleResetMs: config.kiosk.idleResetMs } } : {}),
    });
    runtime.onClose('backend', () => backend.close());

    const access = await serverAccessOf(config);
    if (access.peerCheck === 'capability')
      log.warn(
        { capabilityFile: config.server.capabilityFile },
        'this daemon cannot tell which local user a connection comes from: pages connect with the install capability (the link `tokenbridge url` prints)',
      );
    else
      log.info(
        { uids: [...access.policy!.uids], gids: [...access.policy!.gids] },
        'connections are admitted by peer user',
      );
    const staticDir = options.staticDir ?? findBuiltPage();
    if (staticDir === undefined) log.warn('the page is not built: run `npm run build`');
    const server = createServer({
      ...serverOptionsOf(config),
      backend,
      access,
      logger,
      ...(staticDir !== undefined ? { staticDir } : { pageHandler: pageNotBuilt }),
      metrics,
      observer: metrics,
      health: createHealthContributor({ devices, store }),
    });
    metrics.countClients(() => server.connectionCount);

    await devices.start();
    const listening = await server.listen();
    runtime.onClose('server', () => server.close());
    const controlSocket = await listenForControl({
      config,
      log,
      version,
      url: listening.url,
      devices,
      runtime,
      apiDevices: () => backend.listDevices(),
      events: (listener) =>
        backend.subscribe((event, connectionId) => {
          if (connectionId === undefined) listener(event);
        }),
    });
    log.info({ url: listening.url, origins: listening.allowedOrigins }, 'ready');

    let closing: Promise<void> | undefined;
    return {
      url: listening.url,
      wsUrl: `${listening.url.replace(/^http/, 'ws').replace(/\/$/, '')}/ws`,
      port: listening.port,
      runtime,
      virtual,
      virtualTokens,
      devices,
      store,
      server,
      metrics,
      access,
      controlSocket,
      close: () => (closing ??= runtime.close().then(() => log.info('stopped'))),
    };
  } catch (err) {
    await runtime.close();
    throw err;
  }
}

/**
 * The control socket for the command line. Everything else works without it, so a socket that
 * cannot be used (another daemon answers there, a folder of another user) is a warning.
 */
async function listenForControl(parts: {
  config: ResolvedConfig;
  log: Logger;
  version: string;
  url: string;
  devices: DeviceManager;
  runtime: Runtime;
  apiDevices: () => ApiDevice[] | Promise<ApiDevice[]>;
  events: (listener: (event: ServerEvent) => void) => () => void;
}): Promise<string | undefined> {
  const { config, log, runtime, devices } = parts;
  const { socketPath, decision } = controlOptionsOf(config);
  if (!decision.ok)
    log.warn({ reason: decision.reason }, 'peer policy: the control socket stays private');
  const verifier = await runtime.verifier();
  const control = new ControlServer({
    socketPath,
    access: decision.access,
    logger: log,
    version: parts.version,
    url: parts.url,
    devices,
    apiDevices: parts.apiDevices,
    events: parts.events,
    verify: (serial, otp) => verifier.verify(serial, otp, { source: 'cli' }),
  });
  try {
    await control.listen();
  } catch (err) {
    log.warn(
      { socket: socketPath, error: err instanceof Error ? err.message : String(err) },
      'control socket not available',
    );
    return undefined;
  }
  runtime.onClose('control', () => control.close());
  return socketPath;
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
