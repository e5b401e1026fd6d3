import { REPORT_SIZE } from '../../src/core';
import type { UsbControlTransferParameters } from './usb-surface';

/**
 * HID class requests for the OTP feature report over a raw control pipe (HID 1.11 §7.2; ykpers
 * ykcore_libusb-1.0.c). The report has no ID, so wValue is (feature << 8) | 0.
 */
export const HID_GET_REPORT_REQUEST_TYPE = 0xa1; // bmRequestType: device-to-host | class | interface
export const HID_SET_REPORT_REQUEST_TYPE = 0x21; // bmRequestType: host-to-device | class | interface
export const HID_GET_REPORT = 0x01; // bRequest GET_REPORT
export const HID_SET_REPORT = 0x09; // bRequest SET_REPORT
export const HID_REPORT_TYPE_FEATURE = 0x03; // report type in wValue's high byte
export const FEATURE_REPORT_VALUE = (HID_REPORT_TYPE_FEATURE << 8) | 0x00; // wValue 0x0300: feature, report ID 0
export const OTP_INTERFACE_INDEX = 0; // wIndex: the OTP keyboard interface
export const FEATURE_REPORT_LENGTH = REPORT_SIZE; // wLength: 8 data bytes, no report ID on the wire
export const CONTROL_TIMEOUT_MS = 1000; // per transfer, as ykpers uses

// bmRequestType fields (USB 2.0 §9.3): direction bit 7, type bits 6..5, recipient bits 4..0.
export const REQUEST_DIRECTION_IN = 0x80; // device-to-host
const REQUEST_TYPE_SHIFT = 5;
const REQUEST_TYPE_MASK = 0x03;
const RECIPIENT_MASK = 0x1f;
const REQUEST_TYPES: readonly UsbControlTransferParameters['requestType'][] = [
  'standard', // 0
  'class', // 1
  'vendor', // 2
];
const RECIPIENTS: readonly UsbControlTransferParameters['recipient'][] = [
  'device', // 0
  'interface', // 1
  'endpoint', // 2
  'other', // 3
];

export interface SetupPacket {
  bmRequestType: number;
  bRequest: number;
  wValue: number;
  wIndex: number;
}

/** The WebUSB form usb 3.x takes; the direction is implied by controlTransferIn/Out. */
export function toWebUsbSetup(packet: SetupPacket): UsbControlTransferParameters {
  const requestType =
    REQUEST_TYPES[(packet.bmRequestType >> REQUEST_TYPE_SHIFT) & REQUEST_TYPE_MASK];
  const recipient = RECIPIENTS[packet.bmRequestType & RECIPIENT_MASK];
  if (!requestType || !recipient) {
    throw new RangeError(`bmRequestType 0x${packet.bmRequestType.toString(16)} has no WebUSB form`);
  }
  return {
    requestType,
    recipient,
    request: packet.bRequest,
    value: packet.wValue,
    index: packet.wIndex,
  };
}

export const GET_FEATURE_REPORT: SetupPacket = {
  bmRequestType: HID_GET_REPORT_REQUEST_TYPE,
  bRequest: HID_GET_REPORT,
  wValue: FEATURE_REPORT_VALUE,
  wIndex: OTP_INTERFACE_INDEX,
};

export const SET_FEATURE_REPORT: SetupPacket = {
  bmRequestType: HID_SET_REPORT_REQUEST_TYPE,
  bRequest: HID_SET_REPORT,
  wValue: FEATURE_REPORT_VALUE,
  wIndex: OTP_INTERFACE_INDEX,
};
