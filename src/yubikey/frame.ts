import {
  crc16,
  crc16ResidueOk,
  DUMMY_REPORT_WRITE,
  ErrorCode,
  FEATURE_DATA_SIZE,
  FEATURE_FLAGS_OFFSET,
  FRAME_CHUNKS,
  FRAME_COMMAND_OFFSET,
  FRAME_CRC_OFFSET,
  FRAME_FIRST_CHUNK,
  FRAME_LAST_CHUNK,
  FRAME_SIZE,
  ProtocolError,
  REPORT_SIZE,
  RESPONSE_CRC_SIZE,
  SLOT_DATA_SIZE,
  SLOT_WRITE_FLAG,
  ValidationError,
} from '../core';

/**
 * The 70-byte frame a command travels in: payload zero-padded to 64 bytes, the command byte, the
 * raw (not complemented) CRC-16 of the 64 payload bytes little-endian, three filler zeros.
 */
export function buildFrame(command: number, payload: Uint8Array = new Uint8Array(0)): Uint8Array {
  if (!Number.isInteger(command) || command < 0 || command > 0xff) {
    throw new ValidationError(`command: expected a byte 0x00..0xff, got ${String(command)}`);
  }
  if (payload.length > SLOT_DATA_SIZE) {
    throw new ValidationError(
      `payload: at most ${SLOT_DATA_SIZE} bytes fit in a frame, got ${payload.length}`,
    );
  }
  const frame = new Uint8Array(FRAME_SIZE);
  frame.set(payload);
  frame[FRAME_COMMAND_OFFSET] = command;
  const crc = crc16(frame.subarray(0, SLOT_DATA_SIZE));
  frame[FRAME_CRC_OFFSET] = crc & 0xff;
  frame[FRAME_CRC_OFFSET + 1] = crc >>> 8;
  return frame;
}

/**
 * The SET_FEATURE reports that carry a frame: 7-byte chunks, each followed by `0x80 | seq`. All-zero
 * chunks are skipped, except the first (it tells the key a frame begins and clears its buffer) and
 * the last (it makes the key check the CRC and run the command).
 */
export function frameReports(frame: Uint8Array): Uint8Array[] {
  if (frame.length !== FRAME_SIZE) {
    throw new ValidationError(`frame: expected ${FRAME_SIZE} bytes, got ${frame.length}`);
  }
  const reports: Uint8Array[] = [];
  for (let seq = 0; seq < FRAME_CHUNKS; seq++) {
    const chunk = frame.subarray(seq * FEATURE_DATA_SIZE, (seq + 1) * FEATURE_DATA_SIZE);
    const mustSend = seq === FRAME_FIRST_CHUNK || seq === FRAME_LAST_CHUNK;
    if (!mustSend && chunk.every((b) => b === 0)) continue;
    const report = new Uint8Array(REPORT_SIZE);
    report.set(chunk);
    report[FEATURE_FLAGS_OFFSET] = SLOT_WRITE_FLAG | seq;
    reports.push(report);
  }
  return reports;
}

/** `00 00 00 00 00 00 00 8f`: leaves read mode (ends or aborts a response), as ykpers writes it. */
export function resetReport(): Uint8Array {
  const report = new Uint8Array(REPORT_SIZE);
  report[FEATURE_FLAGS_OFFSET] = DUMMY_REPORT_WRITE;
  return report;
}

/**
 * Checks a response `data ‖ ~crc16(data)` (zero-padded to whole chunks) whose data length the
 * command defines, and returns the data. The CRC is checked by residue over data and CRC.
 */
export function verifyResponse(response: Uint8Array, dataLength: number): Uint8Array {
  const framed = dataLength + RESPONSE_CRC_SIZE;
  if (response.length < framed) {
    throw new ProtocolError(
      ErrorCode.PROTOCOL_BAD_REPORT,
      `response too short: expected at least ${framed} bytes (${dataLength} data + CRC), got ${response.length}`,
    );
  }
  if (!crc16ResidueOk(response.subarray(0, framed))) {
    throw new ProtocolError(
      ErrorCode.PROTOCOL_CRC,
      `response CRC check failed over ${framed} bytes`,
    );
  }
  return response.slice(0, dataLength);
}
