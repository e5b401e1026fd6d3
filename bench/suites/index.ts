import type { BenchSuite } from '../harness';
import { keyboardSuite } from './keyboard';
import { otpSuite } from './otp';
import { registrySuite } from './registry';
import { captureSuite } from './capture';
import { fanoutSuite } from './fanout';
import { importSuite } from './import';
import { e2eSuite } from './e2e';
import { leaksSuite } from './leaks';
import { fleetSuite } from './fleet';
import { importServingSuite } from './import-serving';
import { startupSuite } from './startup';

/** Every benchmark suite; `npm run bench -- NAME` runs only the named ones. */
export const SUITES: BenchSuite[] = [
  otpSuite,
  keyboardSuite,
  registrySuite,
  fleetSuite,
  importSuite,
  importServingSuite,
  captureSuite,
  e2eSuite,
  fanoutSuite,
  leaksSuite,
  startupSuite,
];
