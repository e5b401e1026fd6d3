import { modhexEncode, toHex } from '../core';
import { generateHotp } from '../otp';
import type { SlotSpec, VirtualTokenSpec } from '../../drivers/virtual';

/** One slot of a virtual token with its secrets, as `otp virtual --json` prints it. */
export type SlotSecrets =
  | {
      readonly slot: 1 | 2;
      readonly type: 'hotp';
      readonly secretHex: string;
      readonly digits: 6 | 8;
      readonly counter: number;
      /** The code the next press types (without a token id). */
      readonly nextOtp: string;
      readonly tokenId: boolean;
    }
  | {
      readonly slot: 1 | 2;
      readonly type: 'yubico';
      readonly publicId: string;
      readonly privateIdHex: string;
      readonly aesKeyHex: string;
      readonly usage: number;
    };

export interface VirtualSecrets {
  readonly serial: string;
  readonly kind: string;
  readonly model: string;
  readonly slots: ReadonlyArray<SlotSecrets | null>;
}

/**
 * What a virtual token's spec says it holds, secrets included: for QA, which computes or checks the
 * codes it types. These are test secrets (derived from the serial unless the spec gives them).
 */
export function virtualSecrets(spec: VirtualTokenSpec): VirtualSecrets {
  return {
    serial: String(spec.serial),
    kind: spec.kind,
    model: spec.model,
    slots: [spec.slot1, spec.slot2].map((s, i) => (s ? slotSecrets(s, i === 0 ? 1 : 2) : null)),
  };
}

function slotSecrets(slot: SlotSpec, n: 1 | 2): SlotSecrets {
  if (slot.type === 'hotp')
    return {
      slot: n,
      type: 'hotp',
      secretHex: toHex(slot.secret),
      digits: slot.digits,
      counter: slot.counter,
      nextOtp: generateHotp(
        { secret: slot.secret, algorithm: 'sha1', digits: slot.digits },
        slot.counter,
      ),
      tokenId: slot.tokenId,
    };
  return {
    slot: n,
    type: 'yubico',
    publicId: modhexEncode(slot.publicId),
    privateIdHex: toHex(slot.privateId),
    aesKeyHex: toHex(slot.aesKey),
    usage: slot.usage,
  };
}

/** The same as lines a person reads. */
export function virtualSecretsText(s: VirtualSecrets): string[] {
  const lines = [`serial ${s.serial} (${s.kind}, model ${s.model})`];
  for (const [i, slot] of s.slots.entries()) {
    if (slot === null) {
      lines.push(`slot ${i + 1}: not programmed`);
      continue;
    }
    if (slot.type === 'hotp') {
      lines.push(
        `slot ${slot.slot}: OATH-HOTP, ${slot.digits} digits${slot.tokenId ? ', with token id' : ''}`,
        `  secret       ${slot.secretHex}`,
        `  counter      ${slot.counter} (the next press types ${slot.nextOtp})`,
      );
    } else {
      lines.push(
        `slot ${slot.slot}: Yubico OTP`,
        `  public id    ${slot.publicId}`,
        `  private id   ${slot.privateIdHex}`,
        `  AES key      ${slot.aesKeyHex}`,
        `  usage        ${slot.usage} (at the first plug-in)`,
      );
    }
  }
  return lines;
}
