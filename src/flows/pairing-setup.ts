import { ErrorCode } from '../core';
import type { DeviceManager } from '../devices';
import {
  keyText,
  type EnrollKind,
  type EnrollOutcome,
  type EnrollStep,
  type KeyEnroller,
} from '../enroll';
import type { TokenStore } from '../tokens';
import { FlowError } from './errors';

/** A plugged key the registry does not know, offered at Hardware Token Pairing. */
export interface SetupOffer {
  readonly deviceId: string;
  readonly serial: string;
  /** The slot the setup writes (the page says how to touch it). */
  readonly slot: 1 | 2;
}

/** What "Set up this token" writes: the configuration's `enroll.*`. */
export interface SetupPlan {
  readonly kind: Exclude<EnrollKind, 'chalresp'>;
  readonly slot: 1 | 2;
  readonly digits: 6 | 8;
}

/** How a pairing sets a key up: the runtime's enroller with the configured plan. */
export interface PairingSetup {
  run(
    deviceId: string,
    user: string,
    signal: AbortSignal,
    onStep: (step: EnrollStep) => void,
  ): Promise<EnrollOutcome>;
}

export function pairingSetup(enroller: KeyEnroller, plan: SetupPlan, source: string): PairingSetup {
  return {
    run: (deviceId, user, signal, onStep) =>
      enroller.enroll(
        {
          deviceId,
          kind: plan.kind,
          slot: plan.slot,
          digits: plan.digits,
          tokenId: false,
          // The page never overwrites: a key with something in the slot is refused.
          force: false,
          source,
          user,
          signal,
        },
        onStep,
      ),
  };
}

/**
 * The key to offer: the most recently plugged one that names a serial the registry does not have,
 * and that is not being set up already.
 */
export async function setupOfferFor(
  devices: DeviceManager,
  store: TokenStore,
  enroller: KeyEnroller,
  slot: 1 | 2,
): Promise<SetupOffer | undefined> {
  const plugged = devices
    .devices()
    .filter((d) => d.serial !== undefined && !enroller.enrolling(d.id))
    .sort((a, b) => b.time - a.time);
  for (const device of plugged) {
    if ((await store.get(String(device.serial))) === null)
      return { deviceId: device.id, serial: String(device.serial), slot };
  }
  return undefined;
}

const STEP_WORDS: Readonly<Record<EnrollStep, string>> = {
  programming: 'the token did not take the new configuration',
  touch: 'the token was not touched in time, or it was unplugged',
  verifying: 'the token did not type the passcode it was given',
  exporting: 'the new seed could not be exported',
  registering: 'the token could not be registered',
  restoring: 'the token could not be put back',
};

/** A setup that did not end with the token registered, as the page is told it. */
export function setupFailure(
  outcome: Exclude<EnrollOutcome, { result: 'enrolled' }>,
  slot: 1 | 2,
): FlowError {
  if (outcome.result === 'refused') {
    const code =
      outcome.code === ErrorCode.SLOT_CONFIGURED
        ? ErrorCode.SLOT_CONFIGURED
        : ErrorCode.ENROLL_FAILED;
    return new FlowError(code, `the token was not set up: ${outcome.message}`);
  }
  // The step and the key's state, not the cause: that may name a file (it is in the daemon's log).
  return new FlowError(
    ErrorCode.ENROLL_FAILED,
    `${STEP_WORDS[outcome.step]}; ${keyText(outcome.key, slot)}; nothing was registered`,
  );
}

export function setupUnavailable(): FlowError {
  return new FlowError(
    ErrorCode.ENROLL_FAILED,
    'setting up tokens is not available on this daemon',
  );
}

export function notOffered(): FlowError {
  return new FlowError(
    ErrorCode.ENROLL_FAILED,
    'that token was not offered for setup: plug it in, then select Hardware Token again',
  );
}
