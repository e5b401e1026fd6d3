import {
  configWritePayload,
  DeviceError,
  ErrorCode,
  HMAC_CHALLENGE_SIZE,
  HMAC_RESPONSE_SIZE,
  NO_ACCESS_CODE,
  ProtocolError,
  SLOT_CHAL_HMAC1,
  SLOT_CHAL_HMAC2,
  SLOT_CHAL_OTP1,
  SLOT_CHAL_OTP2,
  SLOT_CONFIG,
  SLOT_CONFIG2,
  SLOT_SWAP,
  SLOT_UPDATE1,
  SLOT_UPDATE2,
  ValidationError,
  YUBICO_CHALLENGE_SIZE,
  YUBICO_RESPONSE_SIZE,
} from '../core';
import { deleteSlotConfig } from './slot-configs';
import {
  formatVersion,
  programmingSequenceAdvanced,
  type FirmwareVersion,
  type OtpStatus,
} from './status';
import type { YubiOtpSession } from './yubiotp-session';

export type SlotNumber = 1 | 2;

/** What the status report says about one slot. */
export interface SlotSummary {
  /** Undefined on firmware before 2.1, whose status does not say. */
  readonly configured: boolean | undefined;
  /** Triggered by touch (a keyboard mode), not challenge-response; undefined before firmware 3.0. */
  readonly touchTriggered: boolean | undefined;
}

export interface SlotsState {
  readonly version: FirmwareVersion;
  readonly programmingSequence: number;
  readonly slots: readonly [SlotSummary, SlotSummary];
}

/**
 * Why a configuration write did not take. The key itself only leaves its programming sequence
 * where it was; the reason is read from what the status said before the write.
 */
export type WriteRejection =
  /** The slot holds a configuration and the current access code given does not match it. */
  | 'access-code'
  /** Slot 2 is write-protected by slot 1's configuration (TKTFLAG_PROTECT_CFG2). */
  | 'protected'
  /** An update of a slot that does not allow updates (or whose access code did not match). */
  | 'no-update'
  /** Nothing to update or swap: the slot is empty. */
  | 'empty'
  /** The key stayed busy and never confirmed. */
  | 'busy'
  /** The key went away during the write. */
  | 'gone'
  /** Refused for a reason the key does not tell (a locked configuration, an unsupported mode). */
  | 'rejected';

export type ConfigWriteResult =
  | { readonly accepted: true; readonly status: OtpStatus }
  | {
      readonly accepted: false;
      readonly reason: WriteRejection;
      readonly message: string;
      /**
       * unchanged: certain (the key ran nothing, or its sequence did not move). unknown: the frame
       * reached the key and then it went away or never answered; re-read the status to know.
       */
      readonly keyState: 'unchanged' | 'unknown';
    };

export interface ChallengeOptions {
  readonly signal?: AbortSignal;
  /** The key waits for a touch (a slot with CHAL_BTN_TRIG): tell the person. */
  readonly onTouch?: (secondsLeft: number) => void;
}

/**
 * The configuration and challenge-response commands of the OTP application (reference A3), over
 * a device's YubiOtpSession: writes are confirmed by the programming sequence, and a write that did
 * not take is a value that says why and whether the key changed.
 */
export class OtpSlotSession {
  constructor(readonly session: YubiOtpSession) {}

  async state(options: { signal?: AbortSignal } = {}): Promise<SlotsState> {
    return slotsStateOf(await this.session.readStatus(options));
  }

  /** SLOT_CONFIG / SLOT_CONFIG2: a new configuration (52 bytes) replaces the slot's. */
  putConfiguration(
    slot: SlotNumber,
    config: Uint8Array,
    currentAccessCode: Uint8Array = NO_ACCESS_CODE,
  ): Promise<ConfigWriteResult> {
    const command = slot === 1 ? SLOT_CONFIG : SLOT_CONFIG2;
    return this.write(command, configWritePayload(config, currentAccessCode), slot, 'config');
  }

