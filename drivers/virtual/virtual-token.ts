import { randomBytes } from 'node:crypto';
import {
  type Clock,
  CONFIG1_TOUCH,
  CONFIG1_VALID,
  CONFIG2_TOUCH,
  CONFIG2_VALID,
  DeviceError,
  ErrorCode,
  FEATURE_DATA_SIZE,
  type Logger,
  modelFor,
  REPORT_SIZE,
  silentLogger,
  STATUS_OFFSET_PROG_SEQ,
  STATUS_OFFSET_TOUCH_LOW,
  STATUS_OFFSET_VERSION_BUILD,
  STATUS_OFFSET_VERSION_MAJOR,
  STATUS_OFFSET_VERSION_MINOR,
  systemClock,
  type Timer,
  toHex,
  ValidationError,
  YUBICO_VENDOR_ID,
} from '../../src/core';
import { executeCommand } from './commands';
import { gone, type VirtualDevice, Listeners } from './device';
import { FaultState, garbageReports, type VirtualFault } from './faults';
import { FeatureReportMachine } from './feature-reports';
import { keyReportsFor } from './keyboard';
import { firmwareAtLeast, TOUCH_BITS_MIN_FIRMWARE, VALID_BITS_MIN_FIRMWARE } from './models';
import { HotpSlot, type RandomSource, type SlotState, YubicoSlot } from './slots';
import type { SlotSpec, VirtualTokenSpec } from './spec';

export interface VirtualTokenOptions {
  /** Time of the Yubico OTP timestamp, and of the stalls and the pacing of typing. */
  clock?: Clock;
  logger?: Logger;
  /** Randomness for Yubico OTP rnd/timestamp and garbage reports (node:crypto by default). */
  random?: RandomSource;
  /** GET_FEATUREs that show the write flag after each chunk (default 1; 0 for byte-exact traces). */
  writeBusyReads?: number;
}

export interface VirtualTokenState {
  readonly hotpCounter: number;
  readonly yubicoUsage: number;
  readonly yubicoSession: number;
}

/** pgmSeq a freshly programmed key reports; it counts configuration writes, which we reject. */
const PROGRAMMED_PGM_SEQ = 1;

/**
 * A YubiKey-style OTP token in software: it answers the 8-byte feature reports a real key answers and
 * types its OTPs as boot-keyboard reports. Faults can be injected to exercise a host's error paths.
 */
export class VirtualToken implements VirtualDevice {
  readonly spec: VirtualTokenSpec;
  readonly id: string;
  readonly vendorId = YUBICO_VENDOR_ID;
  readonly productId: number;
  readonly model: string;

  private isPlugged = true;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly random: RandomSource;
  private readonly machine: FeatureReportMachine;
  private readonly slots: ReadonlyArray<SlotState | null>;
  private readonly hotp: HotpSlot | undefined;
  private readonly yubico: YubicoSlot | undefined;
  private readonly faults = new FaultState();
  private readonly inputListeners = new Listeners<Uint8Array>();
  private readonly plugListeners = new Listeners<boolean>();
  /** Timers of stalls and typing, each with the rejection that ends it on unplug. */
  private readonly waits = new Map<Timer, (err: Error) => void>();
  private typing = false;

  constructor(spec: VirtualTokenSpec, options: VirtualTokenOptions = {}) {
    this.spec = spec;
    this.id = `virtual-${spec.serial}`;
    this.productId = spec.productId;
    this.model = modelFor(YUBICO_VENDOR_ID, spec.productId);
    this.clock = options.clock ?? systemClock;
    this.log = (options.logger ?? silentLogger()).child({
      module: 'virtual-token',
      token: this.id,
    });
    this.random = options.random ?? ((n) => new Uint8Array(randomBytes(n)));
    const now = this.clock.now();
    this.slots = [spec.slot1, spec.slot2].map((s) => (s ? this.makeSlot(s, now) : null));
    this.hotp = this.slots.find((s): s is HotpSlot => s instanceof HotpSlot);
    this.yubico = this.slots.find((s): s is YubicoSlot => s instanceof YubicoSlot);
    this.machine = new FeatureReportMachine(
      {
        statusBytes: () => this.statusBytes(),
        execute: (command, payload) => executeCommand(spec, command, payload),
      },
      { writeBusyReads: options.writeBusyReads ?? 1 },
    );
  }

  get plugged(): boolean {
    return this.isPlugged;
  }

  get state(): VirtualTokenState {
    return {
      hotpCounter: this.hotp?.counter ?? 0,
      yubicoUsage: this.yubico?.usage ?? 0,
      yubicoSession: this.yubico?.session ?? 0,
    };
  }

  async setFeatureReport(report: Uint8Array): Promise<void> {
    checkReport(report);
    await this.beforeTransfer();
    this.log.trace({ report: toHex(report) }, 'set feature');
    this.machine.write(report);
  }

  async getFeatureReport(): Promise<Uint8Array> {
    await this.beforeTransfer();
    const report = this.machine.read();
    this.log.trace({ report: toHex(report) }, 'get feature');
    return report;
  }

  onInputReport(listener: (report: Uint8Array) => void): () => void {
    return this.inputListeners.add(listener);
  }

  onPlugChange(listener: (plugged: boolean) => void): () => void {
    return this.plugListeners.add(listener);
  }

