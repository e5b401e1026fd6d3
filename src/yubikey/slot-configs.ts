import {
  CFGFLAG_CHAL_BTN_TRIG,
  CFGFLAG_CHAL_HMAC,
  CFGFLAG_CHAL_YUBICO,
  CFGFLAG_HMAC_LT64,
  CFGFLAG_OATH_FIXED_MODHEX,
  CFGFLAG_OATH_FIXED_MODHEX1,
  CFGFLAG_OATH_FIXED_MODHEX2,
  CFGFLAG_OATH_HOTP8,
  CFGFLAG_PACING_10MS,
  CFGFLAG_PACING_20MS,
  CFGFLAG_UPDATE_MASK,
  CONFIG_FIXED_SIZE,
  CONFIG_KEY_SIZE,
  CONFIG_SIZE,
  CONFIG_UID_SIZE,
  encodeSlotConfig,
  EXTFLAG_ALLOW_UPDATE,
  EXTFLAG_FAST_TRIG,
  EXTFLAG_SERIAL_API_VISIBLE,
  EXTFLAG_UPDATE_MASK,
  EXTFLAG_USE_NUMERIC_KEYPAD,
  HMAC_KEY_SIZE,
  IMF_MAX,
  IMF_UNIT,
  NO_ACCESS_CODE,
  OATH_OMP_YUBICO,
  OATH_TT_YUBIKEY,
  TKTFLAG_APPEND_CR,
  TKTFLAG_CHAL_RESP,
  TKTFLAG_OATH_HOTP,
  TKTFLAG_UPDATE_MASK,
  ValidationError,
} from '../core';

/**
 * Builders of the slot configurations tokenbridge writes, as pure functions of their options (the
 * bytes are in test/vectors/slot-configs.ts, checked against yubikit's own builders). Defaults are
 * those of Yubico's host software: the serial readable over the API, updates allowed, keyboard
 * modes end with Enter and use the fast trigger.
 */

/** What every configuration may set on top of its mode. */
export interface CommonConfigOptions {
  /** The access code the slot gets (6 bytes); none (zeros) by default. */
  readonly accessCode?: Uint8Array;
  /** EXTFLAG_SERIAL_API_VISIBLE (default on): the serial stays readable over feature reports. */
  readonly serialApiVisible?: boolean;
  /** EXTFLAG_ALLOW_UPDATE (default on): SLOT_UPDATE may change the flags later. */
  readonly allowUpdate?: boolean;
}

/** Options of the keyboard modes (HOTP, Yubico OTP). */
export interface KeyboardConfigOptions extends CommonConfigOptions {
  /** TKTFLAG_APPEND_CR (default on): Enter after the OTP. */
  readonly appendEnter?: boolean;
  /** EXTFLAG_FAST_TRIG (default on). */
  readonly fastTrigger?: boolean;
  /** EXTFLAG_USE_NUMERIC_KEYPAD: digits on the numeric keypad. */
  readonly numericKeypad?: boolean;
}

/** How the OATH token id in `fixed` is typed: the OATH_FIXED_MODHEX* flags. */
export type TokenIdModhex = 'first' | 'first-two' | 'all' | 'none';

export interface HotpConfigOptions extends KeyboardConfigOptions {
  /** The HMAC-SHA1 key, 1..20 bytes (a YubiKey slot holds 20; shorter keys are zero-padded). */
  readonly secret: Uint8Array;
  readonly digits?: 6 | 8;
  /** Initial moving factor: a multiple of 16, 0..1048560 (the slot stores it >> 4). */
  readonly imf?: number;
  /** Typed before the code: up to 16 bytes, usually oathTokenId(serial). */
  readonly tokenId?: Uint8Array;
  /** How the token id is typed (default: its first two bytes as modhex, as ykman does). */
  readonly tokenIdModhex?: TokenIdModhex;
}

export interface YubicoOtpConfigOptions extends KeyboardConfigOptions {
  /** 0..16 bytes, typed as modhex before the OTP. */
  readonly publicId: Uint8Array;
  /** 6 bytes inside every ticket. */
  readonly privateId: Uint8Array;
  readonly aesKey: Uint8Array;
}

export interface HmacChallengeConfigOptions extends CommonConfigOptions {
  /** The HMAC-SHA1 key, 1..20 bytes. */
  readonly secret: Uint8Array;
  /** CFGFLAG_CHAL_BTN_TRIG: the key waits for a touch before it answers. */
  readonly requireTouch?: boolean;
  /** CFGFLAG_HMAC_LT64 (default on): challenges shorter than 64 bytes, padded. */
  readonly shortChallenges?: boolean;
}

