/**
 * Runs the leak benchmark's check in a process of its own, so that the handle counts are the
 * daemon's alone (Jest keeps timers of its own that come and go):
 *
 *   node -r ./test/helpers/swc-register.cjs test/helpers/reliability-leak-child.ts EVENTS
 *
 * Prints one line: `result JSON` (a LeakRun).
 */
import { writeSync } from 'node:fs';
import { runLeakCheck } from '../../bench/suites/leaks';

async function main(): Promise<void> {
  const events = Number(process.argv[2]);
  if (!Number.isSafeInteger(events) || events < 1) throw new Error('usage: EVENTS (a count)');
  const run = await runLeakCheck(events);
  writeSync(1, `result ${JSON.stringify(run)}\n`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    writeSync(1, `error ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
