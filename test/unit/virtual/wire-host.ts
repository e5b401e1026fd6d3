import { crc16, FRAME_SIZE } from '../../../src/core';

/** The host side of the feature-report wire, written independently of src/yubikey for these tests. */
export interface FeaturePort {
  setFeatureReport(report: Uint8Array): Promise<void>;
  getFeatureReport(): Promise<Uint8Array>;
}

const MAX_POLLS = 50;

export function frameFor(command: number, payload: Uint8Array = new Uint8Array(0)): Uint8Array {
  const frame = new Uint8Array(FRAME_SIZE);
  frame.set(payload.subarray(0, 64));
  frame[64] = command;
  const crc = crc16(frame.subarray(0, 64));
  frame[65] = crc & 0xff;
  frame[66] = crc >>> 8;
  return frame;
}

export async function waitWriteReady(port: FeaturePort): Promise<number> {
  for (let polls = 0; polls < MAX_POLLS; polls++) {
    const status = await port.getFeatureReport();
    if ((status[7]! & 0x80) === 0) return polls;
  }
  throw new Error('write flag never cleared');
}

/** Sends a frame like ykman: chunks 0 and 9 always, all-zero chunks in between skipped. */
export async function sendFrame(port: FeaturePort, frame: Uint8Array): Promise<number> {
  let busyPolls = 0;
  for (let seq = 0; seq < 10; seq++) {
    const chunk = frame.subarray(seq * 7, seq * 7 + 7);
    if (seq !== 0 && seq !== 9 && chunk.every((b) => b === 0)) continue;
    busyPolls += await waitWriteReady(port);
    const report = new Uint8Array(8);
    report.set(chunk);
    report[7] = 0x80 | seq;
    await port.setFeatureReport(report);
  }
  return busyPolls;
}

/** Reads a response like ykman's _read_frame; null when the key answered with a plain status. */
export async function readResponse(port: FeaturePort): Promise<Uint8Array | null> {
  const data: number[] = [];
  let seq = 0;
  for (let polls = 0; polls < MAX_POLLS; polls++) {
    const report = await port.getFeatureReport();
    const flags = report[7]!;
    if (flags & 0x40) {
      if ((flags & 0x1f) === seq) {
        data.push(...report.subarray(0, 7));
        seq += 1;
      } else if ((flags & 0x1f) === 0) {
        await port.setFeatureReport(Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0x8f));
        return Uint8Array.from(data);
      }
    } else if (flags === 0) {
      return data.length === 0 ? null : Uint8Array.from(data);
    }
  }
  throw new Error('no response');
}

export async function sendAndReceive(
  port: FeaturePort,
  command: number,
  payload?: Uint8Array,
): Promise<Uint8Array | null> {
  await sendFrame(port, frameFor(command, payload));
  return readResponse(port);
}
