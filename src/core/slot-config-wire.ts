/**
 * The slot configuration a host writes with SLOT_CONFIG/CONFIG2/UPDATE1/UPDATE2 (reference A3,
 * ykpers ykdef.h `config_st`, yubikit yubiotp.py). Shared by the host side (src/yubikey builds
 * configurations) and the device side (drivers/virtual stores and obeys them).
 *
 * Layout, 52 bytes: fixed[16] | uid[6] | key[16] | accCode[6] | fixedSize | extFlags | tktFlags |
 * cfgFlags | rfu[2] | crc (~crc16 of the first 50 bytes, little-endian). A write payload is the
 * configuration followed by the slot's current access code (58 bytes).
 */

// Field sizes.
export const CONFIG_FIXED_SIZE = 16; // public id, OATH token id, or static-password scancodes
export const CONFIG_UID_SIZE = 6; // private id; HOTP/HMAC: the key's last 4 bytes and the IMF
export const CONFIG_KEY_SIZE = 16; // AES key; HOTP/HMAC: the key's first 16 bytes
export const ACCESS_CODE_SIZE = 6; // protects a slot against being rewritten
export const CONFIG_SIZE = 52; // the whole config_st
export const CONFIG_WRITE_SIZE = CONFIG_SIZE + ACCESS_CODE_SIZE; // config ‖ current access code

// Field offsets.
export const CONFIG_OFFSET_FIXED = 0; // fixed[16]
export const CONFIG_OFFSET_UID = 16; // uid[6]
export const CONFIG_OFFSET_KEY = 22; // key[16]
export const CONFIG_OFFSET_ACC_CODE = 38; // accCode[6]: the access code the slot will have
export const CONFIG_OFFSET_FIXED_SIZE = 44; // how many bytes of fixed are used
export const CONFIG_OFFSET_EXT_FLAGS = 45; // EXTFLAG_*
export const CONFIG_OFFSET_TKT_FLAGS = 46; // TKTFLAG_*
export const CONFIG_OFFSET_CFG_FLAGS = 47; // CFGFLAG_*
export const CONFIG_OFFSET_RFU = 48; // 2 reserved bytes, zero
export const CONFIG_OFFSET_CRC = 50; // ~crc16(bytes 0..49), little-endian
export const CONFIG_CRC_COVERS = 50; // bytes the CRC is computed over

/** A 20-byte HMAC-SHA1 key (HOTP, challenge-response) is key[16] ‖ uid[0..3]. */
export const HMAC_KEY_SIZE = 20;
/** HOTP initial moving factor: uid[4..5], big-endian, in units of 16 counts. */
export const CONFIG_OFFSET_IMF = CONFIG_OFFSET_UID + 4;
export const IMF_UNIT = 16; // the stored IMF is the moving factor >> 4
export const IMF_MAX = 0xffff * IMF_UNIT; // 1048560, the largest IMF a slot holds

// Ticket flags (tktFlags).
export const TKTFLAG_TAB_FIRST = 0x01; // Tab before the first part
export const TKTFLAG_APPEND_TAB1 = 0x02; // Tab after the first part (the fixed part)
export const TKTFLAG_APPEND_TAB2 = 0x04; // Tab after the second part
export const TKTFLAG_APPEND_DELAY1 = 0x08; // 0.5 s delay after the first part
export const TKTFLAG_APPEND_DELAY2 = 0x10; // 0.5 s delay after the second part
export const TKTFLAG_APPEND_CR = 0x20; // Enter at the end
export const TKTFLAG_OATH_HOTP = 0x40; // OATH-HOTP mode (fw 2.1); with CHAL_* cfg flags: CHAL_RESP
export const TKTFLAG_CHAL_RESP = 0x40; // challenge-response mode (fw 2.2), same bit as OATH_HOTP
export const TKTFLAG_PROTECT_CFG2 = 0x80; // slot 1: slot 2 may only be written if it also has this

