import {
  parseConnectionString,
  parseUsbId,
  systemClock,
  ValidationError,
  type Clock,
  type Driver,
  type Logger,
  type UsbId,
} from '../core';
import type { PgSettings } from '../tokens/postgres/pg-config';
import { readPasswordFile } from './db-password';
import type { ResolvedConfig } from '../config';
import { credentialKeyFile, pairingAllowed } from '../config';
import type { DeviceManager } from '../devices';
import type { KeyEnroller } from '../enroll';
import type { FlowObserver, Pairings, SignOnFlow } from '../flows';
import type { RegistryStore, TokenVerifier } from '../tokens';
import type { VirtualDriver, VirtualToken } from '../../drivers/virtual';
import { lockoutOptions, verifierSettingsOf } from './verifier-options';
import { pluggedSerialFor } from './plugged-serial';
import { provisionVirtualTokens } from './provision-virtual';
import { Teardown } from './teardown';

export interface RuntimeOptions {
  readonly config: ResolvedConfig;
  readonly logger: Logger;
  /** The environment the config was resolved in ($CREDENTIALS_DIRECTORY). */
  readonly env: NodeJS.ProcessEnv;
  readonly clock?: Clock;
  /**
   * Drivers to use instead of building those `config.drivers.enabled` names (a test or a QA run
   * that holds its own VirtualDriver). They are disposed with the runtime all the same.
   */
  readonly drivers?: readonly Driver[];
  /** Counts flow outcomes (the daemon's metrics). */
  readonly observer?: FlowObserver;
  /** Open the fleet registry only to look (`doctor`): no migration, no key created. */
  readonly inspectStore?: boolean;
}

/** The drivers a command uses, the virtual bus among them, and the tokens `--virtual` attached. */
export interface DriverSet {
  readonly drivers: readonly Driver[];
  /** The virtual bus, when the virtual driver is in use. */
  readonly virtual: VirtualDriver | undefined;
  /** The tokens `config.drivers.virtual` attached at start, in order. */
  readonly virtualTokens: readonly VirtualToken[];
}

/** The pairing and sign-on flows, over the runtime's store, verifier and devices. */
export interface Flows {
  readonly pairings: Pairings;
  readonly signOn: SignOnFlow;
}

/**
 * The one composition root: a resolved configuration in, the parts out (store with its limits,
 * verifier with its windows and lockout, drivers with the virtual tokens, the device manager, the
 * flows), each built once, on first use, the same way for `serve`, every CLI command, QA, the
 * benchmarks and the test rigs. Heavy modules (SQLite, the native drivers) load only when a part
 * that needs them is asked for, so `tokens list` never loads node-hid and `--help` loads neither.
 * close() releases everything built, newest first, within the shutdown budget.
 */
export class Runtime {
  readonly config: ResolvedConfig;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly env: NodeJS.ProcessEnv;
  private readonly teardown: Teardown;
  private readonly log: Logger;
  private storePart: Promise<RegistryStore> | undefined;
  private verifierPart: Promise<TokenVerifier> | undefined;
  private driverPart: DriverSet | undefined;
  private devicePart: DeviceManager | undefined;
  private flowPart: Promise<Flows> | undefined;
  private enrollerPart: Promise<KeyEnroller> | undefined;

  constructor(private readonly options: RuntimeOptions) {
    this.config = options.config;
    this.logger = options.logger;
    this.clock = options.clock ?? systemClock;
    this.env = options.env;
    this.log = options.logger.child({ module: 'runtime' });
    this.teardown = new Teardown((name, err) =>
      this.log.warn({ part: name, error: messageOf(err) }, 'shutdown step failed'),
    );
  }

  /**
   * The token registry the configuration names, opened once: the fleet's PostgreSQL database when
   * `store.url` is set, else the SQLite file at `store.path`. Nothing else constructs a store.
   */
  store(): Promise<RegistryStore> {
    this.storePart ??= (async () => {
      const { store } = this.config;
      const common = {
        keyFile: store.keyFile,
        keyIsCredential: store.keyFile === credentialKeyFile(this.env),
        maxTokensPerUser: this.config.users.maxTokensPerUser,
        nodeName: store.nodeName,
        logger: this.logger,
        clock: this.clock,
      };
      let opened: RegistryStore;
      if (store.url !== null) {
        const { PostgresTokenStore } = await import('../tokens/postgres/pg-store');
        opened = await PostgresTokenStore.open({
          ...common,
          settings: pgSettings(this.config),
          inspectOnly: this.options.inspectStore === true,
        });
      } else {
        const { SqliteTokenStore } = await import('../tokens/sqlite/sqlite-store');
        opened = SqliteTokenStore.open({ ...common, path: store.path });
      }
      this.teardown.add('store', () => opened.close());
      return opened;
    })();
    return this.storePart;
  }

