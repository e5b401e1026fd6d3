/**
 * A token bucket per connection: `ratePerSec` sustained, `burst` at once. `refusedInARow` counts
 * consecutive refusals so the connection can be closed once a client ignores RATE_LIMITED replies.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;
  refusedInARow = 0;

  constructor(
    private readonly ratePerSec: number,
    private readonly burst: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = burst;
    this.last = now();
  }

  /** Takes one token; false when the bucket is empty. */
  take(): boolean {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.ratePerSec);
    this.last = t;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      this.refusedInARow = 0;
      return true;
    }
    this.refusedInARow += 1;
    return false;
  }
}