  /** SLOT_UPDATE1 / SLOT_UPDATE2: the updatable flags and the access code; the secret stays. */
  updateConfiguration(
    slot: SlotNumber,
    config: Uint8Array,
    currentAccessCode: Uint8Array = NO_ACCESS_CODE,
  ): Promise<ConfigWriteResult> {
    const command = slot === 1 ? SLOT_UPDATE1 : SLOT_UPDATE2;
    return this.write(command, configWritePayload(config, currentAccessCode), slot, 'update');
  }

  /** An all-zero configuration deletes the slot. */
  deleteSlot(
    slot: SlotNumber,
    currentAccessCode: Uint8Array = NO_ACCESS_CODE,
  ): Promise<ConfigWriteResult> {
    const command = slot === 1 ? SLOT_CONFIG : SLOT_CONFIG2;
    return this.write(
      command,
      configWritePayload(deleteSlotConfig(), currentAccessCode),
      slot,
      'delete',
    );
  }

  /** SLOT_SWAP: slot 1 and slot 2 trade configurations. The payload is an (empty) access code. */
  swapSlots(currentAccessCode: Uint8Array = NO_ACCESS_CODE): Promise<ConfigWriteResult> {
    return this.write(SLOT_SWAP, currentAccessCode, 1, 'swap');
  }

  /**
   * HMAC-SHA1 of `challenge` (0..64 bytes) under the slot's key. A short challenge is padded with a
   * byte unlike its last one (0x01 after a 0x00, else 0x00), which a slot with HMAC_LT64 strips.
   */
  async calculateHmacSha1(
    slot: SlotNumber,
    challenge: Uint8Array,
    options: ChallengeOptions = {},
  ): Promise<Uint8Array> {
    if (challenge.length > HMAC_CHALLENGE_SIZE) {
      throw new ValidationError(
        `challenge: at most ${HMAC_CHALLENGE_SIZE} bytes, got ${challenge.length}`,
      );
    }
    const padded = new Uint8Array(HMAC_CHALLENGE_SIZE).fill(
      challenge[challenge.length - 1] === 0 ? 1 : 0,
    );
    padded.set(challenge);
    const response = await this.session.protocol.sendAndReceive(
      slot === 1 ? SLOT_CHAL_HMAC1 : SLOT_CHAL_HMAC2,
      padded,
      { dataLength: HMAC_RESPONSE_SIZE, ...options },
    );
    return dataOf(response, 'HMAC-SHA1 challenge');
  }

  /** Yubico OTP challenge-response: a 6-byte challenge, one encrypted 16-byte ticket back. */
  async challengeYubicoOtp(
    slot: SlotNumber,
    challenge: Uint8Array,
    options: ChallengeOptions = {},
  ): Promise<Uint8Array> {
    if (challenge.length !== YUBICO_CHALLENGE_SIZE) {
      throw new ValidationError(
        `challenge: expected ${YUBICO_CHALLENGE_SIZE} bytes, got ${challenge.length}`,
      );
    }
    const response = await this.session.protocol.sendAndReceive(
      slot === 1 ? SLOT_CHAL_OTP1 : SLOT_CHAL_OTP2,
      challenge,
      { dataLength: YUBICO_RESPONSE_SIZE, ...options },
    );
    return dataOf(response, 'Yubico OTP challenge');
  }

