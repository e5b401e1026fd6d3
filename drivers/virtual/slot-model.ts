import {
  bytesEqual,
  CFGFLAG_CHAL_BTN_TRIG,
  CFGFLAG_CHAL_HMAC,
  CFGFLAG_CHAL_YUBICO,
  CFGFLAG_HMAC_LT64,
  CFGFLAG_OATH_FIXED_MASK,
  CFGFLAG_OATH_FIXED_MODHEX,
  CFGFLAG_OATH_FIXED_MODHEX1,
  CFGFLAG_OATH_FIXED_MODHEX2,
  CFGFLAG_OATH_HOTP8,
  CFGFLAG_PACING_10MS,
  CFGFLAG_PACING_20MS,
  CFGFLAG_SHORT_TICKET,
  CFGFLAG_STATIC_TICKET,
  CONFIG_KEY_SIZE,
  CONFIG_OFFSET_IMF,
  CONFIG_OFFSET_UID,
  CONFIG_UID_SIZE,
  EXTFLAG_ALLOW_UPDATE,
  EXTFLAG_FAST_TRIG,
  EXTFLAG_LED_INV,
  EXTFLAG_SERIAL_API_VISIBLE,
  EXTFLAG_USE_NUMERIC_KEYPAD,
  HMAC_KEY_SIZE,
  IMF_UNIT,
  modhexEncode,
  NO_ACCESS_CODE,
  OATH_OMP_YUBICO,
  OATH_TT_YUBIKEY,
  type SlotConfigFields,
  TKTFLAG_APPEND_CR,
  TKTFLAG_APPEND_TAB1,
  TKTFLAG_APPEND_TAB2,
  TKTFLAG_CHAL_RESP,
  TKTFLAG_OATH_HOTP,
  TKTFLAG_PROTECT_CFG2,
  TKTFLAG_TAB_FIRST,
} from '../../src/core';
import type { SlotSpec } from './spec';

/** What a slot does, read from its flags the way the firmware reads them. */
export type SlotMode =
  | 'hotp'
  | 'yubico-otp'
  | 'hmac-challenge'
  | 'yubico-challenge'
  /** Static passwords and static tickets: accepted and stored, not typed by the virtual token. */
  | 'static';

/**
 * One programmed slot as its flash holds it: the configuration fields, and for a spec-made HOTP
 * slot whose seed is longer than a slot's 20 bytes, that seed (a real key cannot hold it).
 */
export interface SlotConfig {
  readonly fields: SlotConfigFields;
  readonly longSecret?: Uint8Array;
}

export function modeOf(fields: SlotConfigFields): SlotMode {
  const { tktFlags: tkt, cfgFlags: cfg } = fields;
  if ((tkt & TKTFLAG_CHAL_RESP) !== 0 && (cfg & CFGFLAG_CHAL_HMAC) === CFGFLAG_CHAL_HMAC)
    return 'hmac-challenge';
  if ((tkt & TKTFLAG_CHAL_RESP) !== 0 && (cfg & CFGFLAG_CHAL_HMAC) === CFGFLAG_CHAL_YUBICO)
    return 'yubico-challenge';
  if ((tkt & TKTFLAG_OATH_HOTP) !== 0) return 'hotp';
  if ((cfg & (CFGFLAG_STATIC_TICKET | CFGFLAG_SHORT_TICKET)) !== 0) return 'static';
  return 'yubico-otp';
}

/** Challenge-response slots answer the host; the others are triggered by a touch. */
export function isTouchTriggered(slot: SlotConfig): boolean {
  const mode = modeOf(slot.fields);
  return mode !== 'hmac-challenge' && mode !== 'yubico-challenge';
}

export function needsTouchForChallenge(slot: SlotConfig): boolean {
  return (slot.fields.cfgFlags & CFGFLAG_CHAL_BTN_TRIG) !== 0;
}

export function allowsUpdate(slot: SlotConfig): boolean {
  return (slot.fields.extFlags & EXTFLAG_ALLOW_UPDATE) !== 0;
}

export function protectsSlot2(slot: SlotConfig | null): boolean {
  return slot !== null && (slot.fields.tktFlags & TKTFLAG_PROTECT_CFG2) !== 0;
}

export function invertsLed(slot: SlotConfig | null): boolean {
  return slot !== null && (slot.fields.extFlags & EXTFLAG_LED_INV) !== 0;
}

export function accessCodeMatches(slot: SlotConfig | null, given: Uint8Array): boolean {
  return bytesEqual(slot?.fields.accessCode ?? NO_ACCESS_CODE, given);
}

/** The HMAC-SHA1 key: key[16] ‖ uid[0..3] (zero padding is HMAC-neutral), or the long seed. */
export function hmacKeyOf(slot: SlotConfig): Uint8Array {
  if (slot.longSecret) return slot.longSecret;
  const key = new Uint8Array(HMAC_KEY_SIZE);
  key.set(slot.fields.key);
  key.set(slot.fields.uid.subarray(0, HMAC_KEY_SIZE - CONFIG_KEY_SIZE), CONFIG_KEY_SIZE);
  return key;
}

/** The HOTP moving factor a freshly written slot starts at. */
export function initialMovingFactor(fields: SlotConfigFields): number {
  const at = CONFIG_OFFSET_IMF - CONFIG_OFFSET_UID;
  return ((fields.uid[at]! << 8) | fields.uid[at + 1]!) * IMF_UNIT;
}

