/** Time budgets of one exchange with a key. Waits are counted as the sum of the sleeps taken. */
export interface OtpProtocolTimings {
  /** Total wait for SLOT_WRITE_FLAG to clear before one chunk; ykpers: "swap can take 920 ms". */
  readonly writeTimeoutMs: number;
  /** Cap of the doubling back-off (1, 2, 4 ... ms) while the write flag is set. */
  readonly writeBackoffMaxMs: number;
  /** Poll interval while the key is processing a command (ykman: 20 ms). */
  readonly processingPollMs: number;
  /** Give up on a key that stays busy without asking for a touch. */
  readonly processingTimeoutMs: number;
  /** Poll interval while the key waits for a touch (ykman: 100 ms). */
  readonly touchPollMs: number;
  /** Give up waiting for a touch; the key itself times out after 15 s (Yubico SDK stops at 14 s). */
  readonly touchTimeoutMs: number;
  /**
   * Longest one GET/SET_FEATURE may take before the exchange fails (ykpers' libusb timeout). This
   * one is a timer racing the call, not a counted wait, because it guards against a driver call that
   * never returns.
   */
  readonly reportTimeoutMs: number;
}

export const DEFAULT_OTP_TIMINGS: OtpProtocolTimings = {
  writeTimeoutMs: 1150,
  writeBackoffMaxMs: 500,
  processingPollMs: 20,
  processingTimeoutMs: 2000,
  touchPollMs: 100,
  touchTimeoutMs: 14000,
  reportTimeoutMs: 1000,
};
