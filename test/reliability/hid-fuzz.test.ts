import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { ErrorCode, KEYBOARD_REPORT_SIZE, silentLogger } from '../../src/core';
import { DeviceManager, type DeviceManagerOptions } from '../../src/devices';
import { DEFAULT_RESUME_GUARD_MS } from '../../src/yubikey';
import { parseVirtualSpec, VirtualDriver, VirtualToken } from '../../drivers/virtual';
import {
  type AnswerCorruption,
  enterFreeReport,
  FLUSH_REPORTS,
  invalidReport,
  SabotagedDevice,
} from '../helpers/reliability-devices';
import { printCounts, RELIABILITY_SEED, scaled } from '../helpers/reliability-scale';
import { EventLog } from '../unit/devices/manager-rig';
import { ManualClock } from '../helpers/manual-clock';

/**
 * The DeviceManager is fed hostile input by tokens that are otherwise real: invalid keyboard reports
 * spliced into their typing, arbitrary reports between presses, garbage floods, and feature report
 * answers spoiled on the way back. It must never crash, never emit an OTP the token did not type,
 * and report or close the device exactly as its policy says.
 */

const fcOptions = (numRuns: number) => ({ numRuns, seed: RELIABILITY_SEED, endOnFailure: true });

const QUICK: Omit<DeviceManagerOptions, 'drivers' | 'logger'> = {
  debounceMs: 1,
  pollIntervalMs: 60_000,
  exclusive: false,
  otpTimeoutMs: 60_000,
  retry: { attempts: 3, delayMs: 1 },
  session: {
    reclaimAttempts: 1,
    timings: {
      reportTimeoutMs: 200,
      writeTimeoutMs: 20,
      processingTimeoutMs: 20,
      touchTimeoutMs: 20,
    },
  },
};

/** Token kinds under test; serials are assigned per run so rigs never share one. */
const KIND = fc.constantFrom('hotp', 'yubico');
/** Key-down and key-up per character and for Enter: 6 digits, or a 44-character Yubico OTP. */
const REPORTS_PER_PRESS: Record<string, number> = { hotp: 14, yubico: 90 };
let nextSerial = 4_100_000;

interface Rig {
  /**
   * Frozen unless a test moves it, so that nothing waits for real: the protocol's polls, the
   * retries and the policy windows pass only while `run` waits for something.
   */
  clock: ManualClock;
  run<T>(task: Promise<T>): Promise<T>;
  manager: DeviceManager;
  log: EventLog;
  token: VirtualToken;
  device: SabotagedDevice;
  stop(): Promise<void>;
}

async function rig(
  kind: string,
  options: Partial<DeviceManagerOptions> = {},
  tokenRandom?: (n: number) => Uint8Array,
  prepare?: (device: SabotagedDevice) => void,
): Promise<Rig> {
  const clock = new ManualClock();
  const token = new VirtualToken(parseVirtualSpec(`${kind}:serial=${nextSerial++},pacing=0`), {
    clock,
    ...(tokenRandom ? { random: tokenRandom } : {}),
  });
  const device = new SabotagedDevice(token);
  prepare?.(device);
  const driver = new VirtualDriver();
  driver.attach(device);
  const manager = new DeviceManager({
    drivers: [driver],
    logger: silentLogger(),
    ...QUICK,
    ...options,
    clock,
  });
  const log = new EventLog(manager);
  await clock.runUntil(manager.start());
  return {
    clock,
    run: (task) => clock.runUntil(task),
    manager,
    log,
    token,
    device,
    async stop() {
      await clock.runUntil(manager.stop());
      token.unplug();
      device.dispose();
      await driver.dispose();
    },
  };
}

const totals = {
  runs: 0,
  presses: 0,
  otps: 0,
  injected: 0,
  spoiled: 0,
  errors: 0,
  floods: 0,
  resumedDropped: 0,
  hiddenSerial: 0,
};
afterAll(() => printCounts('hid fuzz', totals));

const bytes8 = fc.uint8Array({ minLength: KEYBOARD_REPORT_SIZE, maxLength: KEYBOARD_REPORT_SIZE });