  /**
   * Touches the button: types the slot's OTP. Resolves with the text (without Enter) once the last
   * key-up report is out; an unprogrammed slot types nothing and resolves with ''. Rejects with
   * DEVICE_GONE when unplugged (before or while typing) and DEVICE_BUSY while still typing.
   */
  async press(slot: 1 | 2 = 1): Promise<string> {
    if (!this.isPlugged) throw gone(this.id);
    if (this.typing) throw new DeviceError(ErrorCode.DEVICE_BUSY, `${this.id} is still typing`);
    const state = this.slots[slot - 1];
    if (!state) return '';
    const text = state.press(this.clock.now());
    const reports = keyReportsFor(text, {
      numericKeypad: this.spec.numericKeypad,
      appendEnter: this.spec.appendEnter,
    });
    this.typing = true;
    try {
      for (let i = 0; i < reports.length; i++) {
        if (i > 0) await this.pace();
        if (!this.isPlugged) throw gone(this.id);
        this.emitInput(reports[i]!);
      }
    } finally {
      this.typing = false;
    }
    this.log.debug({ slot }, 'typed an OTP');
    return text;
  }

  unplug(): void {
    if (!this.isPlugged) return;
    this.isPlugged = false;
    this.machine.reset();
    const err = gone(this.id);
    for (const [timer, reject] of this.waits) {
      timer.clear();
      reject(err);
    }
    this.waits.clear();
    this.log.debug('unplugged');
    this.plugListeners.emit(false, (e) => this.listenerFailed(e));
  }

  plug(): void {
    if (this.isPlugged) return;
    this.isPlugged = true;
    const now = this.clock.now();
    for (const slot of this.slots) slot?.powerUp(now);
    this.log.debug('plugged');
    this.plugListeners.emit(true, (e) => this.listenerFailed(e));
  }

  injectFault(fault: VirtualFault): void {
    switch (fault.kind) {
      case 'unplug-mid-transfer':
        this.faults.unplugAfterReports = nonNegative(fault.afterReports ?? 1, 'afterReports');
        break;
      case 'crc-corruption':
        this.machine.corruptNextResponse();
        break;
      case 'stall':
        this.faults.stallMs = nonNegative(fault.ms, 'ms');
        break;
      case 'garbage':
        if (!this.isPlugged) break;
        for (const report of garbageReports(nonNegative(fault.count, 'count'), this.random)) {
          this.emitInput(report);
        }
        break;
      case 'slow-typing':
        this.faults.perKeyMs = nonNegative(fault.perKeyMs, 'perKeyMs');
        break;
    }
    this.log.debug({ fault: fault.kind }, 'fault injected');
  }

  clearFaults(): void {
    this.faults.clear();
  }

  private makeSlot(spec: SlotSpec, now: number): SlotState {
    return spec.type === 'hotp'
      ? new HotpSlot(spec, this.spec.serial)
      : new YubicoSlot(spec, this.random, now);
  }

  private statusBytes(): Uint8Array {
    const fw = this.spec.firmware;
    const status = new Uint8Array(FEATURE_DATA_SIZE);
    status[STATUS_OFFSET_VERSION_MAJOR] = fw[0];
    status[STATUS_OFFSET_VERSION_MINOR] = fw[1];
    status[STATUS_OFFSET_VERSION_BUILD] = fw[2];
    const [slot1, slot2] = this.slots;
    status[STATUS_OFFSET_PROG_SEQ] = slot1 || slot2 ? PROGRAMMED_PGM_SEQ : 0;
    let touchLevel = 0;
    if (firmwareAtLeast(fw, VALID_BITS_MIN_FIRMWARE)) {
      if (slot1) touchLevel |= CONFIG1_VALID;
      if (slot2) touchLevel |= CONFIG2_VALID;
    }
    if (firmwareAtLeast(fw, TOUCH_BITS_MIN_FIRMWARE)) {
      if (slot1) touchLevel |= CONFIG1_TOUCH;
      if (slot2) touchLevel |= CONFIG2_TOUCH;
    }
    status[STATUS_OFFSET_TOUCH_LOW] = touchLevel & 0xff;
    status[STATUS_OFFSET_TOUCH_LOW + 1] = touchLevel >>> 8;
    return status;
  }

  /** Plugged check, stall and unplug-mid-transfer, in the order a host would meet them. */
  private async beforeTransfer(): Promise<void> {
    if (!this.isPlugged) throw gone(this.id);
    if (this.faults.stallMs > 0) await this.wait(this.faults.stallMs);
    if (this.faults.takeUnplug()) {
      this.unplug();
      throw gone(this.id);
    }
  }

  private pace(): Promise<void> {
    const ms = this.faults.perKeyMs ?? this.spec.pacingMs;
    return ms > 0 ? this.wait(ms) : Promise.resolve();
  }

  /**
   * A timer that unplug() cancels by rejecting, so nothing waits on a token that is gone. It keeps
   * the process alive like the transfer or the typing it stands for.
   */
  private wait(ms: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = this.clock.setTimeout(
        () => {
          this.waits.delete(timer);
          resolve();
        },
        ms,
        { keepAlive: true },
      );
      this.waits.set(timer, reject);
    });
  }

  private emitInput(report: Uint8Array): void {
    // Input reports carry OTP keystrokes: never logged.
    this.inputListeners.emit(report, (e) => this.listenerFailed(e));
  }

  private listenerFailed(err: unknown): void {
    this.log.warn({ err: String(err) }, 'a listener threw');
  }
}

function checkReport(report: Uint8Array): void {
  if (!(report instanceof Uint8Array) || report.length !== REPORT_SIZE) {
    const length = report instanceof Uint8Array ? report.length : typeof report;
    throw new ValidationError(`feature report: expected ${REPORT_SIZE} bytes, got ${length}`);
  }
}

function nonNegative(value: number, field: string): number {
  if (!Number.isFinite(value) || value < 0) {
    throw new ValidationError(`fault ${field}: expected a number >= 0, got ${value}`);
  }
  return value;
}
