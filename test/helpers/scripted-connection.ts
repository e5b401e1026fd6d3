import type { Clock, DeviceInfo, HidConnection, HidConnectionEvents } from '../../src/core';
import { ManualClock } from './manual-clock';

/**
 * A HidConnection that plays a device from a script of wire bytes: each GET_FEATURE answers with
 * the next scripted report, each SET_FEATURE is recorded. Tests compare `transcript` with the
 * exchange they expect, so the real OtpProtocol runs against exact bytes without a device.
 */
export type ScriptStep =
  /** Answer the next GET_FEATURE with these bytes (hex, spaces allowed); `times` repeats it. */
  | { readonly get: string; readonly times?: number }
  /** The next GET_FEATURE fails with this error. */
  | { readonly getError: unknown }
  /** The next GET_FEATURE never completes. */
  | { readonly getHang: true }
  /** SET_FEATURE number `atSet` (0-based, counting every write) fails with this error. */
  | { readonly setError: unknown; readonly atSet: number };

export const SCRIPTED_INFO: DeviceInfo = {
  driver: 'scripted',
  path: 'scripted-0',
  vendorId: 0x1050,
  productId: 0x0401, // OTP-only: no reclaim retries unless a test asks for another PID
  model: 'YubiKey 4/5',
  interfaceNumber: 0,
  access: 'shared',
};

export function hex(bytes: Uint8Array): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(' ');
}

export function bytes(text: string): Uint8Array {
  const clean = text.replace(/\s+/g, '');
  return new Uint8Array(Buffer.from(clean, 'hex'));
}

export class ScriptedConnection implements HidConnection {
  readonly info: DeviceInfo;
  closed = false;
  /** Every report in order: 'get <hex>' as answered, 'set <hex>' as written. */
  readonly transcript: string[] = [];
  private readonly gets: Array<Exclude<ScriptStep, { setError: unknown }>> = [];
  private readonly setErrors = new Map<number, unknown>();
  private sets = 0;
  private readonly listeners = new Map<keyof HidConnectionEvents, Set<(...a: never[]) => void>>();

  constructor(steps: readonly ScriptStep[], info: Partial<DeviceInfo> = {}) {
    this.info = { ...SCRIPTED_INFO, ...info };
    this.push(...steps);
  }

  /** Appends device behaviour, e.g. for a second exchange. */
  push(...steps: readonly ScriptStep[]): void {
    for (const step of steps) {
      if ('setError' in step) this.setErrors.set(step.atSet, step.setError);
      else if ('get' in step) for (let i = 0; i < (step.times ?? 1); i++) this.gets.push(step);
      else this.gets.push(step);
    }
  }

  /** Scripted GET answers not consumed. */
  get unread(): number {
    return this.gets.length;
  }

  /** The SET_FEATUREs only. */
  get written(): string[] {
    return this.transcript.filter((t) => t.startsWith('set ')).map((t) => t.slice(4));
  }

  async sendFeatureReport(report: Uint8Array): Promise<void> {
    if (this.closed) throw new Error('scripted connection closed');
    const index = this.sets++;
    if (this.setErrors.has(index)) throw this.setErrors.get(index);
    this.transcript.push(`set ${hex(report)}`);
  }

  async getFeatureReport(): Promise<Uint8Array> {
    if (this.closed) throw new Error('scripted connection closed');
    const step = this.gets.shift();
    if (step === undefined) throw new Error('script exhausted: unexpected GET_FEATURE');
    if ('getHang' in step) return new Promise<Uint8Array>(() => undefined);
    if ('getError' in step) throw step.getError;
    const report = bytes(step.get);
    this.transcript.push(`get ${hex(report)}`);
    return report;
  }

  /** Delivers an input (keyboard) report to the listeners. */
  emitInput(report: Uint8Array): void {
    for (const l of this.listeners.get('input') ?? []) (l as HidConnectionEvents['input'])(report);
  }

  on<E extends keyof HidConnectionEvents>(event: E, listener: HidConnectionEvents[E]): () => void {
    const set = this.listeners.get(event) ?? new Set();
    set.add(listener as (...a: never[]) => void);
    this.listeners.set(event, set);
    return () => set.delete(listener as (...a: never[]) => void);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const l of this.listeners.get('close') ?? []) (l as HidConnectionEvents['close'])();
  }
}

/**
 * A manual clock for a protocol under test, `run` to let its time pass until a call settles, and the
 * waits it took: the delay of every timer that fired. Report timeouts are cleared when the report
 * comes, so only polls and back-offs show (and the timeout of a report that never came).
 */
export function protocolClock(manual = new ManualClock()): {
  clock: Clock;
  run: <T>(task: Promise<T>) => Promise<T>;
  pauses: number[];
} {
  const pauses: number[] = [];
  const clock: Clock = {
    now: () => manual.now(),
    setTimeout: (fn, ms, options) =>
      manual.setTimeout(
        () => {
          pauses.push(ms);
          fn();
        },
        ms,
        options,
      ),
  };
  return { clock, run: (task) => manual.runUntil(task), pauses };
}
