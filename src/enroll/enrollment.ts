import {
  ErrorCode,
  NO_ACCESS_CODE,
  silentLogger,
  systemClock,
  type Clock,
  type Logger,
} from '../core';
import type { DeviceEvent, DeviceManager } from '../devices';
import type { TokenRecord, TokenStore, TokenVerifier } from '../tokens';
import { OtpSlotSession, type SlotNumber } from '../yubikey';
import { auditProgramming } from './audit';
import {
  CHALLENGE_BYTES,
  cryptoRandom,
  firstOtpMatches,
  hmacMatches,
  newMaterial,
  recordOf,
  type Material,
  type RandomBytes,
} from './credentials';
import { nextOtpOf } from './first-otp';
import { describeSlot, preflight } from './preflight';
import type { EnrollListener, EnrollOutcome, EnrollRequest, EnrollStep, KeyAfter } from './types';

/** How long a person has to touch the key for its first OTP (the page says so). */
export const DEFAULT_TOUCH_TIMEOUT_MS = 60_000;

export interface KeyEnrollerOptions {
  readonly devices: DeviceManager;
  readonly store: TokenStore;
  readonly verifier: TokenVerifier;
  readonly logger?: Logger;
  /** Times the wait for the touch (the system clock by default). */
  readonly clock?: Clock;
  /** Seeds come from here: crypto.randomBytes by default. */
  readonly random?: RandomBytes;
  readonly touchTimeoutMs?: number;
}

/** What the key and the registry are at while an enrollment runs, to undo what must be undone. */
interface Progress {
  readonly device: DeviceEvent;
  readonly serial: number;
  readonly slots: OtpSlotSession;
  readonly slotWasConfigured: boolean;
  readonly material: Material;
  written: boolean;
  committed: boolean;
}

/**
 * Sets a key up in one operation: a fresh credential is written to a slot (confirmed by the
 * programming sequence), the key's first OTP is read back (or a challenge answered) and verified,
 * and only then is the registry record committed. When a step fails, the slot is put back (deleted
 * again) and the record, if already there, removed, and the outcome says exactly what the key and
 * the registry hold. The seed never leaves this object except to `exportCredential`, and is never
 * logged. One module for the CLI and the daemon: both hand it the runtime's parts.
 */
export class KeyEnroller {
  private readonly log: Logger;
  private readonly random: RandomBytes;
  private readonly touchTimeoutMs: number;
  private readonly busy = new Set<string>();

  constructor(private readonly options: KeyEnrollerOptions) {
    this.log = (options.logger ?? silentLogger()).child({ module: 'enroll' });
    this.random = options.random ?? cryptoRandom;
    this.touchTimeoutMs = options.touchTimeoutMs ?? DEFAULT_TOUCH_TIMEOUT_MS;
  }

  /** True while an enrollment of this device runs. */
  enrolling(deviceId: string): boolean {
    return this.busy.has(deviceId);
  }

  async enroll(request: EnrollRequest, onStep: EnrollListener = () => {}): Promise<EnrollOutcome> {
    if (this.busy.has(request.deviceId)) {
      return refused(ErrorCode.DEVICE_BUSY, 'this key is being set up already');
    }
    this.busy.add(request.deviceId);
    try {
      return await this.run(request, onStep);
    } finally {
      this.busy.delete(request.deviceId);
    }
  }

  private async run(request: EnrollRequest, onStep: EnrollListener): Promise<EnrollOutcome> {
    const { devices, store } = this.options;
    const checked = await preflight(devices, store, request);
    if (checked.result === 'refused') return checked;
    const { device, serial, slots, slotWasConfigured } = checked;
    const progress: Progress = {
      device,
      serial,
      slots,
      slotWasConfigured,
      material: newMaterial(request, serial, this.random),
      written: false,
      committed: false,
    };
    const step = (s: EnrollStep) => {
      this.log.info({ device: device.id, serial, slot: request.slot, step: s }, 'setting up a key');
      onStep(s);
    };

    step('programming');
    // A blank slot has no access code yet; a configured one is unlocked with the one given.
    const write = await slots.putConfiguration(
      request.slot,
      progress.material.config,
      slotWasConfigured ? (request.accessCode ?? NO_ACCESS_CODE) : NO_ACCESS_CODE,
    );
    if (!write.accepted) {
      await this.audit(request, progress, `rejected: ${write.reason}`);
      return {
        result: 'failed',
        step: 'programming',
        message: `the key did not take the configuration: ${write.message}`,
        key: write.keyState === 'unchanged' ? 'unchanged' : 'unknown',
        registry: 'unchanged',
      };
    }
    progress.written = true;
    await this.audit(request, progress, 'written');

    try {
      return await this.readBackAndRegister(request, progress, step);
    } catch (err) {
      const failedAt = err instanceof StepFailure ? err.step : 'registering';
      return this.undo(request, progress, failedAt, messageOf(err), step);
    }
  }