test('invalid reports spliced anywhere into real typing change nothing: every OTP arrives once, as typed', async () => {
  const splice = fc.record({
    at: fc.nat({ max: 89 }),
    reports: fc.array(
      fc.oneof(
        bytes8.map(invalidReport),
        // Phantom state: ErrorRollOver in every slot, which a decoder must skip.
        fc.constant(Uint8Array.of(0, 0, 1, 1, 1, 1, 1, 1)),
      ),
      { minLength: 1, maxLength: 6 },
    ),
  });
  await fc.assert(
    fc.asyncProperty(
      KIND,
      fc.array(fc.array(splice, { maxLength: 6 }), { minLength: 1, maxLength: 4 }),
      async (kind, presses) => {
        const r = await rig(kind, { garbage: { limit: 1_000_000 } });
        try {
          const typed: string[] = [];
          for (const splices of presses) {
            r.device.insertAfter.clear();
            for (const s of splices) {
              // Before any of the press's reports, between two, or (at the end) before the next press.
              const at = r.device.typedReports + (s.at % REPORTS_PER_PRESS[kind]!);
              r.device.insertAfter.set(at, [...(r.device.insertAfter.get(at) ?? []), ...s.reports]);
            }
            typed.push(await r.token.press());
            totals.presses += 1;
          }
          await r.log.waitFor('otp', () => true, typed.length);
          expect(r.log.of('otp').map((e) => e.otp)).toEqual(typed);
          expect(r.log.of('error')).toEqual([]);
          expect(r.log.of('detached')).toEqual([]);
          expect(r.device.injected).toBe(presses.flat().reduce((n, s) => n + s.reports.length, 0));
          totals.otps += typed.length;
          totals.injected += r.device.injected;
        } finally {
          await r.stop();
          totals.runs += 1;
        }
      },
    ),
    fcOptions(scaled(200)),
  );
});

test('arbitrary reports and the garbage fault between presses never yield an OTP the token did not type', async () => {
  const burst = fc.record({
    reports: fc.array(bytes8.map(enterFreeReport), { maxLength: 40 }),
    garbage: fc.nat({ max: 30 }),
  });
  await fc.assert(
    fc.asyncProperty(
      KIND,
      fc.array(burst, { minLength: 1, maxLength: 4 }),
      fc.array(bytes8, { minLength: 1, maxLength: 64 }),
      async (kind, bursts, pool) => {
        // The garbage fault draws its reports from fast-check's bytes (Enter-free, see above).
        let drawn = 0;
        const random = (n: number) =>
          n === KEYBOARD_REPORT_SIZE
            ? enterFreeReport(pool[drawn++ % pool.length]!)
            : new Uint8Array(randomBytes(n));
        const r = await rig(kind, { garbage: { limit: 1_000_000 } }, random);
        try {
          const typed: string[] = [];
          for (const b of bursts) {
            r.device.inject(b.reports);
            r.token.injectFault({ kind: 'garbage', count: b.garbage });
            r.device.inject(FLUSH_REPORTS);
            totals.injected += b.reports.length + b.garbage + FLUSH_REPORTS.length;
            typed.push(await r.token.press());
            totals.presses += 1;
          }
          await r.log.waitFor('otp', () => true, typed.length);
          await r.manager.settled();
          // Exactly the presses, in order: nothing fabricated, nothing lost, nothing doubled.
          expect(r.log.of('otp').map((e) => e.otp)).toEqual(typed);
          expect(r.log.of('error')).toEqual([]);
          totals.otps += typed.length;
        } finally {
          await r.stop();
          totals.runs += 1;
        }
      },
    ),
    fcOptions(scaled(200)),
  );
});

