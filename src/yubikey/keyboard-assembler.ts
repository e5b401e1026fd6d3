import { PASSCODE_MAX_CHARS, type Logger } from '../core';
import { QUIET_LOGGER } from './quiet-logger';
import { classifyOtp, type HotpDigits, type OtpClassification } from './classify';
import { decodeKeyboardReport } from './keyboard-report';

/**
 * timeout: no Enter came in time. not-an-otp: a static password, noise. partial: keystrokes that
 * began right after the stream was lost (a timeout, a reopened connection), so their start is missing.
 */
export type DiscardReason = 'timeout' | 'not-an-otp' | 'partial';

export type AssemblerEvent =
  | { readonly type: 'otp'; readonly text: string; readonly otp: OtpClassification }
  /** Keystrokes dropped; says how many and why, never what they were. */
  | {
      readonly type: 'discarded';
      readonly reason: DiscardReason;
      readonly length: number;
      readonly message: string;
    };

export interface KeyboardOtpAssemblerOptions {
  /** Keystrokes with no Enter this long after the last key are dropped. */
  timeoutMs?: number;
  /** Longer input is no OTP (the longest Yubico OTP is 64 characters). */
  maxLength?: number;
  /** Passed to classifyOtp when the slot's HOTP digit count is known. */
  hotpDigits?: HotpDigits;
  /** Keystrokes that begin this soon after the stream was lost belong to the input already under way. */
  resumeGuardMs?: number;
  logger?: Logger;
}

export interface AssemblerStats {
  readonly reports: number;
  /** ErrorRollOver and garbage reports, skipped without changing the key state. */
  readonly ignoredReports: number;
  readonly otps: number;
  readonly discarded: number;
}

export const DEFAULT_OTP_KEY_TIMEOUT_MS = 1000;
/**
 * A token types a report every few milliseconds and a person needs far longer than this to touch it
 * again, so keystrokes starting this soon after the stream was lost are the rest of an input whose
 * beginning went unseen (the daemon stalled past the timeout, or the connection was reopened while
 * the token typed). Emitting them could pass a truncated OTP off as a whole one: they are dropped.
 */
export const DEFAULT_RESUME_GUARD_MS = 250;

const DROP_WHY = {
  'not-an-otp': 'input is not an OTP',
  partial: 'the start of this input was not seen',
} as const;

/**
 * Turns one token's keyboard reports into OTPs: characters accumulate until Enter, then the text is
 * emitted if it classifies as an OTP. Time comes in with each call (no timers inside): call
 * `expire(now)` at `expiresAt()` so a half-typed OTP does not wait for the next press.
 *
 * Nothing typed is logged, and keys that cannot belong to an OTP are not even decoded to characters:
 * the buffer only remembers that it is not an OTP, and how long it is.
 */
export class KeyboardOtpAssembler {
  private readonly timeoutMs: number;
  private readonly maxLength: number;
  private readonly hotpDigits: HotpDigits | undefined;
  private readonly resumeGuardMs: number;
  private readonly log: Logger;
  private previousKeys: readonly number[] = [];
  private chars: string[] = [];
  private length = 0;
  /** Set once the pending keystrokes cannot be an OTP: why they will be dropped. */
  private dropAs: 'not-an-otp' | 'partial' | undefined;
  /** When the stream was last lost, until the next keystroke or Enter settles what follows it. */
  private lostAt: number | undefined;
  private lastKeyAt = 0;
  private counts = { reports: 0, ignoredReports: 0, otps: 0, discarded: 0 };

  constructor(options: KeyboardOtpAssemblerOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_OTP_KEY_TIMEOUT_MS;
    this.maxLength = options.maxLength ?? PASSCODE_MAX_CHARS;
    this.hotpDigits = options.hotpDigits;
    this.resumeGuardMs = options.resumeGuardMs ?? DEFAULT_RESUME_GUARD_MS;
    this.log = (options.logger ?? QUIET_LOGGER).child({ module: 'yubikey.keyboard' });
  }

  get stats(): AssemblerStats {
    return { ...this.counts };
  }

  /** True while keystrokes wait for their Enter. */
  get pending(): boolean {
    return this.length > 0;
  }

  /** The earliest time at which `expire` drops the pending keystrokes; undefined when none. */
  expiresAt(): number | undefined {
    return this.pending ? this.lastKeyAt + this.timeoutMs + 1 : undefined;
  }

  /** One 8-byte input report received at `now` (ms). */
  feed(report: Uint8Array, now: number): AssemblerEvent[] {
    this.counts.reports += 1;
    const events = this.expire(now);
    const decoded = decodeKeyboardReport(report, this.previousKeys);
    if (decoded.kind === 'ignored') {
      this.counts.ignoredReports += 1;
      return events;
    }
    this.previousKeys = decoded.keys;
    for (const stroke of decoded.strokes) {
      if (stroke.kind === 'enter') {
        this.lostAt = undefined;
        const event = this.finish();
        if (event) events.push(event);
        continue;
      }
      if (!this.pending) this.begin(now);
      this.lastKeyAt = now;
      this.length += 1;
      if (stroke.kind === 'other' || this.length > this.maxLength) {
        // The rest of an unseen input stays that, whatever it contains.
        this.dropAs ??= 'not-an-otp';
        this.chars = [];
      } else if (this.dropAs === undefined) {
        this.chars.push(stroke.char);
      }
    }
    return events;
  }

  /**
   * Drops keystrokes whose Enter did not come within the timeout. Whatever starts right after is
   * taken for the rest of the same input (see DEFAULT_RESUME_GUARD_MS).
   */
  expire(now: number): AssemblerEvent[] {
    if (!this.pending || now - this.lastKeyAt <= this.timeoutMs) return [];
    const reason = this.dropAs ?? 'timeout';
    const event = this.discard(reason, `no Enter within ${this.timeoutMs} ms of the last key`);
    this.lostAt = now;
    return [event];
  }

  /** Forgets pending keystrokes and the key state (after a reconnect). */
  reset(): void {
    this.previousKeys = [];
    this.lostAt = undefined;
    this.clear();
  }

  /**
   * Listening (again) from `now` to a token that may have been typing unseen: keystrokes starting
   * within the resume guard are dropped up to their Enter.
   */
  resumeAt(now: number): void {
    this.lostAt = now;
  }

  /** The first keystroke of an input: is it whole, or the rest of one whose start was lost? */
  private begin(now: number): void {
    if (this.lostAt !== undefined && now - this.lostAt <= this.resumeGuardMs)
      this.dropAs = 'partial';
    this.lostAt = undefined;
  }

  private finish(): AssemblerEvent | undefined {
    if (!this.pending) return undefined;
    if (this.dropAs !== undefined) return this.discard(this.dropAs, DROP_WHY[this.dropAs]);
    const text = this.chars.join('');
    const otp = classifyOtp(text, { hotpDigits: this.hotpDigits });
    if (!otp) return this.discard('not-an-otp', 'input is not an OTP');
    this.clear();
    this.counts.otps += 1;
    return { type: 'otp', text, otp };
  }

  private discard(reason: DiscardReason, why: string): AssemblerEvent {
    const length = this.length;
    this.clear();
    this.counts.discarded += 1;
    const message = `discarded ${length} keystrokes: ${why}`;
    // A half-typed OTP is worth a warning; a static password typed by a key is routine.
    if (reason !== 'not-an-otp') this.log.warn({ reason, length }, message);
    else this.log.debug({ reason, length }, message);
    return { type: 'discarded', reason, length, message };
  }

  private clear(): void {
    this.chars = [];
    this.length = 0;
    this.dropAs = undefined;
  }
}
