import { bytesEqual, modhexEncode, toHex } from '../core';
import { generateHotp } from '../otp';
import type { ProgrammedSlot, SlotSpec, VirtualToken } from '../../drivers/virtual';
import { hmacKeyOf, hotpDigitsOf, tokenIdText } from '../../drivers/virtual/slot-model';

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
    }
  | { readonly slot: 1 | 2; readonly type: 'hmac-challenge'; readonly secretHex: string }
  /** Programmed with what the virtual token stores but never types (see slot-model.ts). */
  | { readonly slot: 1 | 2; readonly type: 'yubico-challenge' | 'static' };

export interface VirtualSecrets {
  readonly serial: string;
  readonly kind: string;
  readonly model: string;
  /** The state file the slots and counters were read from; null when the token keeps none. */
  readonly state: string | null;
  readonly slots: ReadonlyArray<SlotSecrets | null>;
}

/**
 * What a virtual token holds now, secrets included: for QA, which computes or checks the codes it
 * types. That is its state file's when it has one (its counters as the last run left them, a slot
 * `keys program` wrote), else its spec's. These are test secrets (derived from the serial unless
 * the spec gives them).
 */
export function virtualSecrets(token: VirtualToken): VirtualSecrets {
  const spec = token.spec;
  const specSlots = [spec.slot1, spec.slot2];
  return {
    serial: String(spec.serial),
    kind: spec.kind,
    model: spec.model,
    state: token.stateLocation ?? null,
    slots: token
      .programmedSlots()
      .map((s, i) => (s ? slotSecrets(s, i === 0 ? 1 : 2, specSlots[i] ?? null) : null)),
  };
}

function slotSecrets(slot: ProgrammedSlot, n: 1 | 2, fromSpec: SlotSpec | null): SlotSecrets {
  const fields = slot.config.fields;
  switch (slot.mode) {
    case 'hotp': {
      const digits = hotpDigitsOf(fields);
      const secret = seedOf(slot, fromSpec);
      return {
        slot: n,
        type: 'hotp',
        secretHex: toHex(secret),
        digits,
        counter: slot.counter,
        nextOtp: generateHotp({ secret, algorithm: 'sha1', digits }, slot.counter),
        tokenId: tokenIdText(fields) !== '',
      };
    }
    case 'yubico-otp':
      return {
        slot: n,
        type: 'yubico',
        publicId: modhexEncode(fields.fixed),
        privateIdHex: toHex(fields.uid),
        aesKeyHex: toHex(fields.key),
        usage: slot.usage,
      };
    case 'hmac-challenge':
      return { slot: n, type: 'hmac-challenge', secretHex: toHex(seedOf(slot, fromSpec)) };
    default:
      return { slot: n, type: slot.mode };
  }
}

/**
 * The slot's HMAC key, as its spec wrote it while the slot is still the spec's: a slot holds 20
 * bytes, and a shorter seed zero-padded to them is the same HMAC key, but QA imports the seed.
 */
function seedOf(slot: ProgrammedSlot, fromSpec: SlotSpec | null): Uint8Array {
  const key = hmacKeyOf(slot.config);
  if (fromSpec?.type !== 'hotp' || fromSpec.secret.length > key.length) return key;
  const padded = new Uint8Array(key.length);
  padded.set(fromSpec.secret);
  return bytesEqual(padded, key) ? fromSpec.secret : key;
}

/** The same as lines a person reads. */
export function virtualSecretsText(s: VirtualSecrets): string[] {
  const lines = [`serial ${s.serial} (${s.kind}, model ${s.model})`];
  if (s.state !== null) lines.push(`state ${s.state}`);
  for (const [i, slot] of s.slots.entries()) {
    if (slot === null) {
      lines.push(`slot ${i + 1}: not programmed`);
      continue;
    }
    switch (slot.type) {
      case 'hotp':
        lines.push(
          `slot ${slot.slot}: OATH-HOTP, ${slot.digits} digits${slot.tokenId ? ', with token id' : ''}`,
          `  secret       ${slot.secretHex}`,
          `  counter      ${slot.counter} (the next press types ${slot.nextOtp})`,
        );
        break;
      case 'yubico':
        lines.push(
          `slot ${slot.slot}: Yubico OTP`,
          `  public id    ${slot.publicId}`,
          `  private id   ${slot.privateIdHex}`,
          `  AES key      ${slot.aesKeyHex}`,
          `  usage        ${slot.usage} (the next OTP carries it)`,
        );
        break;
      case 'hmac-challenge':
        lines.push(
          `slot ${slot.slot}: HMAC-SHA1 challenge-response (types nothing)`,
          `  secret       ${slot.secretHex}`,
        );
        break;
      default:
        lines.push(`slot ${slot.slot}: ${slot.type} (types nothing)`);
    }
  }
  return lines;
}
