import type { BenchSuite } from '../harness';
import { keyboardSuite } from './keyboard';
import { otpSuite } from './otp';
import { registrySuite } from './registry';
import { captureSuite } from './capture';
import { fanoutSuite } from './fanout';
import { importSuite } from './import';

/** Every benchmark suite; `npm run bench -- NAME` runs only the named ones. */
export const SUITES: BenchSuite[] = [
  otpSuite,
  keyboardSuite,
  registrySuite,
  importSuite,
  captureSuite,
  fanoutSuite,
];
