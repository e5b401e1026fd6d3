import type { ErrorCode } from '../core';
import type { TokenRecord } from '../tokens';
import type { SlotNumber } from '../yubikey';

/** What a slot is set up as: OATH-HOTP and Yubico OTP are registered, challenge-response is not. */
export type EnrollKind = 'hotp' | 'yubiotp' | 'chalresp';
export const ENROLL_KINDS: readonly EnrollKind[] = ['hotp', 'yubiotp', 'chalresp'];

/** The new credential, handed to an exporter (PSKC) before the record is committed. Never logged. */
export interface NewCredential {
  readonly kind: EnrollKind;
  readonly serial: string;
  readonly slot: SlotNumber;
  /** HOTP / HMAC-SHA1 key, or the Yubico OTP AES key. */
  readonly secret: Uint8Array;
  readonly digits: 6 | 8;
  /** HOTP: the counter of the next code (the first one was read back and used). */
  readonly counter: number;
  /** Yubico OTP. */
  readonly publicId?: string;
  readonly privateId?: Uint8Array;
}

export interface EnrollRequest {
  /** The DeviceManager id of the key (`tokenbridge devices`). */
  readonly deviceId: string;
  readonly kind: EnrollKind;
  readonly slot: SlotNumber;
  /** OATH-HOTP: 6 or 8 digits. */
  readonly digits: 6 | 8;
  /** OATH-HOTP: type the OATH token id (ubhe + serial) before the code. */
  readonly tokenId: boolean;
  /**
   * The slot's access code: unlocks a configured slot that has one, and is set on the new
   * configuration (a blank slot has none to unlock).
   */
  readonly accessCode?: Uint8Array;
  /** Overwrite a configured slot, and replace a serial's registry record. */
  readonly force: boolean;
  /** Who asks, for the audit ('cli', 'ws:pairing'). */
  readonly source: string;
  readonly user?: string | null;
  /** Called with the new credential after it was verified, before the record is committed. */
  readonly exportCredential?: (credential: NewCredential) => Promise<void>;
  readonly signal?: AbortSignal;
}

/** Where an enrollment is, for a progress line or the page. */
export type EnrollStep =
  | 'programming'
  /** Touch the key now: its first OTP (or a challenge's touch) is awaited. */
  | 'touch'
  | 'verifying'
  | 'exporting'
  | 'registering'
  /** Something failed after the write: the slot is being put back. */
  | 'restoring';

/** What the key holds after a failure. */
export type KeyAfter =
  /** The write never took: the slot is as it was. */
  | 'unchanged'
  /** The new configuration was deleted again: the slot is empty, as it was before. */
  | 'restored'
  /** The slot held something before (--force): it is empty now; what it held is gone. */
  | 'cleared'
  /** The slot holds the new credential, which no registry has: delete it (`keys delete`). */
  | 'programmed-unregistered'
  /** The key went away or did not answer at the moment it mattered: read it again (`keys info`). */
  | 'unknown';

export type EnrollOutcome =
  | {
      readonly result: 'enrolled';
      readonly serial: string;
      readonly slot: SlotNumber;
      readonly kind: EnrollKind;
      /** The registry record, for the kinds that are registered (not challenge-response). */
      readonly record: TokenRecord | null;
      /** The first OTP was verified and consumed, or the challenge answered as expected. */
      readonly checkedBy: 'first-otp' | 'challenge-response';
    }
  /** Refused before anything was written. */
  | { readonly result: 'refused'; readonly code: ErrorCode; readonly message: string }
  | {
      readonly result: 'failed';
      readonly step: EnrollStep;
      readonly message: string;
      readonly key: KeyAfter;
      /** The registry is never left half-done: unchanged, or the new record removed again. */
      readonly registry: 'unchanged' | 'record-removed';
    };

export type EnrollListener = (step: EnrollStep) => void;
