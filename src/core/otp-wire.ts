/**
 * Wire constants of the YubiKey OTP application over HID feature reports (ykpers ykdef.h,
 * yubikey-manager yubikit/core/otp.py). Shared by the host side (src/yubikey) and the device side
 * (drivers/virtual), which must agree byte for byte.
 */

// Feature report layout: 7 data bytes, then one sequence/flags byte.
export const FEATURE_DATA_SIZE = 7; // data bytes per feature report
export const FEATURE_FLAGS_OFFSET = 7; // index of the sequence/flags byte

// Flags in byte 7.
export const SLOT_WRITE_FLAG = 0x80; // host: this report is a frame chunk; device clears it when ready
export const RESP_PENDING_FLAG = 0x40; // device: response data available, low 5 bits = sequence
export const RESP_TIMEOUT_WAIT_FLAG = 0x20; // device: waiting for a touch, low 5 bits = seconds left
export const RESP_TIMEOUT_WAIT_MASK = 0x1f; // seconds-left bits of RESP_TIMEOUT_WAIT_FLAG
export const SEQUENCE_MASK = 0x1f; // response sequence bits
export const CHUNK_SEQ_MASK = 0x0f; // frame-chunk sequence bits of a host write
export const DUMMY_REPORT_WRITE = 0x8f; // host: reset read mode (ykpers, Yubico SDK)
export const RESET_REPORT_WRITE_YKMAN = 0xff; // host: reset read mode as yubikey-manager writes it
export const NEO_STARTUP_BUSY = 0x9f; // device: NEO starting up, writes blocked

// Frame: 64 payload bytes, command byte, raw CRC-16 of the payload (LE), 3 filler bytes.
export const SLOT_DATA_SIZE = 64; // payload bytes
export const FRAME_SIZE = 70; // payload + command + crc + filler
export const FRAME_COMMAND_OFFSET = 64; // the slot/command byte
export const FRAME_CRC_OFFSET = 65; // crc16(payload), little-endian, not complemented
export const FRAME_CHUNKS = 10; // FRAME_SIZE / FEATURE_DATA_SIZE
export const FRAME_LAST_CHUNK = 9; // always sent, like chunk 0, even when all zero

// Status report (GET_FEATURE while idle), bytes 0-7.
export const STATUS_OFFSET_VERSION_MAJOR = 1; // firmware major
export const STATUS_OFFSET_VERSION_MINOR = 2; // firmware minor
export const STATUS_OFFSET_VERSION_BUILD = 3; // firmware build
export const STATUS_OFFSET_PROG_SEQ = 4; // programming sequence, 0 without a valid configuration
export const STATUS_OFFSET_TOUCH_LOW = 5; // touchLevel, little-endian u16 at 5..6

// touchLevel bits.
export const CONFIG1_VALID = 0x01; // slot 1 programmed (fw >= 2.1)
export const CONFIG2_VALID = 0x02; // slot 2 programmed (fw >= 2.1)
export const CONFIG1_TOUCH = 0x04; // slot 1 triggered by touch (fw >= 3.0)
export const CONFIG2_TOUCH = 0x08; // slot 2 triggered by touch (fw >= 3.0)
export const CONFIG_LED_INV = 0x10; // LED behaviour inverted
export const CONFIG_STATUS_MASK = 0x1f; // all of the above

// Commands (the slot byte at FRAME_COMMAND_OFFSET).
export const SLOT_CONFIG = 0x01; // write slot 1 configuration
export const SLOT_CONFIG2 = 0x03; // write slot 2 configuration
export const SLOT_UPDATE1 = 0x04; // update slot 1
export const SLOT_UPDATE2 = 0x05; // update slot 2
export const SLOT_SWAP = 0x06; // swap slots
export const SLOT_DEVICE_SERIAL = 0x10; // read the serial: 4 bytes big-endian + ~crc
export const SLOT_DEVICE_CONFIG = 0x11; // set USB mode
export const SLOT_SCAN_MAP = 0x12; // write the 45-byte scan map
export const SLOT_YK4_CAPABILITIES = 0x13; // read device-info TLVs
export const SLOT_CHAL_OTP1 = 0x20; // Yubico OTP challenge-response, slot 1
export const SLOT_CHAL_OTP2 = 0x28; // Yubico OTP challenge-response, slot 2
export const SLOT_CHAL_HMAC1 = 0x30; // HMAC-SHA1 challenge-response, slot 1
export const SLOT_CHAL_HMAC2 = 0x38; // HMAC-SHA1 challenge-response, slot 2

/** Serial read response: 4 data bytes (big-endian, unlike everything else on the key). */
export const SERIAL_RESPONSE_SIZE = 4;

// Added for the host side (src/yubikey).
export const STATUS_OFFSET_TOUCH_HIGH = 6; // touchLevel high byte
export const RESPONSE_CRC_SIZE = 2; // ~crc16 (little-endian) after every response's data
export const FRAME_FIRST_CHUNK = 0; // always sent, like FRAME_LAST_CHUNK, even when all zero
