import {
  KEYBOARD_REPORT_SIZE,
  KEYBOARD_RESERVED_OFFSET,
  USAGE_ENTER,
  USAGE_KEYPAD_ENTER,
} from '../../src/core';
import type { VirtualDevice, VirtualToken } from '../../drivers/virtual';

/** Tab: a key no OTP contains, so whatever was typed before it can never complete as an OTP. */
const USAGE_TAB = 0x2b;
const FIRST_KEY_OFFSET = 2;

/** One report whose reserved byte is set: every boot-keyboard decoder must ignore it. */
export function invalidReport(bytes: Uint8Array): Uint8Array {
  const report = new Uint8Array(KEYBOARD_REPORT_SIZE);
  report.set(bytes.subarray(0, KEYBOARD_REPORT_SIZE));
  report[KEYBOARD_RESERVED_OFFSET] = report[KEYBOARD_RESERVED_OFFSET]! | 0x01;
  return report;
}

/**
 * Arbitrary bytes as an input report, with Enter (main and keypad) replaced by Tab in the key slots:
 * such a report may type characters, but it can never finish an OTP on its own.
 */
export function enterFreeReport(bytes: Uint8Array): Uint8Array {
  const report = new Uint8Array(KEYBOARD_REPORT_SIZE);
  report.set(bytes.subarray(0, KEYBOARD_REPORT_SIZE));
  for (let i = FIRST_KEY_OFFSET; i < KEYBOARD_REPORT_SIZE; i++) {
    if (report[i] === USAGE_ENTER || report[i] === USAGE_KEYPAD_ENTER) report[i] = USAGE_TAB;
  }
  return report;
}

function keyReport(usage: number): Uint8Array {
  const report = new Uint8Array(KEYBOARD_REPORT_SIZE);
  report[FIRST_KEY_OFFSET] = usage;
  return report;
}

/**
 * Ends whatever arbitrary reports left behind without making an OTP of it: all keys up, Tab (marks
 * the pending text as no OTP), up, Enter (discards it), up. The key state is clean afterwards.
 */
export const FLUSH_REPORTS: readonly Uint8Array[] = [
  new Uint8Array(KEYBOARD_REPORT_SIZE),
  keyReport(USAGE_TAB),
  new Uint8Array(KEYBOARD_REPORT_SIZE),
  keyReport(USAGE_ENTER),
  new Uint8Array(KEYBOARD_REPORT_SIZE),
];

/** How a feature report answer is spoiled: XOR with a mask, replaced outright, or cut/padded. */
export type AnswerCorruption =
  | { readonly kind: 'xor'; readonly mask: Uint8Array }
  | { readonly kind: 'replace'; readonly bytes: Uint8Array }
  | { readonly kind: 'length'; readonly length: number };

export function corrupt(answer: Uint8Array, how: AnswerCorruption): Uint8Array {
  switch (how.kind) {
    case 'xor':
      return answer.map((b, i) => b ^ (how.mask[i] ?? 0));
    case 'replace':
      return how.bytes.slice(0, answer.length);
    case 'length': {
      const out = new Uint8Array(how.length);
      out.set(answer.subarray(0, how.length));
      return out;
    }
  }
}

/**
 * A real VirtualToken on the wire with a saboteur in between: `insertAfter` puts extra input reports
 * after the n-th report the token types (0 = before the first), `answers` spoils chosen feature
 * report answers by call index, and `inject` emits reports as if the key had sent them.
 */
export class SabotagedDevice implements VirtualDevice {
  /** Every report the token itself typed (not the injected ones). */
  typedReports = 0;
  /** GET_FEATURE calls answered so far, spoiled or not. */
  answered = 0;
  spoiled = 0;
  /** Reports inserted or injected so far (besides the token's own). */
  injected = 0;
  insertAfter = new Map<number, Uint8Array[]>();
  answers = new Map<number, AnswerCorruption>();
  private readonly listeners = new Set<(r: Uint8Array) => void>();
  private readonly unsubscribe: () => void;

  constructor(readonly token: VirtualToken) {
    this.unsubscribe = token.onInputReport((report) => {
      const before = this.insertAfter.get(this.typedReports);
      if (before) this.inject(before);
      this.typedReports += 1;
      this.emit(report);
    });
  }

  get id(): string {
    return this.token.id;
  }
  get vendorId(): number {
    return this.token.vendorId;
  }
  get productId(): number {
    return this.token.productId;
  }
  get model(): string {
    return this.token.model;
  }
  get plugged(): boolean {
    return this.token.plugged;
  }

  setFeatureReport(report: Uint8Array): Promise<void> {
    return this.token.setFeatureReport(report);
  }

  async getFeatureReport(): Promise<Uint8Array> {
    const answer = await this.token.getFeatureReport();
    const how = this.answers.get(this.answered++);
    if (!how) return answer;
    this.spoiled += 1;
    return corrupt(answer, how);
  }

  onInputReport(listener: (report: Uint8Array) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  onPlugChange(listener: (plugged: boolean) => void): () => void {
    return this.token.onPlugChange(listener);
  }

  /** Reports that arrive as if the key sent them, now. */
  inject(reports: readonly Uint8Array[]): void {
    for (const report of reports) this.emit(report);
    this.injected += reports.length;
  }

  dispose(): void {
    this.unsubscribe();
    this.listeners.clear();
  }

  private emit(report: Uint8Array): void {
    for (const listener of [...this.listeners]) listener(report);
  }
}
