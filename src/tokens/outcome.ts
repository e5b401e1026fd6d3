import type { RejectReason } from '../otp';

/** Why a passcode was refused: the engine's reasons ('locked' is reported as its own status), plus a resync pair that is not consecutive. */
export type RefusalReason = RejectReason | 'not-consecutive';

/** What verify and resync answer. Expected outcomes are values; only faults throw. */
export type VerifyOutcome =
  | {
      readonly status: 'accepted';
      readonly serial: string;
      /** The HOTP counter, TOTP step or Yubico usage counter that matched. */
      readonly matched: number;
      readonly drift: number;
    }
  | {
      /** Matched only far ahead: ask for the next passcode and resync with both. */
      readonly status: 'needs-next-passcode';
      readonly serial: string;
    }
  | {
      readonly status: 'rejected';
      readonly serial: string;
      readonly reason: RefusalReason;
      /** Failures left before the token locks (0 when this failure locked it). */
      readonly attemptsLeft: number;
      /** Set when this failure locked the token. */
      readonly lockedUntil: number | null;
    }
  | {
      readonly status: 'locked';
      readonly serial: string;
      readonly until: number;
      readonly retryAfterMs: number;
    }
  | { readonly status: 'not-found' };