  private async write(
    command: number,
    payload: Uint8Array,
    slot: SlotNumber,
    what: WriteKind,
  ): Promise<ConfigWriteResult> {
    const before = await this.session.readStatus();
    let frameSent = false;
    try {
      const response = await this.session.protocol.sendAndReceive(command, payload, {
        onFrameSent: () => (frameSent = true),
        secretPayload: true,
      });
      if (response.kind === 'status') return { accepted: true, status: response.status };
      return refused('rejected', 'the key answered with data, not a new configuration', 'unknown');
    } catch (err) {
      if (err instanceof ProtocolError && err.code === ErrorCode.ABORTED) throw err;
      if (!(err instanceof ProtocolError) && !(err instanceof DeviceError)) throw err;
      if (err instanceof DeviceError && isGone(err)) {
        return refused(
          'gone',
          frameSent
            ? 'the key went away right after the write reached it'
            : 'the key went away before the write was complete, so it ran nothing',
          frameSent ? 'unknown' : 'unchanged',
        );
      }
      // Did it take after all (a late confirmation)? The status says.
      const after = await this.session.readStatus().catch(() => undefined);
      if (after && programmingSequenceAdvanced(before.programmingSequence, after)) {
        return { accepted: true, status: after };
      }
      if (err.code === ErrorCode.PROTOCOL_TIMEOUT) {
        return refused(
          'busy',
          `the key stayed busy and did not confirm the write (${err.message})`,
          // A key still busy with the frame may yet apply it.
          frameSent ? 'unknown' : 'unchanged',
        );
      }
      if (err.code !== ErrorCode.COMMAND_REJECTED) {
        return refused('rejected', err.message, after === undefined ? 'unknown' : 'unchanged');
      }
      return rejectionFor(before, slot, what);
    }
  }
}

type WriteKind = 'config' | 'update' | 'delete' | 'swap';

export function slotsStateOf(status: OtpStatus): SlotsState {
  const validBits = atLeast(status.version, 2, 1);
  const touchBits = atLeast(status.version, 3, 0);
  const summary = (valid: boolean, touch: boolean): SlotSummary => ({
    configured: validBits ? valid : undefined,
    touchTriggered: touchBits ? touch : undefined,
  });
  return {
    version: status.version,
    programmingSequence: status.programmingSequence,
    slots: [
      summary(status.slot1Valid, status.slot1Touch),
      summary(status.slot2Valid, status.slot2Touch),
    ],
  };
}

/** What a refusal most likely means, from the state the key was in (it does not say itself). */
function rejectionFor(before: OtpStatus, slot: SlotNumber, what: WriteKind): ConfigWriteResult {
  const state = slotsStateOf(before);
  const configured = state.slots[slot - 1]!.configured;
  const fw = formatVersion(before.version);
  switch (what) {
    case 'swap':
      return refused(
        state.slots.every((s) => s.configured === false) ? 'empty' : 'rejected',
        'the key refused to swap its slots (both empty, or an access code protects them)',
        'unchanged',
      );
    case 'update':
      if (configured === false)
        return refused('empty', `slot ${slot} is empty: there is nothing to update`, 'unchanged');
      return refused(
        'no-update',
        `slot ${slot} does not allow updates, or its access code does not match the one given`,
        'unchanged',
      );
    default:
      if (configured === true) {
        return refused(
          'access-code',
          `slot ${slot} is protected by an access code, and the one given does not match`,
          'unchanged',
        );
      }
      if (slot === 2 && state.slots[0].configured === true) {
        return refused(
          'protected',
          "slot 2 is write-protected by slot 1's configuration (PROTECT_CFG2)",
          'unchanged',
        );
      }
      return refused(
        'rejected',
        `the key (firmware ${fw}) refused the ${what === 'delete' ? 'deletion' : 'configuration'} of slot ${slot}`,
        'unchanged',
      );
  }
}

function refused(
  reason: WriteRejection,
  message: string,
  keyState: 'unchanged' | 'unknown',
): ConfigWriteResult {
  return { accepted: false, reason, message, keyState };
}

function dataOf(
  response: Awaited<ReturnType<YubiOtpSession['protocol']['sendAndReceive']>>,
  what: string,
): Uint8Array {
  if (response.kind !== 'data') {
    throw new ProtocolError(ErrorCode.COMMAND_REJECTED, `${what}: the key sent no response`);
  }
  return response.data;
}

function isGone(err: DeviceError): boolean {
  return err.code === ErrorCode.DEVICE_GONE || err.code === ErrorCode.DEVICE_CLOSED;
}

function atLeast(version: FirmwareVersion, major: number, minor: number): boolean {
  return version.major > major || (version.major === major && version.minor >= minor);
}
