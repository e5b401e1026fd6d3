import {
  CONFIG1_TOUCH,
  CONFIG1_VALID,
  CONFIG2_TOUCH,
  CONFIG2_VALID,
  CONFIG_LED_INV,
  ErrorCode,
  FEATURE_FLAGS_OFFSET,
  NEO_STARTUP_BUSY,
  ProtocolError,
  REPORT_SIZE,
  RESP_PENDING_FLAG,
  RESP_TIMEOUT_WAIT_FLAG,
  RESP_TIMEOUT_WAIT_MASK,
  CHUNK_SEQ_MASK,
  SEQUENCE_MASK,
  SLOT_WRITE_FLAG,
  STATUS_OFFSET_PROG_SEQ,
  STATUS_OFFSET_TOUCH_HIGH,
  STATUS_OFFSET_TOUCH_LOW,
  STATUS_OFFSET_VERSION_BUILD,
  STATUS_OFFSET_VERSION_MAJOR,
  STATUS_OFFSET_VERSION_MINOR,
} from '../core';

export interface FirmwareVersion {
  readonly major: number;
  readonly minor: number;
  readonly build: number;
}

/** The status report a key answers to GET_FEATURE while idle. */
export interface OtpStatus {
  readonly version: FirmwareVersion;
  /** Bumped by every successful configuration write; 0 when no slot holds a valid configuration. */
  readonly programmingSequence: number;
  /** The raw touchLevel word; the named booleans below are its low bits. */
  readonly touchLevel: number;
  /** Slot programmed (firmware 2.1 and later report this). */
  readonly slot1Valid: boolean;
  readonly slot2Valid: boolean;
  /** Slot triggered by touch (firmware 3.0 and later). */
  readonly slot1Touch: boolean;
  readonly slot2Touch: boolean;
  readonly ledInverted: boolean;
}

/** Every report from a key is exactly 8 bytes; anything else means a broken driver or device. */
export function checkReport(report: Uint8Array, what = 'feature report'): Uint8Array {
  if (report.length !== REPORT_SIZE) {
    throw new ProtocolError(
      ErrorCode.PROTOCOL_BAD_REPORT,
      `${what}: expected ${REPORT_SIZE} bytes, got ${report.length}`,
    );
  }
  return report;
}

export function decodeStatus(report: Uint8Array): OtpStatus {
  checkReport(report, 'status report');
  const touchLevel = report[STATUS_OFFSET_TOUCH_LOW]! | (report[STATUS_OFFSET_TOUCH_HIGH]! << 8);
  return {
    version: {
      major: report[STATUS_OFFSET_VERSION_MAJOR]!,
      minor: report[STATUS_OFFSET_VERSION_MINOR]!,
      build: report[STATUS_OFFSET_VERSION_BUILD]!,
    },
    programmingSequence: report[STATUS_OFFSET_PROG_SEQ]!,
    touchLevel,
    slot1Valid: (touchLevel & CONFIG1_VALID) !== 0,
    slot2Valid: (touchLevel & CONFIG2_VALID) !== 0,
    slot1Touch: (touchLevel & CONFIG1_TOUCH) !== 0,
    slot2Touch: (touchLevel & CONFIG2_TOUCH) !== 0,
    ledInverted: (touchLevel & CONFIG_LED_INV) !== 0,
  };
}

export function formatVersion(version: FirmwareVersion): string {
  return `${version.major}.${version.minor}.${version.build}`;
}

/**
 * True when a configuration write took effect: the sequence went up by one, or it fell to 0
 * because both slots were just erased (ykman `_is_sequence_updated`, ykpers `_yk_write`).
 */
export function programmingSequenceAdvanced(before: number, after: OtpStatus): boolean {
  if (after.programmingSequence === before + 1) return true;
  const noSlotValid = (after.touchLevel & (CONFIG1_VALID | CONFIG2_VALID)) === 0;
  return after.programmingSequence === 0 && before > 0 && noSlotValid;
}

/** What byte 7 of a report from the key says. */
export type ReportFlags =
  | { readonly kind: 'idle' }
  | { readonly kind: 'response'; readonly seq: number }
  | { readonly kind: 'touch-wait'; readonly secondsLeft: number }
  | { readonly kind: 'startup-busy' }
  | { readonly kind: 'write-pending'; readonly seq: number }
  | { readonly kind: 'busy'; readonly bits: number };

export function decodeFlags(flags: number): ReportFlags {
  if (flags === 0) return { kind: 'idle' };
  if (flags & RESP_PENDING_FLAG) return { kind: 'response', seq: flags & SEQUENCE_MASK };
  if (flags & RESP_TIMEOUT_WAIT_FLAG) {
    return { kind: 'touch-wait', secondsLeft: flags & RESP_TIMEOUT_WAIT_MASK };
  }
  if (flags === NEO_STARTUP_BUSY) return { kind: 'startup-busy' };
  if (flags & SLOT_WRITE_FLAG) return { kind: 'write-pending', seq: flags & CHUNK_SEQ_MASK };
  return { kind: 'busy', bits: flags };
}

export function reportFlags(report: Uint8Array): ReportFlags {
  return decodeFlags(report[FEATURE_FLAGS_OFFSET]!);
}