  private async readBackAndRegister(
    request: EnrollRequest,
    progress: Progress,
    step: (s: EnrollStep) => void,
  ): Promise<EnrollOutcome> {
    const { credential } = progress.material;
    if (credential.kind === 'chalresp') {
      step('touch');
      const challenge = this.random(CHALLENGE_BYTES);
      const response = await progress.slots
        .calculateHmacSha1(request.slot, challenge, { signal: request.signal })
        .catch(stepError('touch'));
      step('verifying');
      if (!hmacMatches(credential.secret, challenge, response))
        throw stepFailure('verifying', "the key's answer to a challenge is not the new secret's");
      await this.exportIfAsked(request, progress, step);
      await this.audit(request, progress, 'enrolled');
      return enrolled(progress, request.slot, null, 'challenge-response');
    }

    // Listening before asking: a quick touch must not type into nothing.
    const firstOtp = nextOtpOf(
      this.options.devices,
      progress.device.id,
      this.options.clock ?? systemClock,
      {
        timeoutMs: this.touchTimeoutMs,
        ...(request.signal ? { signal: request.signal } : {}),
      },
    );
    step('touch');
    const first = await firstOtp.catch(stepError('touch'));
    step('verifying');
    if (!firstOtpMatches(credential, first, request.tokenId))
      throw stepFailure('verifying', 'the first OTP the key typed is not the new credential’s');
    await this.exportIfAsked(request, progress, step);

    step('registering');
    const record = recordOf(credential, `key setup of ${credential.serial}`)!;
    // Without --force the serial was not registered a moment ago; one registered since (another
    // admin's import) is not overwritten: the import fails and the slot is put back.
    try {
      const session = await this.options.store.beginImport({
        replace: request.force,
        dryRun: false,
        source: request.source,
      });
      try {
        await session.add(record);
        await session.commit();
      } catch (err) {
        await session.rollback();
        throw err;
      }
    } catch (err) {
      throw stepFailure('registering', `the registry did not take the record: ${messageOf(err)}`);
    }
    progress.committed = true;
    // The first OTP was typed into whatever had the focus too: use it up, so it never signs on.
    const used = await this.options.verifier.verify(credential.serial, first.otp, {
      source: request.source,
    });
    if (used.status !== 'accepted')
      throw stepFailure(
        'registering',
        `the registry did not accept the first OTP (${used.status})`,
      );
    await this.audit(request, progress, 'enrolled');
    const stored = await this.options.store.get(credential.serial);
    return enrolled(progress, request.slot, stored, 'first-otp');
  }

  private async exportIfAsked(
    request: EnrollRequest,
    progress: Progress,
    step: (s: EnrollStep) => void,
  ): Promise<void> {
    if (!request.exportCredential) return;
    step('exporting');
    const credential = { ...progress.material.credential, counter: 1 };
    await request
      .exportCredential(credential)
      .catch(stepError('exporting', 'the seed could not be exported'));
  }

  /** Puts the slot back and removes a committed record; says what the key and registry hold. */
  private async undo(
    request: EnrollRequest,
    progress: Progress,
    failedAt: EnrollStep,
    why: string,
    step: (s: EnrollStep) => void,
  ): Promise<EnrollOutcome> {
    step('restoring');
    const serial = String(progress.serial);
    let registry: 'unchanged' | 'record-removed' = 'unchanged';
    let registryNote = '';
    if (progress.committed) {
      const removed = await this.options.store
        .delete(serial, { source: request.source, user: request.user ?? null })
        .then(
          () => true,
          () => false,
        );
      registry = 'record-removed';
      if (!removed)
        registryNote = `; token ${serial} could not be removed from the registry: delete it with \`tokenbridge tokens delete ${serial}\``;
    }
    let key: KeyAfter;
    const deleted = await progress.slots
      .deleteSlot(request.slot, request.accessCode ?? NO_ACCESS_CODE)
      .catch(() => undefined);
    if (deleted?.accepted) key = progress.slotWasConfigured ? 'cleared' : 'restored';
    else key = 'programmed-unregistered';
    await this.audit(request, progress, `failed at ${failedAt}: key ${key}`);
    return {
      result: 'failed',
      step: failedAt,
      message: `${why}; ${keyText(key, request.slot)}${registryNote}`,
      key,
      registry,
    };
  }

  /**
   * An audit row that cannot be written (the registry is locked or gone) is logged instead: it must
   * not stop the slot from being put back.
   */
  private async audit(request: EnrollRequest, progress: Progress, outcome: string): Promise<void> {
    await auditProgramming(this.options.store, {
      serial: String(progress.serial),
      user: request.user ?? null,
      source: request.source,
      device: progress.device.id,
      slot: request.slot,
      kind: request.kind,
      outcome,
      previously: describeSlot(progress.slotWasConfigured),
    }).catch((err: unknown) =>
      this.log.warn(
        { device: progress.device.id, slot: request.slot, outcome, error: messageOf(err) },
        'programming audit not written',
      ),
    );
  }
}

/** What the key holds, in words, after an undo. */
export function keyText(key: KeyAfter, slot: SlotNumber): string {
  switch (key) {
    case 'unchanged':
      return `slot ${slot} is unchanged`;
    case 'restored':
      return `slot ${slot} was deleted again and is empty, as before`;
    case 'cleared':
      return `slot ${slot} is now empty (what it held before was overwritten with --force)`;
    case 'programmed-unregistered':
      return `slot ${slot} still holds the new credential, which is in no registry: delete it with \`tokenbridge keys delete --slot ${slot}\``;
    case 'unknown':
      return `what slot ${slot} holds is unknown: check with \`tokenbridge keys info\``;
  }
}

class StepFailure extends Error {
  constructor(
    readonly step: EnrollStep,
    message: string,
  ) {
    super(message);
  }
}

function stepFailure(step: EnrollStep, message: string): StepFailure {
  return new StepFailure(step, message);
}

function stepError(step: EnrollStep, prefix?: string): (err: unknown) => never {
  return (err) => {
    const message = messageOf(err);
    throw new StepFailure(step, prefix ? `${prefix}: ${message}` : message);
  };
}

function enrolled(
  progress: Progress,
  slot: SlotNumber,
  record: TokenRecord | null,
  checkedBy: 'first-otp' | 'challenge-response',
): EnrollOutcome {
  return {
    result: 'enrolled',
    serial: String(progress.serial),
    slot,
    kind: progress.material.credential.kind,
    record,
    checkedBy,
  };
}

function refused(code: ErrorCode, message: string): EnrollOutcome {
  return { result: 'refused', code, message };
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
