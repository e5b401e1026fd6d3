import type { BenchSuite } from '../harness';

/** Every benchmark suite; `npm run bench -- NAME` runs only the named ones. */
export const SUITES: BenchSuite[] = [];