export interface UpdateConfigOptions extends KeyboardConfigOptions {
  readonly pacing10ms?: boolean;
  readonly pacing20ms?: boolean;
}

const TOKEN_ID_FLAGS: Readonly<Record<TokenIdModhex, number>> = {
  first: CFGFLAG_OATH_FIXED_MODHEX1,
  'first-two': CFGFLAG_OATH_FIXED_MODHEX2,
  all: CFGFLAG_OATH_FIXED_MODHEX,
  none: 0,
};

/** OATH-HOTP (TKTFLAG_OATH_HOTP): the 20-byte key split into key[16] and uid[0..3], IMF in uid[4..5]. */
export function hotpSlotConfig(options: HotpConfigOptions): Uint8Array {
  const { key, uid } = splitHmacKey(options.secret);
  const imf = options.imf ?? 0;
  if (!Number.isInteger(imf) || imf < 0 || imf > IMF_MAX || imf % IMF_UNIT !== 0) {
    throw new ValidationError(
      `imf: expected a multiple of ${IMF_UNIT} in 0..${IMF_MAX}, got ${String(imf)}`,
    );
  }
  new DataView(uid.buffer).setUint16(4, imf / IMF_UNIT, false);
  const digits = options.digits ?? 6;
  if (digits !== 6 && digits !== 8) throw new ValidationError(`digits: expected 6 or 8`);
  const fixed = options.tokenId ?? new Uint8Array(0);
  if (fixed.length > CONFIG_FIXED_SIZE) {
    throw new ValidationError(`token id: at most ${CONFIG_FIXED_SIZE} bytes`);
  }
  return encodeSlotConfig({
    fixed,
    uid,
    key,
    accessCode: accessCodeOf(options),
    extFlags: keyboardExtFlags(options),
    tktFlags: TKTFLAG_OATH_HOTP | appendEnterFlag(options),
    cfgFlags:
      TOKEN_ID_FLAGS[options.tokenIdModhex ?? 'first-two'] |
      (digits === 8 ? CFGFLAG_OATH_HOTP8 : 0),
  });
}

/** Yubico OTP: public id in fixed, private id in uid, the AES key in key. */
export function yubicoOtpSlotConfig(options: YubicoOtpConfigOptions): Uint8Array {
  if (options.publicId.length > CONFIG_FIXED_SIZE) {
    throw new ValidationError(`public id: at most ${CONFIG_FIXED_SIZE} bytes`);
  }
  exactly(options.privateId, CONFIG_UID_SIZE, 'private id');
  exactly(options.aesKey, CONFIG_KEY_SIZE, 'AES key');
  return encodeSlotConfig({
    fixed: options.publicId,
    uid: options.privateId,
    key: options.aesKey,
    accessCode: accessCodeOf(options),
    extFlags: keyboardExtFlags(options),
    tktFlags: appendEnterFlag(options),
    cfgFlags: 0,
  });
}

/** HMAC-SHA1 challenge-response (TKTFLAG_CHAL_RESP with CFGFLAG_CHAL_HMAC). */
export function hmacChallengeSlotConfig(options: HmacChallengeConfigOptions): Uint8Array {
  const { key, uid } = splitHmacKey(options.secret);
  return encodeSlotConfig({
    fixed: new Uint8Array(0),
    uid,
    key,
    accessCode: accessCodeOf(options),
    extFlags: commonExtFlags(options),
    tktFlags: TKTFLAG_CHAL_RESP,
    cfgFlags:
      CFGFLAG_CHAL_HMAC |
      ((options.shortChallenges ?? true) ? CFGFLAG_HMAC_LT64 : 0) |
      (options.requireTouch ? CFGFLAG_CHAL_BTN_TRIG : 0),
  });
}

/** Yubico OTP challenge-response (TKTFLAG_CHAL_RESP with CFGFLAG_CHAL_YUBICO). */
export function yubicoChallengeSlotConfig(
  options: Omit<YubicoOtpConfigOptions, keyof KeyboardConfigOptions> &
    CommonConfigOptions & { readonly requireTouch?: boolean },
): Uint8Array {
  exactly(options.privateId, CONFIG_UID_SIZE, 'private id');
  exactly(options.aesKey, CONFIG_KEY_SIZE, 'AES key');
  return encodeSlotConfig({
    fixed: options.publicId,
    uid: options.privateId,
    key: options.aesKey,
    accessCode: accessCodeOf(options),
    extFlags: commonExtFlags(options),
    tktFlags: TKTFLAG_CHAL_RESP,
    cfgFlags: CFGFLAG_CHAL_YUBICO | (options.requireTouch ? CFGFLAG_CHAL_BTN_TRIG : 0),
  });
}

