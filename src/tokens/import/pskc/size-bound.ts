import { getHeapStatistics } from 'node:v8';
import { ImportError } from '../errors';

/**
 * How large a PSKC file the importer takes, decided before a byte is read. The file is held as one
 * string while its KeyPackages are parsed one at a time (split.ts): measured at about 2.3 times the
 * file's size in heap at the peak (a 16.7 MiB file of 40,000 packages: 22 MiB over the string), so
 * four times the size must be free. Past that, V8 would abort the process instead of failing.
 */
export const PSKC_HEAP_FACTOR = 4;
/** Whatever the heap, no seed file is this large (a million tokens are about 400 MiB). */
export const MAX_PSKC_BYTES = 512 * 1024 * 1024;

export interface HeapFigures {
  readonly heap_size_limit: number;
  readonly used_heap_size: number;
}

/** The largest PSKC file this heap can take now. */
export function pskcByteLimit(heap: HeapFigures = getHeapStatistics()): number {
  const free = Math.max(0, heap.heap_size_limit - heap.used_heap_size);
  return Math.min(MAX_PSKC_BYTES, Math.floor(free / PSKC_HEAP_FACTOR));
}

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

/** Refuses a file over the limit with what to do about it. */
export function checkPskcSize(bytes: number, limit: number = pskcByteLimit()): void {
  if (bytes <= limit) return;
  const heap = getHeapStatistics().heap_size_limit;
  throw new ImportError(
    'file',
    `${mib(bytes)} is too large for a PSKC import here: at most ${mib(limit)} with a ${mib(heap)} heap (the import needs about ${PSKC_HEAP_FACTOR} times the file's size free); split the file, or give node more heap (NODE_OPTIONS=--max-old-space-size=MiB)`,
  );
}
