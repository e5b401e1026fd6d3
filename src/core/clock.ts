/** Time as a seam: tests and the TOTP engine take a Clock instead of reading Date.now() directly. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
