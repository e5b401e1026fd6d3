import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { DeviceManager } from '../devices';
import type { FlowObserver } from '../flows';
import type { MetricsEndpoint, ServerObserver } from '../server';
import type { VerifyStatus } from '../tokens';

export type VerificationFlow = 'pairing' | 'sign-on';

/** What the registry says of its verification writes (RegistryStore.verificationWrites). */
export interface VerificationWriteCounts {
  readonly statements: number;
  readonly advances: number;
}

export interface DaemonMetricsOptions {
  /** Adds prom-client's process metrics (RSS, CPU, event-loop lag, handles) to this registry. */
  readonly processMetrics?: boolean;
  readonly version?: string;
}

/** Every series name this daemon exports starts with this. */
export const METRIC_PREFIX = 'tokenbridge_';

/**
 * The daemon's counters and gauges over a registry of its own (prom-client's global registry is
 * shared by everything in the process, and two daemons in one test process would collide there).
 * It is the flows' observer (verification, lockout), the server's observer (requestError,
 * upgradeRefused) and the /metrics endpoint at once. Labels only ever carry bounded sets: driver
 * names, OTP formats, flow results and stable error codes; never serials, users or OTPs.
 */
export class DaemonMetrics implements MetricsEndpoint, ServerObserver, FlowObserver {
  readonly registry = new Registry();
  private readonly attached = new Map<string, string>();
  private readonly clientSources: (() => number)[] = [];
  private writeSource: (() => VerificationWriteCounts) | undefined;
  private readonly otps: Counter<'format'>;
  private readonly verifications: Counter<'flow' | 'result'>;
  private readonly lockouts: Counter;
  private readonly requestErrors: Counter<'code'>;
  private readonly upgradesRefused: Counter<'reason'>;
  private readonly connectionsRefused: Counter<'reason'>;

  constructor(options: DaemonMetricsOptions = {}) {
    const registers = [this.registry];
    const attached = this.attached;
    const clientSources = this.clientSources;
    const writes = () => this.writeSource?.();
    new Gauge({
      name: `${METRIC_PREFIX}devices_attached`,
      help: 'Token interfaces attached now, by driver.',
      labelNames: ['driver'],
      registers,
      collect() {
        this.reset();
        const byDriver = new Map<string, number>();
        for (const driver of attached.values())
          byDriver.set(driver, (byDriver.get(driver) ?? 0) + 1);
        for (const [driver, n] of byDriver) this.set({ driver }, n);
      },
    });
    new Gauge({
      name: `${METRIC_PREFIX}websocket_clients`,
      help: 'WebSocket clients connected now.',
      registers,
      collect() {
        this.set(clientSources.reduce((sum, read) => sum + read(), 0));
      },
    });
    this.otps = new Counter({
      name: `${METRIC_PREFIX}otps_captured_total`,
      help: 'OTPs typed by attached tokens, by format.',
      labelNames: ['format'],
      registers,
    });
    this.verifications = new Counter({
      name: `${METRIC_PREFIX}verifications_total`,
      help: 'Passcode verifications by flow and result.',
      labelNames: ['flow', 'result'],
      registers,
    });
    this.lockouts = new Counter({
      name: `${METRIC_PREFIX}lockouts_total`,
      help: 'Tokens locked after too many wrong passcodes.',
      registers,
    });
    this.requestErrors = new Counter({
      name: `${METRIC_PREFIX}request_errors_total`,
      help: 'WebSocket requests answered with an error, by error code.',
      labelNames: ['code'],
      registers,
    });
    this.upgradesRefused = new Counter({
      name: `${METRIC_PREFIX}websocket_upgrades_refused_total`,
      help: 'WebSocket upgrades refused before the handshake, by reason (host, origin, ...).',
      labelNames: ['reason'],
      registers,
    });
    this.connectionsRefused = new Counter({
      name: `${METRIC_PREFIX}connections_refused_total`,
      help: 'TCP connections refused by the peer check before a byte was read, by reason.',
      labelNames: ['reason'],
      registers,
    });
    new Counter({
      name: `${METRIC_PREFIX}registry_verification_writes_total`,
      help: "Verifications' compare-and-sets sent to the registry (each moves its token or finds it moved).",
      registers,
      collect() {
        this.reset();
        this.inc(writes()?.advances ?? 0);
      },
    });
    new Counter({
      name: `${METRIC_PREFIX}registry_verification_commits_total`,
      help: 'Statements (commits) those compare-and-sets took; fewer when a busy node shares commits.',
      registers,
      collect() {
        this.reset();
        this.inc(writes()?.statements ?? 0);
      },
    });
    if (options.version !== undefined) {
      new Gauge({
        name: `${METRIC_PREFIX}build_info`,
        help: 'Always 1; the version label says which tokenbridge runs.',
        labelNames: ['version'],
        registers,
      }).set({ version: options.version }, 1);
    }
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }

  /** FlowObserver: one verification finished. */
  verification(flow: VerificationFlow, result: VerifyStatus): void {
    this.verifications.inc({ flow, result });
  }

  /** FlowObserver: a failure just locked a token. */
  lockout(): void {
    this.lockouts.inc();
  }

  requestError(code: string): void {
    this.requestErrors.inc({ code });
  }

  upgradeRefused(reason: string): void {
    this.upgradesRefused.inc({ reason });
  }

  connectionRefused(reason: string): void {
    this.connectionsRefused.inc({ reason });
  }

  /**
   * Follows a device manager: what it has attached now and every attach, detach and OTP from here
   * on. The gauge is recomputed from the set of attached ids, so it cannot drift below zero when
   * events arrive twice. Returns the function that stops following.
   */
  attachDevices(manager: DeviceManager): () => void {
    for (const device of manager.devices()) this.attached.set(device.id, device.driver);
    const stops = [
      manager.on('attached', (d) => {
        this.attached.set(d.id, d.driver);
      }),
      manager.on('detached', (d) => {
        this.attached.delete(d.id);
      }),
      manager.on('otp', (e) => {
        this.otps.inc({ format: e.format });
      }),
    ];
    return () => {
      for (const stop of stops) stop();
      this.attached.clear();
    };
  }

  /** Reads the connected-client count at each scrape, e.g. `() => server.connectionCount`. */
  countClients(read: () => number): void {
    this.clientSources.push(read);
  }

  /** Reads the registry's verification writes whenever the metrics are rendered. */
  followVerificationWrites(read: () => VerificationWriteCounts): void {
    this.writeSource = read;
  }
}
