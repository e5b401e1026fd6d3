import { parsePasscode, ValidationError, verifiedPart, type Clock, type Logger } from '../core';
import {
  justLocked,
  refusalOf,
  type TokenOutcome,
  type TokenRecord,
  type TokenStore,
  type TokenVerifier,
} from '../tokens';
import type { EnrollStep } from '../enroll';
import { tokenNotFound, tokenPaired, tooManyTokens, wrongStep } from './errors';
import { newSessionToken, type RandomBytes } from './ids';
import type { FlowObserver } from './observer';
import { refusalOutcome, type FlowOutcome } from './outcome';
import { notOffered, setupFailure, type PairingSetup, type SetupOffer } from './pairing-setup';

/** The audit source of everything a pairing does. */
export const PAIRING_SOURCE = 'ws:pairing';

/** The windows of the seed flow: Registration (start) ... green check (done). */
export type PairingStep =
  'start' | 'choose-device' | 'serial' | 'setup' | 'verification' | 'final-step' | 'done';

/** Where a pairing stands: a request's reply and the pairing.state event. */
export interface PairingState {
  readonly pairingId: string;
  readonly step: PairingStep;
  readonly serial?: string;
  /** At Hardware Token Pairing: a plugged key the registry does not know. */
  readonly setupOffer?: SetupOffer;
  /** While setting a key up: what is happening (`touch`: the person touches it now). */
  readonly setupStep?: EnrollStep;
}

export interface PairingFlowDeps {
  readonly store: TokenStore;
  readonly verifier: TokenVerifier;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly observer: FlowObserver;
  readonly maxTokensPerUser: number;
  readonly random?: RandomBytes;
  /** Called after every step change. */
  readonly onState: (flow: PairingFlow) => void;
}

/**
 * One pairing, as the seed's windows run: Add a New Device (choose-device) -> Hardware Token Pairing
 * (serial) -> Verification -> Final Step when the token has drifted -> done. A Yubico OTP token
 * pairs by a tap instead of a typed serial. Requests run one at a time, in arrival order, so two
 * quick clicks cannot both act on the same step.
 */
export class PairingFlow {
  /** Clock time of the last request; the owner expires the pairing after an idle timeout. */
  lastActive: number;
  private current: PairingStep = 'choose-device';
  private chosen: string | undefined;
  /** The Verification code the token gave ahead of its window, kept for Sync; memory only. */
  private first: string | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private offer: SetupOffer | undefined;
  private setupStep: EnrollStep | undefined;
  /** Aborts a setup in progress when the pairing ends (cancel, expiry, a closed connection). */
  private setupAbort: AbortController | undefined;

  constructor(
    readonly id: string,
    readonly user: string,
    readonly owner: string,
    private readonly deps: PairingFlowDeps,
  ) {
    this.lastActive = deps.clock.now();
  }

  get step(): PairingStep {
    return this.current;
  }

  get state(): PairingState {
    return {
      pairingId: this.id,
      step: this.current,
      ...(this.chosen !== undefined ? { serial: this.chosen } : {}),
      ...(this.current === 'serial' && this.offer ? { setupOffer: this.offer } : {}),
      ...(this.current === 'setup' && this.setupStep ? { setupStep: this.setupStep } : {}),
    };
  }

  /**
   * Add a New Device -> Hardware Token; `suggested` pre-fills the serial from a plugged token, and
   * `offer` names a plugged key that is not registered, which the page may offer to set up.
   */
  chooseHardwareToken(suggested: string | undefined, offer?: SetupOffer): Promise<PairingState> {
    return this.run(async () => {
      this.expect('pairing.chooseHardwareToken', ['choose-device', 'serial']);
      if (this.chosen === undefined && suggested !== undefined) this.chosen = suggested;
      this.offer = offer;
      await this.moveTo('serial');
      return this.state;
    });
  }

  /**
   * Hardware Token Pairing -> Set up this token: the offered key gets a fresh credential (the
   * person touches it when asked), is registered, and the pairing goes on at Verification with it.
   * A setup that fails goes back to Hardware Token Pairing, with the key and the registry as the
   * error says.
   */
  setup(deviceId: string, setup: PairingSetup, slot: 1 | 2): Promise<PairingState> {
    return this.run(async () => {
      this.expect('pairing.setup', ['serial']);
      const offer = this.offer;
      if (offer === undefined || offer.deviceId !== deviceId) throw notOffered();
      await this.underLimit();
      const abort = new AbortController();
      this.setupAbort = abort;
      this.chosen = offer.serial;
      await this.moveTo('setup');
      try {
        const outcome = await setup.run(deviceId, this.user, abort.signal, (step) => {
          this.setupStep = step;
          this.deps.onState(this);
        });
        this.setupStep = undefined;
        if (outcome.result === 'enrolled') {
          this.offer = undefined;
          await this.moveTo('verification');
          return this.state;
        }
        this.chosen = undefined;
        if (!abort.signal.aborted) await this.moveTo('serial');
        throw setupFailure(outcome, slot);
      } finally {
        this.setupStep = undefined;
        this.setupAbort = undefined;
      }
    });
  }

  /** Hardware Token Pairing -> Next: the serial must be registered, free, and within the limit. */
  serial(serial: string): Promise<PairingState> {
    return this.run(async () => {
      this.expect('pairing.serial', ['serial', 'verification']);
      await this.pairable(await this.deps.store.get(serial), serial);
      this.chosen = serial;
      await this.moveTo('verification');
      return this.state;
    });
  }