export function hotpDigitsOf(fields: SlotConfigFields): 6 | 8 {
  return (fields.cfgFlags & CFGFLAG_OATH_HOTP8) !== 0 ? 8 : 6;
}

/** The challenge an HMAC_LT64 slot hashes: the 64 bytes less the trailing run of their last byte. */
export function hmacMessageOf(slot: SlotConfig, challenge: Uint8Array): Uint8Array {
  if ((slot.fields.cfgFlags & CFGFLAG_HMAC_LT64) === 0) return challenge;
  const pad = challenge[challenge.length - 1];
  let end = challenge.length;
  while (end > 0 && challenge[end - 1] === pad) end -= 1;
  return challenge.subarray(0, end);
}

/** The OATH token id as the OATH_FIXED_MODHEX* flags have it typed: modhex bytes, then hex. */
export function tokenIdText(fields: SlotConfigFields): string {
  const fixed = fields.fixed;
  const mask = fields.cfgFlags & CFGFLAG_OATH_FIXED_MASK;
  const modhexBytes =
    mask === CFGFLAG_OATH_FIXED_MODHEX
      ? fixed.length
      : mask === CFGFLAG_OATH_FIXED_MODHEX2
        ? 2
        : mask === CFGFLAG_OATH_FIXED_MODHEX1
          ? 1
          : 0;
  const head = fixed.subarray(0, Math.min(modhexBytes, fixed.length));
  const tail = fixed.subarray(head.length);
  return modhexEncode(head) + Buffer.from(tail).toString('hex');
}

/** How a keyboard slot types: the parts around its OTP, and the keyboard it uses. */
export interface TypingLayout {
  readonly tabFirst: boolean;
  readonly tabAfterFixed: boolean;
  readonly tabAfterOtp: boolean;
  readonly appendEnter: boolean;
  readonly numericKeypad: boolean;
  /** Extra pacing between keys (CFGFLAG_PACING_10MS / 20MS), added to the token's own. */
  readonly pacingMs: number;
}

export function typingLayoutOf(fields: SlotConfigFields): TypingLayout {
  const { tktFlags: tkt, cfgFlags: cfg } = fields;
  return {
    tabFirst: (tkt & TKTFLAG_TAB_FIRST) !== 0,
    tabAfterFixed: (tkt & TKTFLAG_APPEND_TAB1) !== 0,
    tabAfterOtp: (tkt & TKTFLAG_APPEND_TAB2) !== 0,
    appendEnter: (tkt & TKTFLAG_APPEND_CR) !== 0,
    numericKeypad: (fields.extFlags & EXTFLAG_USE_NUMERIC_KEYPAD) !== 0,
    pacingMs:
      ((cfg & CFGFLAG_PACING_10MS) !== 0 ? 10 : 0) + ((cfg & CFGFLAG_PACING_20MS) !== 0 ? 20 : 0),
  };
}

/** What the token's options say about every slot it was made with. */
export interface SpecTyping {
  readonly serial: number;
  readonly appendEnter: boolean;
  readonly numericKeypad: boolean;
}

/**
 * The configuration a spec's slot stands for, as ykman would have written it (serial visible over
 * the API, updates allowed, fast trigger), so a spec-made slot and a written one behave alike.
 */
export function configForSpec(slot: SlotSpec, typing: SpecTyping): SlotConfig {
  const ext =
    EXTFLAG_SERIAL_API_VISIBLE |
    EXTFLAG_ALLOW_UPDATE |
    EXTFLAG_FAST_TRIG |
    (typing.numericKeypad ? EXTFLAG_USE_NUMERIC_KEYPAD : 0);
  const cr = typing.appendEnter ? TKTFLAG_APPEND_CR : 0;
  if (slot.type === 'yubico') {
    return {
      fields: {
        fixed: slot.publicId,
        uid: slot.privateId,
        key: slot.aesKey,
        accessCode: NO_ACCESS_CODE,
        extFlags: ext,
        tktFlags: cr,
        cfgFlags: 0,
      },
    };
  }
  const padded = new Uint8Array(HMAC_KEY_SIZE);
  padded.set(slot.secret.subarray(0, HMAC_KEY_SIZE));
  const uid = new Uint8Array(CONFIG_UID_SIZE);
  uid.set(padded.subarray(CONFIG_KEY_SIZE));
  return {
    fields: {
      fixed: slot.tokenId ? specTokenId(typing.serial) : new Uint8Array(0),
      uid,
      key: padded.slice(0, CONFIG_KEY_SIZE),
      accessCode: NO_ACCESS_CODE,
      extFlags: ext,
      tktFlags: TKTFLAG_OATH_HOTP | cr,
      cfgFlags: CFGFLAG_OATH_FIXED_MODHEX2 | (slot.digits === 8 ? CFGFLAG_OATH_HOTP8 : 0),
    },
    ...(slot.secret.length > HMAC_KEY_SIZE ? { longSecret: slot.secret } : {}),
  };
}

/** OMP, TT and the serial as 8 packed BCD digits (ykpers `_format_oath_id`). */
function specTokenId(serial: number): Uint8Array {
  const digits = String(serial).padStart(8, '0');
  const id = Uint8Array.of(OATH_OMP_YUBICO, OATH_TT_YUBIKEY, 0, 0, 0, 0);
  for (let i = 0; i < 4; i++) id[2 + i] = (Number(digits[2 * i]) << 4) | Number(digits[2 * i + 1]);
  return id;
}
