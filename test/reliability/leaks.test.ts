import { join } from 'node:path';
import type { LeakRun } from '../../bench/suites/leaks';
import { ScriptProcess } from '../helpers/reliability-process';
import { printCounts, scaled } from '../helpers/reliability-scale';

/**
 * The leak benchmark's run, smaller: 10,000 OTP events through a real daemon (in a child process of
 * its own) to a ws client. What is asserted are counts: every event delivered, the same handles and
 * sockets after the events as before them, and after closing the daemon as before starting it. Heap
 * is reported, with a bound far above noise and far below a per-event leak.
 */
const EVENTS = scaled(10_000, 1_000);
const CHILD = join(__dirname, '..', 'helpers', 'reliability-leak-child.ts');

test('OTP events through the daemon leave no handles, sockets or heap behind', async () => {
  const child = new ScriptProcess(CHILD, [String(EVENTS)]);
  const line = await child.next(50_000);
  await child.exited;
  if (!line?.startsWith('result ')) throw new Error(`leak child: ${line} ${child.stderr.join('')}`);
  const run = JSON.parse(line.slice('result '.length)) as LeakRun;
  printCounts('leaks', {
    events: run.events,
    delivered: run.delivered,
    handlesBaseline: run.baseline.handles,
    handlesBefore: run.before.handles,
    handlesAfter: run.after.handles,
    handlesStopped: run.stopped.handles,
    socketsBefore: run.before.sockets,
    socketsAfter: run.after.sockets,
    heapBeforeMiB: Math.round(run.before.heapUsed / 2 ** 20),
    heapAfterMiB: Math.round(run.after.heapUsed / 2 ** 20),
    rssBeforeMiB: Math.round(run.before.rss / 2 ** 20),
    rssAfterMiB: Math.round(run.after.rss / 2 ** 20),
  });
  expect(run.delivered).toBe(run.events);
  expect(run.events).toBe(EVENTS);
  expect(run.after.byType).toEqual(run.before.byType);
  expect(run.after.sockets).toBe(run.before.sockets);
  expect(run.stopped.byType).toEqual(run.baseline.byType);
  // 10,000 retained events of even 500 bytes each would be ~5 MiB.
  expect(run.after.heapUsed - run.before.heapUsed).toBeLessThan(4 * 2 ** 20);
}, 60_000);
