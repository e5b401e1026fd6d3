const HOUR_MS = 3_600_000;

/** Whether a serial (or public id) may be looked up for a pairing now. */
export type LookupGate =
  { readonly ok: true } | { readonly ok: false; readonly retryAfterMs: number };

/**
 * How much of the registry a pairing page can learn. Telling a person that their serial is
 * unknown, or taken by someone else, also tells a prober which serials exist and which are
 * paired; these answers are rationed, per connection (`perConnection` of them) and for the whole
 * daemon (`perHour`, refilled evenly). Once a ration is spent every lookup is refused untried,
 * those that would have succeeded included, so the refusal itself says nothing about the serial.
 * A person who mistypes a serial a few times is never near either; a prober learns at most
 * `perHour` answers an hour, however many connections it opens.
 */
export class LookupBudget {
  private readonly used = new Map<string, number>();
  private tokens: number;
  private last: number;

  constructor(
    private readonly perConnection: number,
    private readonly perHour: number,
    now: number,
  ) {
    this.tokens = perHour;
    this.last = now;
  }

  gate(connection: string, now: number): LookupGate {
    this.refill(now);
    const untilOne = Math.ceil(((1 - this.tokens) * HOUR_MS) / this.perHour);
    if (this.tokens < 1) return { ok: false, retryAfterMs: Math.max(1, untilOne) };
    if ((this.used.get(connection) ?? 0) >= this.perConnection)
      return { ok: false, retryAfterMs: Math.ceil(HOUR_MS / this.perHour) };
    return { ok: true };
  }

  /** An answer that told the connection a serial is unknown or taken. */
  spend(connection: string, now: number): void {
    this.refill(now);
    this.tokens = Math.max(0, this.tokens - 1);
    this.used.set(connection, (this.used.get(connection) ?? 0) + 1);
  }

  drop(connection: string): void {
    this.used.delete(connection);
  }

  private refill(now: number): void {
    const elapsed = Math.max(0, now - this.last);
    this.tokens = Math.min(this.perHour, this.tokens + (elapsed * this.perHour) / HOUR_MS);
    this.last = now;
  }
}