  /** The verifier with the configured OTP windows and lockout policy. */
  verifier(): Promise<TokenVerifier> {
    this.verifierPart ??= (async () => {
      const [{ TokenVerifier }, store] = await Promise.all([import('../tokens'), this.store()]);
      return new TokenVerifier({
        store,
        clock: this.clock,
        logger: this.logger,
        ...verifierSettingsOf(this.config),
      });
    })();
    return this.verifierPart;
  }

  /**
   * The drivers: those `drivers.enabled` names (plus the virtual bus when virtual tokens are
   * configured), or the ones the caller injected; the configured virtual tokens plugged in.
   */
  drivers(): DriverSet {
    if (this.driverPart) return this.driverPart;
    /* eslint-disable @typescript-eslint/no-require-imports -- loaded on first use (see the class comment) */
    const { createDrivers } = require('../../drivers') as typeof import('../../drivers');
    const virtualModule =
      require('../../drivers/virtual') as typeof import('../../drivers/virtual');
    const { virtualTokenFor } = require('./virtual-tokens') as typeof import('./virtual-tokens');
    /* eslint-enable @typescript-eslint/no-require-imports */
    const { config, logger, clock } = this;
    const drivers =
      this.options.drivers ??
      createDrivers(driverNames(config), {
        logger,
        clock,
        extraIds: config.drivers.extraUsbIds
          .map((text) => parseUsbId(text))
          .filter((id): id is UsbId => id !== undefined),
        usbExclusive: config.drivers.exclusive,
      });
    this.teardown.add('drivers', () =>
      Promise.all(drivers.map((d) => d.dispose?.())).then(() => undefined),
    );
    const virtual = drivers.find(
      (d): d is VirtualDriver => d instanceof virtualModule.VirtualDriver,
    );
    // The config holds the specs as text, already checked by the same parser. Each token keeps its
    // state in the virtual state folder, so a restarted daemon continues where the key left off.
    const virtualTokens = config.drivers.virtual.map((text) =>
      virtualTokenFor(text, config, { logger, clock }),
    );
    if (virtualTokens.length > 0 && !virtual)
      throw new Error('virtual tokens need the virtual driver');
    for (const token of virtualTokens) virtual!.attach(token);
    this.driverPart = { drivers, virtual, virtualTokens };
    return this.driverPart;
  }

  /** The device manager over drivers(), with the configured polling and exclusive capture. */
  devices(): DeviceManager {
    if (this.devicePart) return this.devicePart;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { DeviceManager } = require('../devices') as typeof import('../devices');
    const manager = new DeviceManager({
      drivers: this.drivers().drivers,
      logger: this.logger,
      clock: this.clock,
      pollIntervalMs: this.config.drivers.pollIntervalMs,
      exclusive: this.config.drivers.exclusive,
    });
    this.teardown.add('devices', () => manager.stop());
    this.devicePart = manager;
    return manager;
  }

  /**
   * Setting keys up (`keys program`, the page's Set up this token): programs a key through the
   * device manager's session, verifies its first OTP, registers it in the store. One enroller per
   * runtime, so one key is never set up twice at once.
   */
  enroller(): Promise<KeyEnroller> {
    this.enrollerPart ??= (async () => {
      const [{ KeyEnroller }, store, verifier] = await Promise.all([
        import('../enroll'),
        this.store(),
        this.verifier(),
      ]);
      return new KeyEnroller({
        devices: this.devices(),
        store,
        verifier,
        logger: this.logger,
        clock: this.clock,
        touchTimeoutMs: this.config.enroll.touchTimeoutMs,
      });
    })();
    return this.enrollerPart;
  }