/**
 * SLOT_UPDATE1/2: only the flags an update may change (and the access code); the secrets stay on
 * the key. Like yubikit's UpdateConfiguration, `fixed` is 16 zero bytes.
 */
export function updateSlotConfig(options: UpdateConfigOptions = {}): Uint8Array {
  const ext = keyboardExtFlags(options) & EXTFLAG_UPDATE_MASK;
  const tkt = appendEnterFlag(options) & TKTFLAG_UPDATE_MASK;
  const cfg =
    ((options.pacing10ms ? CFGFLAG_PACING_10MS : 0) |
      (options.pacing20ms ? CFGFLAG_PACING_20MS : 0)) &
    CFGFLAG_UPDATE_MASK;
  return encodeSlotConfig({
    fixed: new Uint8Array(CONFIG_FIXED_SIZE),
    uid: new Uint8Array(CONFIG_UID_SIZE),
    key: new Uint8Array(CONFIG_KEY_SIZE),
    accessCode: accessCodeOf(options),
    extFlags: ext,
    tktFlags: tkt,
    cfgFlags: cfg,
  });
}

/** Writing 52 zero bytes (CRC included) to a slot deletes its configuration. */
export function deleteSlotConfig(): Uint8Array {
  return new Uint8Array(CONFIG_SIZE);
}

/**
 * The OATH token id ykpersonalize and ykman write by default: OMP 0xE1 ("ub"), TT 0x63 ("he") and
 * the serial as 8 packed BCD digits, so with the first two bytes as modhex a key types
 * `ubhe07050602` before its code.
 */
export function oathTokenId(serial: number): Uint8Array {
  if (!Number.isSafeInteger(serial) || serial < 0 || serial > 99_999_999) {
    throw new ValidationError(`serial: expected 0..99999999 for a token id, got ${serial}`);
  }
  const digits = String(serial).padStart(8, '0');
  const id = new Uint8Array(6);
  id[0] = OATH_OMP_YUBICO;
  id[1] = OATH_TT_YUBIKEY;
  for (let i = 0; i < 4; i++) id[2 + i] = (Number(digits[2 * i]) << 4) | Number(digits[2 * i + 1]);
  return id;
}

function splitHmacKey(secret: Uint8Array): { key: Uint8Array; uid: Uint8Array } {
  if (!(secret instanceof Uint8Array) || secret.length === 0 || secret.length > HMAC_KEY_SIZE) {
    throw new ValidationError(
      `secret: a slot holds an HMAC-SHA1 key of 1..${HMAC_KEY_SIZE} bytes, got ${secret instanceof Uint8Array ? secret.length : typeof secret}`,
    );
  }
  // HMAC pads a short key with zeros, so zero-padding to 20 bytes keeps every code the same.
  const padded = new Uint8Array(HMAC_KEY_SIZE);
  padded.set(secret);
  const uid = new Uint8Array(CONFIG_UID_SIZE);
  uid.set(padded.subarray(CONFIG_KEY_SIZE));
  return { key: padded.slice(0, CONFIG_KEY_SIZE), uid };
}

function commonExtFlags(options: CommonConfigOptions): number {
  return (
    ((options.serialApiVisible ?? true) ? EXTFLAG_SERIAL_API_VISIBLE : 0) |
    ((options.allowUpdate ?? true) ? EXTFLAG_ALLOW_UPDATE : 0)
  );
}

function keyboardExtFlags(options: KeyboardConfigOptions): number {
  return (
    commonExtFlags(options) |
    ((options.fastTrigger ?? true) ? EXTFLAG_FAST_TRIG : 0) |
    (options.numericKeypad ? EXTFLAG_USE_NUMERIC_KEYPAD : 0)
  );
}

function appendEnterFlag(options: KeyboardConfigOptions): number {
  return (options.appendEnter ?? true) ? TKTFLAG_APPEND_CR : 0;
}

function accessCodeOf(options: CommonConfigOptions): Uint8Array {
  const code = options.accessCode ?? NO_ACCESS_CODE;
  exactly(code, 6, 'access code');
  return code;
}

function exactly(bytes: Uint8Array, size: number, what: string): void {
  if (!(bytes instanceof Uint8Array) || bytes.length !== size) {
    throw new ValidationError(
      `${what}: expected ${size} bytes, got ${bytes instanceof Uint8Array ? bytes.length : typeof bytes}`,
    );
  }
}
