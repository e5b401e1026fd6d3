import { ProtocolError, ErrorCode, REPORT_SIZE, ValidationError } from '../../src/core';

/**
 * hidapi reads and writes feature reports with the report ID in front. The OTP interface has no
 * numbered reports, so that byte is 0x00: we send `00 ‖ 8 bytes` and ask for 9 bytes back.
 */
export const NO_REPORT_ID = 0x00; // report ID of a device without numbered reports
export const HIDAPI_FEATURE_REPORT_LENGTH = REPORT_SIZE + 1; // report ID + 8 data bytes

export function checkReportSize(report: Uint8Array): void {
  if (!(report instanceof Uint8Array) || report.length !== REPORT_SIZE) {
    const got = report instanceof Uint8Array ? `${report.length} bytes` : typeof report;
    throw new ValidationError(`feature report: expected ${REPORT_SIZE} bytes, got ${got}`);
  }
}

/** `00 ‖ report`, as hidapi's hid_send_feature_report expects it. */
export function withReportId(report: Uint8Array): number[] {
  checkReportSize(report);
  return [NO_REPORT_ID, ...report];
}

/**
 * The 8 data bytes of what hidapi returned. Linux hidraw returns the report ID first (9 bytes);
 * some backends hand back only the 8 data bytes. Strip only when 9 bytes came back, so a data byte
 * 0x00 is never mistaken for a report ID.
 */
export function stripReportId(raw: Uint8Array): Uint8Array {
  if (raw.length === HIDAPI_FEATURE_REPORT_LENGTH) {
    if (raw[0] !== NO_REPORT_ID) {
      throw new ProtocolError(
        ErrorCode.PROTOCOL_BAD_REPORT,
        `feature report: expected report ID 0x00, got 0x${raw[0]!.toString(16).padStart(2, '0')}`,
      );
    }
    return raw.slice(1);
  }
  if (raw.length === REPORT_SIZE) return raw.slice();
  throw new ProtocolError(
    ErrorCode.PROTOCOL_BAD_REPORT,
    `feature report: expected ${REPORT_SIZE} or ${HIDAPI_FEATURE_REPORT_LENGTH} bytes, got ${raw.length}`,
  );
}
