import { createHash, randomBytes } from 'node:crypto';
import {
  type Clock,
  CONFIG1_TOUCH,
  CONFIG1_VALID,
  CONFIG2_TOUCH,
  CONFIG2_VALID,
  CONFIG_LED_INV,
  DeviceError,
  ErrorCode,
  FEATURE_DATA_SIZE,
  FEATURE_FLAGS_OFFSET,
  type Logger,
  modelFor,
  REPORT_SIZE,
  silentLogger,
  SLOT_WRITE_FLAG,
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
import { executeCommand, type CommandContext } from './commands';
import { gone, type VirtualDevice, Listeners } from './device';
import { FaultState, garbageReports, type VirtualFault } from './faults';
import { FeatureReportMachine } from './feature-reports';
import { keyReportsFor } from './keyboard';
import { firmwareAtLeast, TOUCH_BITS_MIN_FIRMWARE, VALID_BITS_MIN_FIRMWARE } from './models';
import { configForSpec, invertsLed, isTouchTriggered } from './slot-model';
import { SlotTable, type WriteResult } from './slot-table';
import { ProgrammedSlot, type RandomSource } from './slots';
import type { SlotSpec, VirtualTokenSpec } from './spec';
import type { SavedTokenState, TokenStateStore } from './token-state';
import { TouchWait } from './touch-wait';

export interface VirtualTokenOptions {
  /** Time of the Yubico OTP timestamp, and of the stalls and the pacing of typing. */
  clock?: Clock;
  logger?: Logger;
  /** Randomness for Yubico OTP rnd/timestamp and garbage reports (node:crypto by default). */
  random?: RandomSource;
  /** GET_FEATUREs that show the write flag after each chunk (default 1; 0 for byte-exact traces). */
  writeBusyReads?: number;
  /**
   * Where the token keeps its slots and counters across runs. Without one it starts from its spec
   * every time; with one that holds a saved state, it continues from that state instead.
   */
  stateStore?: TokenStateStore;
}

export interface VirtualTokenState {
  readonly hotpCounter: number;
  readonly yubicoUsage: number;
  readonly yubicoSession: number;
}

/** pgmSeq of a key whose slots came from the factory (its spec): one write, the factory's. */
const FACTORY_PGM_SEQ = 1;

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
  private readonly slots: SlotTable;
  private readonly stateStore: TokenStateStore | undefined;
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
    this.stateStore = options.stateStore;
    this.slots = this.initialSlots(this.stateStore?.load());
    const context: CommandContext = {
      ...spec,
      slots: this.slots,
      touchWait: (answer) => new TouchWait(this.clock, answer),
      written: (command, result) => this.written(command, result),
      now: () => this.clock.now(),
    };
    this.machine = new FeatureReportMachine(
      {
        statusBytes: () => this.statusBytes(),
        execute: (command, payload) => executeCommand(context, command, payload),
      },
      { writeBusyReads: options.writeBusyReads ?? 1 },
    );
  }

  get plugged(): boolean {
    return this.isPlugged;
  }

  get state(): VirtualTokenState {
    const slots = this.slots.slots();
    const hotp = slots.find((s) => s?.mode === 'hotp');
    const yubico = slots.find((s) => s?.mode === 'yubico-otp');
    return {
      hotpCounter: hotp?.counter ?? 0,
      yubicoUsage: yubico?.usage ?? 0,
      yubicoSession: yubico?.session ?? 0,
    };
  }

  /** The programmed slots (null: empty), as the key's flash holds them now. */
  programmedSlots(): readonly (ProgrammedSlot | null)[] {
    return this.slots.slots();
  }

  get programmingSequence(): number {
    return this.slots.programmingSequence;
  }

  /** Where the token keeps its state, if it does. */
  get stateLocation(): string | undefined {
    return this.stateStore?.location;
  }

  async setFeatureReport(report: Uint8Array): Promise<void> {
    checkReport(report);
    await this.beforeTransfer();
    // Frame chunks may carry a slot's secret (a configuration write): only their flags byte.
    if ((report[FEATURE_FLAGS_OFFSET]! & SLOT_WRITE_FLAG) !== 0)
      this.log.trace({ flags: report[FEATURE_FLAGS_OFFSET] }, 'set feature (chunk)');
    else this.log.trace({ report: toHex(report) }, 'set feature');
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
   * key-up report is out; a slot that types nothing (empty, challenge-response) resolves with ''.
   * While a challenge waits for a touch, the touch answers it instead and types nothing. Rejects
   * with DEVICE_GONE when unplugged (before or while typing) and DEVICE_BUSY while still typing.
   */
  async press(slot: 1 | 2 = 1): Promise<string> {
    if (!this.isPlugged) throw gone(this.id);
    if (this.typing) throw new DeviceError(ErrorCode.DEVICE_BUSY, `${this.id} is still typing`);
    const waiting = this.machine.waitingForTouch;
    if (waiting) {
      waiting.touch();
      this.log.debug('touched for a challenge');
      return '';
    }
    const typed = this.slots.slot(slot === 1 ? 0 : 1)?.press(this.clock.now());
    if (!typed) return '';
    // The counter is in flash before the first key goes out, as on a key.
    this.saveState();
    const { text, layout } = typed;
    const reports = keyReportsFor(text, {
      numericKeypad: layout.numericKeypad,
      appendEnter: layout.appendEnter,
    });
    this.typing = true;
    try {
      for (let i = 0; i < reports.length; i++) {
        if (i > 0) await this.pace(layout.pacingMs);
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
    for (const slot of this.slots.slots()) slot?.powerUp(now);
    this.saveState();
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
      case 'frame-corruption':
        this.machine.corruptNextIncomingFrame();
        break;
      case 'never-confirm':
        this.machine.setNeverConfirm(true);
        break;
    }
    this.log.debug({ fault: fault.kind }, 'fault injected');
  }

  clearFaults(): void {
    this.faults.clear();
    this.machine.setNeverConfirm(false);
  }

  /** The saved state when there is one (and it is this token's), else the spec's slots. */
  private initialSlots(saved: SavedTokenState | undefined): SlotTable {
    const now = this.clock.now();
    if (saved !== undefined) {
      const where = this.stateStore!.location;
      if (saved.serial !== this.spec.serial) {
        throw new ValidationError(
          `${where}: holds the state of token ${saved.serial}, not ${this.spec.serial}`,
        );
      }
      if (saved.factory !== factoryIdOf(this.spec)) {
        throw new ValidationError(
          `${where}: token ${saved.serial} was made from another spec's slots; --fresh starts it over from this spec, state=PATH keeps it apart`,
        );
      }
      const slots = saved.slots.map((s) =>
        s === null ? null : new ProgrammedSlot(s.config, this.random, now, s.counters),
      );
      this.log.debug({ state: this.stateStore!.location }, 'continuing from the saved state');
      return new SlotTable(
        this.random,
        () => this.clock.now(),
        [slots[0]!, slots[1]!],
        saved.programmingSequence,
      );
    }
    const fromSpec = (slot: SlotSpec | null): ProgrammedSlot | null => {
      if (slot === null) return null;
      const config = configForSpec(slot, this.spec);
      const counters =
        slot.type === 'hotp'
          ? { counter: slot.counter, usage: 1, session: 0 }
          : { counter: 0, usage: slot.usage, session: 0 };
      return new ProgrammedSlot(config, this.random, now, counters);
    };
    return new SlotTable(
      this.random,
      () => this.clock.now(),
      [fromSpec(this.spec.slot1), fromSpec(this.spec.slot2)],
      FACTORY_PGM_SEQ,
    );
  }

  private written(command: number, result: WriteResult): void {
    if (!result.ok) {
      this.log.debug({ command, why: result.why }, 'write refused');
      return;
    }
    this.log.debug({ command, programmingSequence: this.slots.programmingSequence }, 'written');
    this.saveState();
  }

  private saveState(): void {
    if (!this.stateStore) return;
    const slots = this.slots
      .slots()
      .map((s) => (s === null ? null : { config: s.config, counters: s.counters }));
    this.stateStore.save({
      serial: this.spec.serial,
      factory: factoryIdOf(this.spec),
      programmingSequence: this.slots.programmingSequence,
      slots: [slots[0]!, slots[1]!],
    });
  }

  private statusBytes(): Uint8Array {
    const fw = this.spec.firmware;
    const status = new Uint8Array(FEATURE_DATA_SIZE);
    status[STATUS_OFFSET_VERSION_MAJOR] = fw[0];
    status[STATUS_OFFSET_VERSION_MINOR] = fw[1];
    status[STATUS_OFFSET_VERSION_BUILD] = fw[2];
    const [slot1, slot2] = this.slots.slots();
    status[STATUS_OFFSET_PROG_SEQ] = this.slots.programmingSequence;
    let touchLevel = 0;
    if (firmwareAtLeast(fw, VALID_BITS_MIN_FIRMWARE)) {
      if (slot1) touchLevel |= CONFIG1_VALID;
      if (slot2) touchLevel |= CONFIG2_VALID;
    }
    if (firmwareAtLeast(fw, TOUCH_BITS_MIN_FIRMWARE)) {
      if (slot1 && isTouchTriggered(slot1.config)) touchLevel |= CONFIG1_TOUCH;
      if (slot2 && isTouchTriggered(slot2.config)) touchLevel |= CONFIG2_TOUCH;
    }
    if (invertsLed(slot1?.config ?? null) || invertsLed(slot2?.config ?? null))
      touchLevel |= CONFIG_LED_INV;
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

  /** The token's pacing, plus the slot's PACING_10MS/20MS; slow-typing overrides both. */
  private pace(slotPacingMs: number): Promise<void> {
    const ms = this.faults.perKeyMs ?? this.spec.pacingMs + slotPacingMs;
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

/**
 * A short fingerprint of what a spec puts in the slots at the factory (kind, seeds, counters,
 * typing), without the things that do not reach the flash (model, firmware, pacing). Hashed,
 * because the slot specs hold secrets.
 */
export function factoryIdOf(spec: VirtualTokenSpec): string {
  const slot = (s: SlotSpec | null) =>
    s === null
      ? null
      : Object.fromEntries(
          Object.entries(s).map(([k, v]) => [k, v instanceof Uint8Array ? toHex(v) : v]),
        );
  const factory = JSON.stringify([
    spec.kind,
    spec.serial,
    slot(spec.slot1),
    slot(spec.slot2),
    spec.appendEnter,
    spec.numericKeypad,
  ]);
  return createHash('sha256').update(factory).digest('hex').slice(0, 16);
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
