import {
  appendComplementedCrc,
  crc16,
  DUMMY_REPORT_WRITE,
  FEATURE_DATA_SIZE,
  FEATURE_FLAGS_OFFSET,
  FRAME_CHUNKS,
  FRAME_COMMAND_OFFSET,
  FRAME_CRC_OFFSET,
  FRAME_LAST_CHUNK,
  FRAME_SIZE,
  type HidConnection,
  KEYBOARD_FIRST_KEY_OFFSET,
  KEYBOARD_MODIFIER_OFFSET,
  MODIFIER_LEFT_SHIFT,
  MODIFIER_RIGHT_SHIFT,
  REPORT_SIZE,
  RESP_PENDING_FLAG,
  SEQUENCE_MASK,
  SERIAL_RESPONSE_SIZE,
  SLOT_DATA_SIZE,
  SLOT_DEVICE_SERIAL,
  SLOT_WRITE_FLAG,
  USAGE_ENTER,
} from '../../src/core';

/**
 * Host side of the two exchanges the contract suite drives, written from the src/core constants
 * alone so the suite does not depend on src/yubikey: the serial read (reference A2 worked example)
 * and decoding the keyboard reports of a button press.
 */

/** The frame chunks a host sends for `command` with an empty payload (all-zero chunks skipped). */
export function commandChunks(command: number): Uint8Array[] {
  const frame = new Uint8Array(FRAME_SIZE);
  frame[FRAME_COMMAND_OFFSET] = command;
  const crc = crc16(frame.subarray(0, SLOT_DATA_SIZE));
  frame[FRAME_CRC_OFFSET] = crc & 0xff;
  frame[FRAME_CRC_OFFSET + 1] = crc >>> 8;
  const reports: Uint8Array[] = [];
  for (let seq = 0; seq < FRAME_CHUNKS; seq++) {
    const chunk = frame.subarray(seq * FEATURE_DATA_SIZE, (seq + 1) * FEATURE_DATA_SIZE);
    if (seq !== 0 && seq !== FRAME_LAST_CHUNK && chunk.every((b) => b === 0)) continue;
    const report = new Uint8Array(REPORT_SIZE);
    report.set(chunk);
    report[FEATURE_FLAGS_OFFSET] = SLOT_WRITE_FLAG | seq;
    reports.push(report);
  }
  return reports;
}

/** The one response report a key sends for its serial: BE32 serial ‖ ~crc, then seq 0 pending. */
export function serialResponseReport(serial: number): Uint8Array {
  const data = new Uint8Array(SERIAL_RESPONSE_SIZE);
  new DataView(data.buffer).setUint32(0, serial, false);
  const report = new Uint8Array(REPORT_SIZE);
  report.set(appendComplementedCrc(data));
  report[FEATURE_FLAGS_OFFSET] = RESP_PENDING_FLAG;
  return report;
}

export const RESET_REPORT = Uint8Array.from([0, 0, 0, 0, 0, 0, 0, DUMMY_REPORT_WRITE]);

const MAX_POLLS = 200; // generous: a real key answers within a few polls
const POLL_PAUSE_MS = 5; // between polls once the key says busy (only real keys stay busy)

async function pause(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, POLL_PAUSE_MS));
}

export async function waitWriteReady(connection: HidConnection): Promise<void> {
  for (let i = 0; i < MAX_POLLS; i++) {
    const status = await connection.getFeatureReport();
    if ((status[FEATURE_FLAGS_OFFSET]! & SLOT_WRITE_FLAG) === 0) return;
    await pause();
  }
  throw new Error('the key kept the write flag set');
}

export interface Exchange {
  written: Uint8Array[];
  /** Response reports in order, ending with the seq-0 "done" report. */
  responses: Uint8Array[];
}

/** Writes the serial command chunk by chunk, reads the response and resets read mode. */
export async function readSerialExchange(connection: HidConnection): Promise<Exchange> {
  const written: Uint8Array[] = [];
  for (const report of commandChunks(SLOT_DEVICE_SERIAL)) {
    await waitWriteReady(connection);
    await connection.sendFeatureReport(report);
    written.push(report);
  }
  const responses: Uint8Array[] = [];
  let expected = 0;
  for (let i = 0; i < MAX_POLLS; i++) {
    const report = await connection.getFeatureReport();
    const flags = report[FEATURE_FLAGS_OFFSET]!;
    if (flags & RESP_PENDING_FLAG) {
      responses.push(report);
      const seq = flags & SEQUENCE_MASK;
      if (seq === expected) expected += 1;
      else if (seq === 0) break;
      continue;
    }
    if (flags === 0) break; // plain status: rejected, or nothing (more) to read
    await pause();
  }
  await connection.sendFeatureReport(RESET_REPORT);
  return { written, responses };
}

/** Text typed by a run of boot-keyboard reports, up to Enter; `done` once Enter was seen. */
export function decodeKeyboard(reports: readonly Uint8Array[]): { text: string; done: boolean } {
  let text = '';
  for (const report of reports) {
    const key = report[KEYBOARD_FIRST_KEY_OFFSET]!;
    if (key === 0) continue; // key-up
    if (key === USAGE_ENTER) return { text, done: true };
    const shifted =
      (report[KEYBOARD_MODIFIER_OFFSET]! & (MODIFIER_LEFT_SHIFT | MODIFIER_RIGHT_SHIFT)) !== 0;
    const ch = KEY_CHARS.get(key) ?? '?';
    text += shifted ? ch.toUpperCase() : ch;
  }
  return { text, done: false };
}

/** A deliberately tiny US-layout table: letters, digits, keypad digits. */
const KEY_CHARS = new Map<number, string>([
  ...Array.from({ length: 26 }, (_, i) => [0x04 + i, String.fromCharCode(0x61 + i)] as const),
  ...Array.from({ length: 9 }, (_, i) => [0x1e + i, String(i + 1)] as const),
  [0x27, '0'],
  ...Array.from({ length: 9 }, (_, i) => [0x59 + i, String(i + 1)] as const),
  [0x62, '0'],
]);