  /** Verification -> Verify. A code ahead of the window asks for the next one (Final Step). */
  verify(passcode: string): Promise<FlowOutcome> {
    return this.run(async () => {
      this.expect('pairing.verify', ['verification']);
      const serial = this.chosen!;
      await this.pairable(await this.deps.store.get(serial), serial);
      const otp = verifiedPart(passcode);
      const outcome = await this.deps.verifier.verify(serial, otp, { source: PAIRING_SOURCE });
      if (outcome.status === 'needs-next-passcode') {
        this.first = otp;
        await this.moveTo('final-step');
        return this.report({ result: 'needs-next-passcode' }, outcome);
      }
      return this.settle(serial, outcome);
    });
  }

  /** Final Step -> Sync: the first code and this one must be consecutive; then the token pairs. */
  sync(passcode: string): Promise<FlowOutcome> {
    return this.run(async () => {
      this.expect('pairing.sync', ['final-step']);
      const serial = this.chosen!;
      await this.pairable(await this.deps.store.get(serial), serial);
      const first = this.first!;
      this.first = undefined;
      const outcome = await this.deps.verifier.resync(serial, first, verifiedPart(passcode), {
        source: PAIRING_SOURCE,
      });
      // Not consecutive (or locked): start the verification again with a fresh code; the first
      // code is never accepted on its own.
      if (outcome.status !== 'accepted' && outcome.status !== 'not-found')
        await this.moveTo('verification');
      return this.settle(serial, outcome);
    });
  }

  /** A press of a Yubico OTP token whose public id is registered: pairs without a typed serial. */
  tap(passcode: string): Promise<FlowOutcome> {
    return this.run(async () => {
      this.expect('pairing.tap', ['choose-device', 'serial']);
      const parsed = parsePasscode(passcode);
      if (parsed?.format !== 'yubico')
        throw new ValidationError('passcode: a tap pairs by a Yubico OTP (modhex), not digits');
      const record = await this.deps.store.findByPublicId(parsed.publicId);
      if (record === null) throw tokenNotFound(`with public id ${parsed.publicId || '(none)'}`);
      await this.pairable(record, record.serial);
      const outcome = await this.deps.verifier.verify(record.serial, parsed.otp, {
        source: PAIRING_SOURCE,
      });
      return this.settle(record.serial, outcome);
    });
  }

  /** Forgets the remembered code and stops a setup (on cancel, expiry or a closed connection). */
  end(): void {
    this.first = undefined;
    this.setupAbort?.abort();
  }

  private async settle(serial: string, outcome: TokenOutcome): Promise<FlowOutcome> {
    const now = this.deps.clock.now();
    switch (outcome.status) {
      case 'accepted': {
        await this.deps.store.pair(serial, this.user, { source: PAIRING_SOURCE, user: this.user });
        this.chosen = serial;
        await this.moveTo('done');
        const sessionToken = newSessionToken(this.deps.random);
        return this.report({ result: 'accepted', serial, sessionToken }, outcome);
      }
      case 'not-found':
        throw tokenNotFound(serial);
      case 'needs-next-passcode':
        // Only a plain verification may lead to the Final Step; elsewhere it is a code out of reach.
        return this.report(
          refusalOutcome({
            status: 'rejected',
            reason: 'out-of-window',
            attemptsLeft: await this.left(serial),
          }),
          outcome,
        );
      default:
        return this.report(refusalOutcome(refusalOf(outcome, now)), outcome);
    }
  }

  private async left(serial: string): Promise<number> {
    const record = await this.deps.store.get(serial);
    return Math.max(0, this.deps.verifier.policy.maxFailures - (record?.failCount ?? 0));
  }

  private report(result: FlowOutcome, outcome: TokenOutcome): FlowOutcome {
    this.deps.observer.verification('pairing', result.result);
    if (justLocked(outcome)) this.deps.observer.lockout();
    return result;
  }

  /** Registered, not someone else's, and the user is under the limit (unless it is theirs already). */
  private async pairable(record: TokenRecord | null, serial: string): Promise<void> {
    if (record === null) throw tokenNotFound(serial);
    if (record.user === this.user) return;
    if (record.user !== null) throw tokenPaired(serial);
    await this.underLimit();
  }

  private async underLimit(): Promise<void> {
    const owned = await this.deps.store.tokensOf(this.user);
    if (owned.length >= this.deps.maxTokensPerUser)
      throw tooManyTokens(this.user, this.deps.maxTokensPerUser);
  }

  private expect(request: string, steps: readonly PairingStep[]): void {
    if (!steps.includes(this.current)) throw wrongStep(request, this.current);
  }

  private async moveTo(step: PairingStep): Promise<void> {
    this.current = step;
    this.deps.logger.info(
      { pairing: this.id.slice(0, 6), user: this.user, step, serial: this.chosen },
      'pairing step',
    );
    await this.audit({ step });
    this.deps.onState(this);
  }

  /** One audit row per transition: the step or why the pairing ended; never a passcode. */
  audit(detail: { step?: PairingStep; ended?: string }): Promise<void> {
    return this.deps.store.appendAudit({
      event: 'pairing',
      serial: this.chosen ?? null,
      user: this.user,
      source: PAIRING_SOURCE,
      detail: { pairing: this.id.slice(0, 6), ...detail },
    });
  }

  private run<T>(work: () => Promise<T>): Promise<T> {
    this.lastActive = this.deps.clock.now();
    const next = this.queue.then(work);
    this.queue = next.catch(() => undefined);
    return next;
  }
}
