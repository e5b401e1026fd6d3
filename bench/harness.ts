/**
 * Benchmarks report figures, never assertions. Each figure may sit beside a baseline measured in the
 * same process and run, and is then also given as a ratio (figure / baseline).
 */
export interface BenchFigure {
  /** What was measured, e.g. 'HOTP verify, window 10'. */
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  /** The baseline measured in the same run, e.g. raw node:crypto HMAC for the same window. */
  readonly baseline?: { readonly name: string; readonly value: number };
  readonly note?: string;
}

export interface BenchSuite {
  readonly name: string;
  run(): Promise<BenchFigure[]>;
}

/** Mean time per call in microseconds, after a warm-up, over at least `minMs` of wall time. */
export function timePerCall(
  fn: () => void,
  options: { minMs?: number; warmup?: number } = {},
): number {
  const minMs = options.minMs ?? 300;
  for (let i = 0; i < (options.warmup ?? 50); i++) fn();
  let calls = 0;
  const start = process.hrtime.bigint();
  let elapsed: bigint;
  do {
    for (let i = 0; i < 20; i++) fn();
    calls += 20;
    elapsed = process.hrtime.bigint() - start;
  } while (elapsed < BigInt(minMs) * 1_000_000n);
  return Number(elapsed) / 1000 / calls;
}

/** Percentile of a sample (p in 0..100), nearest-rank. */
export function percentile(sample: readonly number[], p: number): number {
  if (sample.length === 0) return NaN;
  const sorted = [...sample].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export function ratio(figure: BenchFigure): number | undefined {
  return figure.baseline && figure.baseline.value !== 0
    ? figure.value / figure.baseline.value
    : undefined;
}