test('a garbage flood closes and reports the device once above the limit, never below it; it comes back', async () => {
  await fc.assert(
    fc.asyncProperty(
      KIND,
      fc.integer({ min: 1, max: 40 }),
      fc.integer({ min: 0, max: 80 }),
      async (kind, limit, count) => {
        // The frozen clock puts the whole burst inside one window, so the policy is exact.
        const r = await rig(kind, { garbage: { limit, windowMs: 1000 } });
        try {
          const deviceId = r.manager.devices()[0]!.id;
          r.device.inject(Array.from({ length: count }, () => invalidReport(new Uint8Array(8))));
          totals.injected += count;
          if (count > limit) {
            totals.floods += 1;
            const error = await r.log.waitFor('error');
            expect(error).toMatchObject({ deviceId, code: ErrorCode.PROTOCOL_BAD_REPORT });
            expect(r.log.of('detached').map((e) => e.id)).toEqual([deviceId]);
            // Per policy the device is retried, and it types again once back. Typing that was
            // under way as it came back has a start the daemon never saw: it is dropped whole.
            await r.run(r.log.waitFor('attached', () => true, 2));
            await r.token.press();
            await r.manager.settled();
            expect(r.log.of('otp')).toEqual([]);
            totals.resumedDropped += 1;
            await r.clock.advance(DEFAULT_RESUME_GUARD_MS + 1);
          }
          const typed = await r.token.press();
          totals.presses += 1;
          expect((await r.log.waitFor('otp')).otp).toBe(typed);
          await r.manager.settled();
          expect(r.log.of('error')).toHaveLength(count > limit ? 1 : 0);
          expect(r.log.of('otp')).toHaveLength(1);
          totals.otps += 1;
          totals.errors += r.log.of('error').length;
        } finally {
          await r.stop();
          totals.runs += 1;
        }
      },
    ),
    fcOptions(scaled(100)),
  );
});

test('spoiled feature report answers: no crash, no wrong serial, no OTP; the key attaches once they stop', async () => {
  const corruption: fc.Arbitrary<AnswerCorruption> = fc.oneof(
    bytes8.filter((m) => m.some((b) => b !== 0)).map((mask) => ({ kind: 'xor' as const, mask })),
    bytes8.map((bytes) => ({ kind: 'replace' as const, bytes })),
    fc.constantFrom(0, 1, 7, 9, 64).map((length) => ({ kind: 'length' as const, length })),
  );
  const allowed = new Set<string>([
    ErrorCode.PROTOCOL_CRC,
    ErrorCode.PROTOCOL_SEQUENCE,
    ErrorCode.PROTOCOL_TIMEOUT,
    ErrorCode.PROTOCOL_BAD_REPORT,
    ErrorCode.COMMAND_REJECTED,
    ErrorCode.DEVICE_IO,
  ]);
  await fc.assert(
    fc.asyncProperty(
      KIND,
      // An open takes about 7 answers (status, then the serial frame): spoil some of the first 24.
      fc.array(fc.tuple(fc.nat({ max: 23 }), corruption), { minLength: 1, maxLength: 12 }),
      async (kind, plan) => {
        const r = await rig(
          kind,
          // Every failure is retried at once, so the spoiled answers run out and the key must attach.
          { retry: { attempts: 1_000, delayMs: 0 } },
          undefined,
          (device) => {
            for (const [at, how] of plan) device.answers.set(at, how);
          },
        );
        try {
          const serial = r.token.spec.serial;
          await r.run(r.log.waitFor('attached'));
          const attached = r.log.of('attached');
          expect(attached).toHaveLength(1);
          // The serial is CRC-protected; a spoiled "rejected" answer can only hide it.
          if (attached[0]!.serial !== undefined) expect(attached[0]!.serial).toBe(serial);
          else totals.hiddenSerial += 1;
          for (const e of r.log.of('error')) {
            expect(allowed).toContain(e.code);
            expect(e.deviceId).toBe(attached[0]!.id);
          }
          expect(r.log.of('otp')).toEqual([]);
          const typed = await r.token.press();
          expect((await r.log.waitFor('otp')).otp).toBe(typed);
          totals.presses += 1;
          totals.otps += 1;
          totals.spoiled += r.device.spoiled;
          totals.errors += r.log.of('error').length;
        } finally {
          await r.stop();
          totals.runs += 1;
        }
      },
    ),
    fcOptions(scaled(150)),
  );
});
