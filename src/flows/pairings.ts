import { silentLogger, systemClock, type Clock, type Logger } from '../core';
import type { TokenStore, TokenVerifier } from '../tokens';
import { pairingDisabled, pairingNotFound } from './errors';
import { newPairingId, type RandomBytes } from './ids';
import { NO_OBSERVER, type FlowObserver } from './observer';
import type { FlowOutcome } from './outcome';
import { PairingFlow, type PairingState } from './pairing-flow';
import { setupUnavailable, type PairingSetup, type SetupOffer } from './pairing-setup';

/** A pairing left alone this long is dropped (the seed's windows have no reason to sit longer). */
export const DEFAULT_PAIRING_IDLE_MS = 10 * 60_000;
/** Pairings one connection may hold at once; starting another drops its oldest. */
export const DEFAULT_PAIRINGS_PER_OWNER = 4;

export interface PairingsOptions {
  readonly store: TokenStore;
  readonly verifier: TokenVerifier;
  readonly maxTokensPerUser: number;
  /** False on a kiosk without pairing: pairing.start is refused with PAIRING_DISABLED. */
  readonly pairingEnabled: boolean;
  readonly logger?: Logger;
  readonly clock?: Clock;
  readonly observer?: FlowObserver;
  readonly idleTimeoutMs?: number;
  readonly maxPerOwner?: number;
  readonly random?: RandomBytes;
  /** A serial to pre-fill at Hardware Token Pairing (e.g. the token plugged in now). */
  readonly suggestSerial?: (user: string) => Promise<string | undefined>;
  /** Setting up blank keys from the page; without it, pairing.setup is refused. */
  readonly setup?: {
    readonly run: PairingSetup;
    readonly slot: 1 | 2;
    /** The plugged key to offer for setup at Hardware Token Pairing, if any. */
    readonly offer: () => Promise<SetupOffer | undefined>;
  };
}

/** Told of every step change, for the pairing.state event to the owning connection. */
export type PairingStateListener = (owner: string, state: PairingState) => void;

/**
 * Every pairing in progress, by id. A pairing belongs to the connection that started it (`owner`):
 * another connection naming its id gets PAIRING_NOT_FOUND, exactly as for an unknown, expired or
 * finished one. Expiry uses the injected clock and is checked on every access and by sweep().
 */
export class Pairings {
  private readonly flows = new Map<string, PairingFlow>();
  private readonly stateListeners = new Set<PairingStateListener>();
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly observer: FlowObserver;
  private readonly idleMs: number;
  private readonly perOwner: number;

  constructor(private readonly options: PairingsOptions) {
    this.clock = options.clock ?? systemClock;
    this.logger = (options.logger ?? silentLogger()).child({ module: 'pairing' });
    this.observer = options.observer ?? NO_OBSERVER;
    this.idleMs = options.idleTimeoutMs ?? DEFAULT_PAIRING_IDLE_MS;
    this.perOwner = options.maxPerOwner ?? DEFAULT_PAIRINGS_PER_OWNER;
  }

  /** Subscribes to step changes; returns the unsubscriber. */
  onState(listener: PairingStateListener): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  get size(): number {
    return this.flows.size;
  }

  /** Registration -> Start: a new pairing at Add a New Device (choose-device). */
  async start(owner: string, user: string): Promise<PairingState> {
    if (!this.options.pairingEnabled) throw pairingDisabled();
    this.sweep();
    const mine = [...this.flows.values()].filter((f) => f.owner === owner);
    for (const old of mine.slice(0, Math.max(0, mine.length - this.perOwner + 1)))
      this.drop(old, 'replaced');
    const flow = new PairingFlow(newPairingId(this.options.random), user, owner, {
      store: this.options.store,
      verifier: this.options.verifier,
      clock: this.clock,
      logger: this.logger,
      observer: this.observer,
      maxTokensPerUser: this.options.maxTokensPerUser,
      ...(this.options.random ? { random: this.options.random } : {}),
      onState: (f) => this.changed(f),
    });
    await flow.audit({ step: flow.step });
    this.flows.set(flow.id, flow);
    this.logger.info({ pairing: flow.id.slice(0, 6), user }, 'pairing started');
    this.changed(flow);
    return flow.state;
  }

