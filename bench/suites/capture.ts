import { createHook } from 'node:async_hooks';
import { type Driver, silentLogger, USAGE_ENTER } from '../../src/core';
import { defaultConfig } from '../../src/config';
import { Runtime } from '../../src/runtime';
import { parseVirtualSpec, VirtualDriver, VirtualToken } from '../../drivers/virtual';
import { percentile, type BenchFigure, type BenchSuite } from '../harness';

const PRESSES = 1000;
/** Long enough for a 1 s poll timer to fire about ten times; BENCH_IDLE_MS shortens it. */
const IDLE_MS = Number(process.env.BENCH_IDLE_MS ?? 10_000);
const KEY_OFFSET = 2; // first key slot of a boot keyboard report

/** The device parts as every command builds them (the default configuration), over `drivers`. */
function benchRuntime(drivers: Driver[]): Runtime {
  return new Runtime({ config: defaultConfig({}), logger: silentLogger(), env: {}, drivers });
}

function nowUs(): number {
  return Number(process.hrtime.bigint()) / 1000;
}

/**
 * Capture latency: from the keyboard report that completes the OTP (the Enter key-down: the
 * assembler emits on it, the key-up after it carries nothing) to the manager's `otp` event.
 */
async function captureLatency(): Promise<number[]> {
  const bus = new VirtualDriver();
  const token = new VirtualToken(parseVirtualSpec('hotp:serial=1000,pacing=0'));
  let lastReportAt = 0;
  // Subscribed before the manager opens the token, so it runs first for every report.
  token.onInputReport(() => (lastReportAt = nowUs()));
  bus.attach(token);
  const runtime = benchRuntime([bus]);
  const manager = runtime.devices();
  const sample: number[] = [];
  manager.on('otp', () => sample.push(nowUs() - lastReportAt));
  await manager.start();
  for (let i = 0; i < PRESSES; i++) await token.press();
  await runtime.close();
  if (sample.length !== PRESSES) throw new Error(`expected ${PRESSES} OTPs, got ${sample.length}`);
  return sample;
}

/**
 * The baseline, measured the same way: the same token, bus and connection, with our protocol layers
 * removed (no session, keyboard decoder, OTP assembler or manager): the connection's own Enter report.
 */
async function rawPathLatency(): Promise<number[]> {
  const bus = new VirtualDriver();
  const token = new VirtualToken(parseVirtualSpec('hotp:serial=1000,pacing=0'));
  let lastReportAt = 0;
  token.onInputReport(() => (lastReportAt = nowUs()));
  void bus.attach(token);
  const connection = await bus.open((await bus.enumerate())[0]!);
  const sample: number[] = [];
  connection.on('input', (report) => {
    if (report[KEY_OFFSET] === USAGE_ENTER) sample.push(nowUs() - lastReportAt);
  });
  for (let i = 0; i < PRESSES; i++) await token.press();
  await connection.close();
  await bus.dispose();
  return sample;
}

interface IdleFigures {
  cpuMs: number;
  wakeups: number;
}

/** CPU time and timer callbacks of a started manager with four tokens and nothing happening. */
async function idle(polled: boolean): Promise<IdleFigures> {
  const bus = new VirtualDriver();
  for (let i = 1; i <= 4; i++) bus.attach(new VirtualToken(parseVirtualSpec(`hotp:serial=${i}`)));
  const driver: Driver = polled
    ? {
        name: bus.name,
        availability: () => bus.availability(),
        enumerate: () => bus.enumerate(),
        open: (info) => bus.open(info),
      }
    : bus;
  // Timers armed during start() (the first poll) must be known to count their callbacks.
  const timers = new Set<number>();
  let wakeups = 0;
  const hook = createHook({
    init: (id, type) => {
      if (type === 'Timeout') timers.add(id);
    },
    before: (id) => {
      if (timers.has(id)) wakeups += 1;
    },
  });
  hook.enable();
  const runtime = benchRuntime([driver]);
  const manager = runtime.devices();
  await manager.start();
  if (manager.devices().length !== 4) throw new Error('idle bench: tokens not attached');
  wakeups = 0;
  const cpu = process.cpuUsage();
  await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
  const used = process.cpuUsage(cpu);
  hook.disable();
  await runtime.close();
  await bus.dispose(); // the polled wrapper is not the bus: the runtime disposed only the wrapper
  // The bench's own wait is one timer callback.
  return { cpuMs: (used.user + used.system) / 1000, wakeups: Math.max(0, wakeups - 1) };
}

async function run(): Promise<BenchFigure[]> {
  const baselineSample = await rawPathLatency();
  const sample = await captureLatency();
  const baselineMedian = percentile(baselineSample, 50);
  const baselineP99 = percentile(baselineSample, 99);
  const events = await idle(false);
  const polling = await idle(true);
  const seconds = IDLE_MS / 1000;
  return [
    {
      name: `capture latency, Enter report -> otp event, median of ${PRESSES}`,
      value: percentile(sample, 50),
      unit: 'µs',
      baseline: { name: 'the same path, protocol layers removed, median', value: baselineMedian },
    },
    {
      name: `capture latency, Enter report -> otp event, p99 of ${PRESSES}`,
      value: percentile(sample, 99),
      unit: 'µs',
      baseline: { name: 'the same path, protocol layers removed, p99', value: baselineP99 },
    },
    {
      name: `idle manager, 4 tokens, hotplug events: CPU over ${seconds} s`,
      value: events.cpuMs,
      unit: 'ms',
      note: `${events.wakeups} timer callbacks fired`,
    },
    {
      name: `idle manager, 4 tokens, polled every 1 s: CPU over ${seconds} s`,
      value: polling.cpuMs,
      unit: 'ms',
      note: `${polling.wakeups} timer callbacks fired`,
    },
  ];
}

export const captureSuite: BenchSuite = { name: 'capture', run };
