import { type Clock, TOUCH_WAIT_SECONDS } from '../../src/core';

/** Where a challenge that needs a touch stands, each time the host polls. */
export type TouchPoll =
  | { readonly state: 'waiting'; readonly secondsLeft: number }
  | { readonly state: 'touched'; readonly data: Uint8Array }
  | { readonly state: 'expired' };

/**
 * A challenge-response command waiting for the button (CFGFLAG_CHAL_BTN_TRIG): the key shows
 * RESP_TIMEOUT_WAIT_FLAG with the seconds left, answers once touched, and gives up after 15 s.
 * Time is read from the clock at each poll, so nothing runs while nobody asks.
 */
export class TouchWait {
  private touchedAt: number | undefined;
  private readonly startedAt: number;

  constructor(
    private readonly clock: Clock,
    private readonly answer: () => Uint8Array,
    private readonly seconds: number = TOUCH_WAIT_SECONDS,
  ) {
    this.startedAt = clock.now();
  }

  /** The button was pressed while the key waited. */
  touch(): void {
    this.touchedAt ??= this.clock.now();
  }

  poll(): TouchPoll {
    const limit = this.startedAt + this.seconds * 1000;
    if (this.touchedAt !== undefined && this.touchedAt < limit) {
      return { state: 'touched', data: this.answer() };
    }
    const now = this.clock.now();
    if (now >= limit) return { state: 'expired' };
    return { state: 'waiting', secondsLeft: Math.ceil((limit - now) / 1000) };
  }
}