  /** Pairing and sign-on, with the configured limits, over the store, verifier and devices. */
  flows(): Promise<Flows> {
    this.flowPart ??= (async () => {
      const [flowsModule, store, verifier, enroller] = await Promise.all([
        import('../flows'),
        this.store(),
        this.verifier(),
        this.enroller(),
      ]);
      const {
        Pairings,
        SignOnFlow,
        GuessBudget,
        MemoryGuardSteps,
        LookupBudget,
        pairingSetup,
        setupOfferFor,
        PAIRING_SOURCE,
      } = flowsModule;
      const { enroll } = this.config;
      const slot = enroll.slot as 1 | 2;
      const devices = this.devices();
      const { guessing } = this.config;
      // The per-user guard counts where every daemon on the registry sees them (a fleet's
      // PostgreSQL), else in this daemon's memory.
      const guardSteps =
        store.guardSteps ?? new MemoryGuardSteps((entry) => store.appendAudit(entry));
      // One guess budget for both flows: a page's wrong pairing codes and sign-ons add up.
      const guesses = new GuessBudget(
        lockoutOptions(this.config),
        guessing.perConnection,
        guardSteps,
      );
      const common = {
        store,
        verifier,
        logger: this.logger,
        clock: this.clock,
        guesses,
        ...(this.options.observer ? { observer: this.options.observer } : {}),
      };
      const pairings = new Pairings({
        ...common,
        maxTokensPerUser: this.config.users.maxTokensPerUser,
        pairingEnabled: pairingAllowed(this.config),
        suggestSerial: (user) => pluggedSerialFor(devices, store, user),
        lookups: new LookupBudget(
          guessing.lookupsPerConnection,
          guessing.lookupsPerHour,
          this.clock.now(),
        ),
        setup: {
          run: pairingSetup(
            enroller,
            { kind: enroll.kind, slot, digits: enroll.digits as 6 | 8 },
            PAIRING_SOURCE,
          ),
          slot,
          offer: () => setupOfferFor(devices, store, enroller, slot),
        },
      });
      const signOn = new SignOnFlow({ ...common, guardSteps });
      this.teardown.add('flows', () => pairings.clear());
      return { pairings, signOn };
    })();
    return this.flowPart;
  }

  /**
   * Registers each configured virtual token's credential unless its serial is in the registry
   * already (a restart keeps the counters and pairings it has): `serve --virtual hotp` pairs at once.
   */
  async provisionVirtualTokens(): Promise<string[]> {
    const { virtualTokens } = this.drivers();
    if (virtualTokens.length === 0) return [];
    return provisionVirtualTokens(
      await this.store(),
      virtualTokens.map((t) => t.spec),
      this.log,
    );
  }

  /**
   * The virtual bus listens on the configured socket for `tokenbridge emulate`. Everything else
   * works without it, so a socket that cannot be used is a warning (logged, and returned as the
   * reason), not a failure. Undefined when all is well or there is no virtual bus.
   */
  async listenForEmulators(): Promise<string | undefined> {
    const { virtual } = this.drivers();
    if (!virtual) return undefined;
    const socket = this.config.drivers.emulatorSocket;
    try {
      await virtual.listen(socket);
      this.log.info({ socket }, 'emulator bus listening');
      return undefined;
    } catch (err) {
      this.log.warn({ socket, error: messageOf(err) }, 'emulator socket not available');
      return messageOf(err);
    }
  }

  /** Closes something the caller built on top of the parts, before the parts themselves. */
  onClose(name: string, close: () => Promise<void> | void): void {
    this.teardown.add(name, close);
  }

  /** Idempotent: closes every part built, newest first, within the shutdown budget. */
  close(): Promise<void> {
    return this.teardown.run();
  }
}

/** The drivers the configuration names, plus the virtual bus when it lists virtual tokens. */
function driverNames(config: ResolvedConfig): string[] {
  const names: string[] = [...config.drivers.enabled];
  if (config.drivers.virtual.length > 0 && !names.includes('virtual')) names.push('virtual');
  return names;
}

/** The pool settings `store.*` describe, the password read from its file. */
function pgSettings(config: ResolvedConfig): PgSettings {
  const { store } = config;
  const parsed = parseConnectionString(store.url!);
  if (!parsed.ok) throw new ValidationError(`store.url: ${parsed.reason}`);
  return {
    target: parsed.target,
    password: store.passwordFile !== null ? readPasswordFile(store.passwordFile) : undefined,
    poolSize: store.poolSize,
    connectTimeoutMs: store.connectTimeoutMs,
    statementTimeoutMs: store.statementTimeoutMs,
    applicationName: `tokenbridge@${store.nodeName}`,
  };
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
