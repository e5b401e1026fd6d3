import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * Shared knobs of the reliability suite (test/reliability). Counts scale with TB_RELIABILITY_SCALE
 * (default 1; CI on 2 cores stays within about a minute per file), fuzz runs use TB_RELIABILITY_SEED
 * when given so a failure can be replayed, and every file prints what it measured.
 */

function positiveNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) {
    throw new Error(`${name}: expected a positive number, got ${JSON.stringify(raw)}`);
  }
  return value;
}

/** Multiplies every count of the suite: 0.2 for a smoke run, 5 for a long soak. */
export const RELIABILITY_SCALE = positiveNumber('TB_RELIABILITY_SCALE', 1);

/**
 * The fast-check seed. Fixed by default so CI is reproducible (a CRC-16 collision after random
 * corruption is a 1-in-65536 event that a random seed would eventually hit); set
 * TB_RELIABILITY_SEED to explore other inputs.
 */
export const RELIABILITY_SEED = Math.trunc(positiveNumber('TB_RELIABILITY_SEED', 20261128));

/** `base` scaled, rounded, never below `min`. */
export function scaled(base: number, min = 1): number {
  return Math.max(min, Math.round(base * RELIABILITY_SCALE));
}

/** One line per measurement, so a CI log shows what a green run actually exercised. */
export function printCounts(what: string, counts: Record<string, number | string>): void {
  const fields = Object.entries(counts)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  console.log(`[reliability] ${what}: ${fields} (scale=${RELIABILITY_SCALE})`);
}

/** Polls `condition` every few ms; for states reached through real timers and sockets. */
export async function waitUntil(
  condition: () => boolean,
  what: string,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

let collector: (() => void) | undefined;

/**
 * A full garbage collection without starting node with --expose-gc: the flag is set at run time and
 * `gc` taken from a fresh context (a documented V8 idiom), so plain `npx jest` can measure heap.
 */
export function fullGc(): void {
  if (!collector) {
    setFlagsFromString('--expose-gc');
    collector = runInNewContext('gc') as () => void;
  }
  collector();
  collector();
}

/** heapUsed after a full collection. */
export function heapAfterGc(): number {
  fullGc();
  return process.memoryUsage().heapUsed;
}