  async chooseHardwareToken(owner: string, id: string): Promise<PairingState> {
    const flow = this.find(owner, id);
    const suggested = await this.options.suggestSerial?.(flow.user);
    const offer = await this.options.setup?.offer();
    return flow.chooseHardwareToken(suggested, offer);
  }

  /** Set up this token: see PairingFlow.setup. */
  async setup(owner: string, id: string, deviceId: string): Promise<PairingState> {
    const flow = this.find(owner, id);
    const setup = this.options.setup;
    if (!setup) throw setupUnavailable();
    return flow.setup(deviceId, setup.run, setup.slot);
  }

  /** Whether blank keys can be set up here. */
  get setupAvailable(): boolean {
    return this.options.pairingEnabled && this.options.setup !== undefined;
  }

  async serial(owner: string, id: string, serial: string): Promise<PairingState> {
    return this.find(owner, id).serial(serial);
  }

  async verify(owner: string, id: string, passcode: string): Promise<FlowOutcome> {
    return this.finishing(this.find(owner, id), (f) => f.verify(passcode));
  }

  async sync(owner: string, id: string, passcode: string): Promise<FlowOutcome> {
    return this.finishing(this.find(owner, id), (f) => f.sync(passcode));
  }

  async tap(owner: string, id: string, passcode: string): Promise<FlowOutcome> {
    return this.finishing(this.find(owner, id), (f) => f.tap(passcode));
  }

  /** False when there was no such pairing for this owner (already ended or never there). */
  cancel(owner: string, id: string): boolean {
    const flow = this.flows.get(id);
    if (!flow || flow.owner !== owner || this.expired(flow)) {
      if (flow && flow.owner === owner) this.drop(flow, 'expired');
      return false;
    }
    this.drop(flow, 'cancelled');
    return true;
  }

  /** The connection closed: its pairings go with it. Returns how many. */
  dropOwner(owner: string): number {
    let n = 0;
    for (const flow of [...this.flows.values()])
      if (flow.owner === owner) {
        this.drop(flow, 'connection closed');
        n++;
      }
    return n;
  }

  /** Drops every pairing idle past the timeout; returns how many. */
  sweep(): number {
    let n = 0;
    for (const flow of [...this.flows.values()])
      if (this.expired(flow)) {
        this.drop(flow, 'expired');
        n++;
      }
    return n;
  }

  /** Drops everything (daemon shutdown). */
  clear(): void {
    for (const flow of [...this.flows.values()]) this.drop(flow, 'closing');
  }

  private find(owner: string, id: string): PairingFlow {
    const flow = this.flows.get(id);
    if (!flow || flow.owner !== owner) throw pairingNotFound();
    if (this.expired(flow)) {
      this.drop(flow, 'expired');
      throw pairingNotFound();
    }
    return flow;
  }

  /** A pairing that reaches done has nothing left to do: it leaves the table. */
  private async finishing(
    flow: PairingFlow,
    work: (f: PairingFlow) => Promise<FlowOutcome>,
  ): Promise<FlowOutcome> {
    const outcome = await work(flow);
    if (flow.step === 'done' && this.flows.get(flow.id) === flow) this.flows.delete(flow.id);
    return outcome;
  }

  private expired(flow: PairingFlow): boolean {
    return this.clock.now() - flow.lastActive >= this.idleMs;
  }

  private drop(flow: PairingFlow, why: string): void {
    flow.end();
    this.flows.delete(flow.id);
    this.logger.info({ pairing: flow.id.slice(0, 6), user: flow.user, why }, 'pairing dropped');
    // Ending a pairing must not wait on (or fail with) the audit write; a failed write is logged.
    flow
      .audit({ ended: why })
      .catch((err: unknown) =>
        this.logger.warn(
          { error: err instanceof Error ? err.message : String(err) },
          'audit failed',
        ),
      );
  }

  private changed(flow: PairingFlow): void {
    for (const listener of this.stateListeners) listener(flow.owner, flow.state);
  }
}
