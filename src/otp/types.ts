/**
 * The engine's contract (pure, no I/O). Expected outcomes are values: a wrong passcode is a
 * `{ valid: false }` result, never an exception. Exceptions are for programming errors and invalid
 * parameters (a 5-byte seed, 7 digits).
 */
export type HashAlgorithm = 'sha1' | 'sha256' | 'sha512';
export type Digits = 6 | 8;
export type Period = 30 | 60;

export interface HotpParams {
  readonly secret: Uint8Array;
  readonly algorithm: HashAlgorithm;
  readonly digits: Digits;
}

export interface TotpParams extends HotpParams {
  readonly period: Period;
}

export interface YubicoParams {
  readonly aesKey: Uint8Array; // 16 bytes
  readonly privateId: Uint8Array; // 6 bytes
}

/** What the registry keeps between verifications. */
export interface HotpState {
  /** The next counter expected: one past the last accepted counter. */
  readonly counter: number;
}
export interface TotpState {
  /** The last accepted time step, or null when none has been accepted. */
  readonly lastStep: number | null;
  /** Learned clock drift of the token, in steps. */
  readonly drift: number;
}
export interface YubicoState {
  /** The last accepted (usage counter, session counter), or null when none. */
  readonly usage: number | null;
  readonly session: number | null;
}

/** Why the engine refuses one passcode. */
export type RejectReason =
  | 'wrong' // no code in the window matches
  | 'replayed' // matches a counter, step or (usage, session) already used
  | 'malformed'; // not a passcode of this token's shape (length, characters, CRC)

/** Why a resync refuses two passcodes: either is refused as above, or they are not consecutive. */
export type ResyncRejectReason = RejectReason | 'not-consecutive';

export type VerifyResult<S> =
  | {
      readonly valid: true;
      /** HOTP counter or TOTP step that matched (Yubico: the usage counter). */
      readonly matched: number;
      /**
       * Distance from the expected counter or step: HOTP `matched - state.counter`, TOTP
       * `matched - (timeStep(now) + state.drift)`, Yubico the usage counters advanced since the last
       * accepted OTP (0 for the first).
       */
      readonly drift: number;
      /** The state to store, by compare-and-set against the state that was passed in. */
      readonly next: S;
    }
  | {
      readonly valid: false;
      /** Outside the normal window but inside the resync window: ask for the next passcode. */
      readonly reason: 'needs-next-passcode';
      /** The counter or step the code matched, remembered until the next passcode arrives. */
      readonly candidate: number;
    }
  | { readonly valid: false; readonly reason: RejectReason };

/**
 * Resync with two consecutive passcodes. On success `matched` is the counter or step of the second
 * passcode (the last one used) and `drift` its distance from the expected counter or step.
 */
export type ResyncResult<S> =
  | { readonly ok: true; readonly matched: number; readonly drift: number; readonly next: S }
  | { readonly ok: false; readonly reason: ResyncRejectReason };

export interface HotpVerifyOptions {
  /** Look-ahead: counters state.counter .. state.counter + window - 1 (1..100, default 10). */
  readonly window?: number;
  /** Counters ahead searched for 'needs-next-passcode' (0..1000, default 1000; <= window: none). */
  readonly resyncWindow?: number;
}

export interface TotpVerifyOptions {
  /** Steps either side of the expected step that are accepted (0..10, default 1). */
  readonly window?: number;
  /** Steps either side searched for 'needs-next-passcode' (0..1000, default 120). */
  readonly resyncWindow?: number;
}

/** The fields of a decrypted Yubico OTP ticket. */
export interface YubicoTicketFields {
  /** 6-byte private id, as hex. */
  readonly privateId: string;
  /** Usage counter without its flag bit (power-ups, 15 bits). */
  readonly usage: number;
  /** Session counter (presses since power-up, 8 bits). */
  readonly session: number;
  /** Low 16 bits of the ~8 Hz timestamp. */
  readonly timestampLow: number;
  /** High 8 bits of the ~8 Hz timestamp. */
  readonly timestampHigh: number;
  readonly random: number;
  /** The CRC field as stored (the complement of CRC-16 over the first 14 bytes). */
  readonly crc: number;
  /** Bit 15 of the usage field: the OTP was triggered by a caps/num/scroll-lock HID report. */
  readonly triggeredByHidReport: boolean;
}

export type YubicoDecodeResult =
  | ({ readonly ok: true; readonly publicId: string } & YubicoTicketFields)
  | { readonly ok: false; readonly reason: 'malformed' | 'crc' };