// Configuration flags (cfgFlags); meanings depend on the mode.
export const CFGFLAG_SEND_REF = 0x01; // reference string before the data
export const CFGFLAG_SHORT_TICKET = 0x02; // static: half-length ticket
export const CFGFLAG_OATH_HOTP8 = 0x02; // HOTP: 8 digits instead of 6
export const CFGFLAG_PACING_10MS = 0x04; // 10 ms between keys
export const CFGFLAG_HMAC_LT64 = 0x04; // HMAC challenge shorter than 64 bytes (trailing pad)
export const CFGFLAG_PACING_20MS = 0x08; // 20 ms between keys
export const CFGFLAG_CHAL_BTN_TRIG = 0x08; // challenge-response waits for a touch
export const CFGFLAG_OATH_FIXED_MODHEX1 = 0x10; // HOTP token id: first byte as modhex
export const CFGFLAG_STRONG_PW1 = 0x10; // static: mixed case
export const CFGFLAG_STATIC_TICKET = 0x20; // static ticket
export const CFGFLAG_CHAL_YUBICO = 0x20; // challenge-response: Yubico OTP mode
export const CFGFLAG_CHAL_HMAC = 0x22; // challenge-response: HMAC-SHA1 mode
export const CFGFLAG_OATH_FIXED_MODHEX2 = 0x40; // HOTP token id: first two bytes as modhex
export const CFGFLAG_STRONG_PW2 = 0x40; // static: digits
export const CFGFLAG_OATH_FIXED_MODHEX = 0x50; // HOTP token id: every byte as modhex
export const CFGFLAG_OATH_FIXED_MASK = 0x50; // the token id bits above
export const CFGFLAG_MAN_UPDATE = 0x80; // static: manual update

// Extended flags (extFlags).
export const EXTFLAG_SERIAL_BTN_VISIBLE = 0x01; // serial shown at power-up by a held button
export const EXTFLAG_SERIAL_USB_VISIBLE = 0x02; // serial in the USB iSerial descriptor
export const EXTFLAG_SERIAL_API_VISIBLE = 0x04; // serial readable with SLOT_DEVICE_SERIAL
export const EXTFLAG_USE_NUMERIC_KEYPAD = 0x08; // digits on the numeric keypad
export const EXTFLAG_FAST_TRIG = 0x10; // fast trigger when only slot 1 is set
export const EXTFLAG_ALLOW_UPDATE = 0x20; // SLOT_UPDATE1/2 may change this slot's flags later
export const EXTFLAG_DORMANT = 0x40; // dormant configuration
export const EXTFLAG_LED_INV = 0x80; // LED idle state off instead of on

/** Flags an update (SLOT_UPDATE1/2) may change; the rest, and the secrets, stay as written. */
export const TKTFLAG_UPDATE_MASK =
  TKTFLAG_TAB_FIRST |
  TKTFLAG_APPEND_TAB1 |
  TKTFLAG_APPEND_TAB2 |
  TKTFLAG_APPEND_DELAY1 |
  TKTFLAG_APPEND_DELAY2 |
  TKTFLAG_APPEND_CR;
export const CFGFLAG_UPDATE_MASK = CFGFLAG_PACING_10MS | CFGFLAG_PACING_20MS;
export const EXTFLAG_UPDATE_MASK = 0xff; // every extended flag

// Challenge-response sizes.
export const HMAC_CHALLENGE_SIZE = 64; // SLOT_CHAL_HMAC1/2 payload (padded)
export const HMAC_RESPONSE_SIZE = 20; // HMAC-SHA1 digest
export const YUBICO_CHALLENGE_SIZE = 6; // SLOT_CHAL_OTP1/2 payload
export const YUBICO_RESPONSE_SIZE = 16; // one AES block

/** Seconds a key waits for the touch a challenge needs (the Yubico SDK: 15 s on the device). */
export const TOUCH_WAIT_SECONDS = 15;

/** OATH token id prefix of Yubico keys (ykpers `_format_oath_id`): OMP then TT. */
export const OATH_OMP_YUBICO = 0xe1; // OATH manufacturer prefix, typed "ub"
export const OATH_TT_YUBIKEY = 0x63; // OATH token type, typed "he"
export const OATH_TOKEN_ID_SIZE = 6; // OMP, TT, MUI (4 bytes BCD)
