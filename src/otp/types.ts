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

export type RejectReason =
  | 'wrong' // no code in the window matches
  | 'replayed' // matches a counter, step or (usage, session) already used
  | 'outside-window' // matches, but only outside every window the engine searches
  | 'malformed' // not a passcode of this token's shape (length, characters, CRC)
  | 'locked'; // the registry refused to try (reported by the caller, never by the engine)

export type VerifyResult<S> =
  | {
      readonly valid: true;
      /** HOTP counter or TOTP step that matched (Yubico: the usage counter). */
      readonly matched: number;
      /** Distance from the expected counter or step. */
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

export type ResyncResult<S> =
  | { readonly ok: true; readonly matched: number; readonly drift: number; readonly next: S }
  | { readonly ok: false; readonly reason: 'not-consecutive' | RejectReason };
