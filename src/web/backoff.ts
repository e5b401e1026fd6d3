/** First reconnect delay after the daemon goes away. */
export const BACKOFF_FIRST_MS = 500;
/** The delay doubles per failed attempt up to this. */
export const BACKOFF_MAX_MS = 10_000;
/** Each delay is spread by up to this fraction either way, so many pages do not retry in step. */
export const BACKOFF_JITTER = 0.2;

/**
 * The wait before reconnect attempt `attempt` (0 for the first): 0.5 s doubling to 10 s, jittered.
 * `random` is a number in [0, 1).
 */
export function backoffDelay(attempt: number, random: number): number {
  const base = Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** Math.max(0, Math.min(attempt, 30)));
  const spread = 1 + BACKOFF_JITTER * (2 * random - 1);
  return Math.round(base * spread);
}
