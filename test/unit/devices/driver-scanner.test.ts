import type { DeviceInfo, Driver, HotplugListener } from '../../../src/core';
import { DeviceError, ErrorCode } from '../../../src/core';
import { DriverScanner } from '../../../src/devices/driver-scanner';
import { ManualClock } from '../../helpers/manual-clock';
import { makeManager, stopManagers } from './manager-rig';

/** A driver whose enumerations finish only when the test says so, counting how many overlap. */
function slowDriver() {
  const pending: Array<() => void> = [];
  let running = 0;
  const stats = { calls: 0, maxConcurrent: 0 };
  const listeners = new Set<HotplugListener>();
  const driver: Driver = {
    name: 'slow',
    availability: async () => ({ available: true }),
    enumerate: async (): Promise<DeviceInfo[]> => {
      stats.calls += 1;
      running += 1;
      stats.maxConcurrent = Math.max(stats.maxConcurrent, running);
      await new Promise<void>((resolve) => pending.push(resolve));
      running -= 1;
      return [];
    },
    open: async () => {
      throw new DeviceError(ErrorCode.DEVICE_NOT_FOUND, 'nothing to open');
    },
    watch: (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
  };
  const finishAll = () => {
    for (const r of pending.splice(0)) r();
  };
  return { driver, stats, finishAll, listeners, pending };
}

const tick = () => new Promise((r) => setImmediate(r));

afterEach(stopManagers);

describe('DriverScanner', () => {
  test('scans asked for during one enumeration become a single follow-up, never overlapping', async () => {
    const slow = slowDriver();
    const found: number[] = [];
    const scanner = new DriverScanner(
      slow.driver,
      { found: async () => void found.push(1), failed: () => undefined },
      new ManualClock(),
    );
    const first = scanner.scan();
    const more = [scanner.scan(), scanner.scan(), scanner.scan()];
    await tick();
    expect(slow.stats.calls).toBe(1);
    slow.finishAll();
    await first;
    await tick();
    expect(slow.stats.calls).toBe(2);
    slow.finishAll();
    await Promise.all(more);
    expect(slow.stats).toEqual({ calls: 2, maxConcurrent: 1 });
    expect(found).toHaveLength(2);
  });

  test('a failing enumeration is handed to failed(), and scan() still resolves', async () => {
    const errors: string[] = [];
    const driver: Driver = {
      name: 'broken',
      availability: async () => ({ available: true }),
      enumerate: async () => {
        throw new Error('bus went away');
      },
      open: async () => {
        throw new Error('unused');
      },
    };
    const scanner = new DriverScanner(
      driver,
      {
        found: async () => undefined,
        failed: (_d, err) => void errors.push(`${err.code}: ${err.message}`),
      },
      new ManualClock(),
    );
    await scanner.scan();
    expect(errors).toEqual(['INTERNAL: bus went away']);
  });
});

describe('DeviceManager hotplug scheduling', () => {
  test('a burst of hotplug events costs one debounced enumeration', async () => {
    const clock = new ManualClock();
    const slow = slowDriver();
    const { manager } = makeManager([slow.driver], { debounceMs: 20, clock });
    const started = manager.start();
    await tick();
    slow.finishAll();
    await started;
    expect(slow.stats.calls).toBe(1);
    for (let i = 0; i < 10; i++) for (const l of slow.listeners) l.detached(`path-${i}`);
    await clock.advance(19);
    expect(slow.stats.calls).toBe(1);
    await clock.advance(1);
    expect(slow.stats.calls).toBe(2);
    slow.finishAll();
    await clock.advance(60); // a second debounce window passes quietly
    expect(slow.stats.calls).toBe(2);
  });

  test('polling never overlaps a slow enumeration, and stops with the manager', async () => {
    const slow = slowDriver();
    const polled: Driver = { ...slow.driver };
    delete (polled as { watch?: unknown }).watch;
    const clock = new ManualClock();
    const { manager } = makeManager([polled], { pollIntervalMs: 5, clock });
    const started = manager.start();
    await tick();
    slow.finishAll();
    await started;
    await clock.advance(5);
    expect(slow.stats.calls).toBe(2);
    // Hold that enumeration for several poll intervals.
    await clock.advance(40);
    expect(slow.stats.calls).toBe(2);
    slow.finishAll();
    await clock.advance(5);
    expect(slow.stats.calls).toBe(3);
    const stopping = manager.stop();
    slow.finishAll();
    await stopping;
    expect(clock.pendingTimers).toBe(0);
    await clock.advance(30);
    expect(slow.stats.calls).toBe(3);
    expect(slow.stats.maxConcurrent).toBe(1);
  });
});
