import {
  deleteSlotConfig,
  hmacChallengeSlotConfig,
  hotpSlotConfig,
  oathTokenId,
  updateSlotConfig,
  yubicoOtpSlotConfig,
} from '../../src/yubikey';

import { RFC4226_SECRET_HEX } from './virtual';

const hex = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'hex'));

/** The RFC 4226 test seed, ASCII "12345678901234567890". */
export const RFC4226_SEED_HEX = RFC4226_SECRET_HEX;

export interface SlotConfigVector {
  readonly name: string;
  /** Our builder. */
  readonly build: () => Uint8Array;
  /** The same configuration for yubikit's builders (test/yubikit/slot_configs.py). */
  readonly yubikit: Record<string, unknown>;
  /**
   * The 52 bytes, worked out from reference A3: fixed[16] | uid[6] | key[16] | accCode[6] |
   * fixedSize | ext | tkt | cfg | rfu[2] | ~crc16(first 50) LE. yubikit builds the same bytes
   * (test/yubikit/slot-configs.test.ts).
   */
  readonly hex: string;
}

/**
 * One table for the builders (test/unit/yubikey/slot-configs.test.ts), the virtual token's decoder
 * and the yubikit cross-check. Defaults as ykman's: ext = SERIAL_API_VISIBLE 0x04 | ALLOW_UPDATE
 * 0x20, plus FAST_TRIG 0x10 for keyboard modes; keyboard tkt has APPEND_CR 0x20.
 */
export const SLOT_CONFIG_VECTORS: readonly SlotConfigVector[] = [
  {
    // key = "1234567890123456", uid = "7890" ‖ IMF 0000; ext 0x34, tkt OATH_HOTP|CR 0x60,
    // cfg OATH_FIXED_MODHEX2 0x40 (ykman sets it even without a token id).
    name: 'OATH-HOTP, RFC 4226 seed, 6 digits, IMF 0',
    build: () => hotpSlotConfig({ secret: hex(RFC4226_SEED_HEX) }),
    yubikit: { type: 'hotp', key: RFC4226_SEED_HEX },
    hex:
      '00000000000000000000000000000000' +
      '373839300000' +
      '31323334353637383930313233343536' +
      '000000000000' +
      '00' +
      '34' +
      '60' +
      '40' +
      '0000' +
      '5fc0',
  },
  {
    // Token id e1 63 ‖ BCD(07050602) in fixed (fixedSize 6), IMF 1024 >> 4 = 0x0040 in uid[4..5],
    // cfg MODHEX2 | OATH_HOTP8 = 0x42.
    name: 'OATH-HOTP, 8 digits, IMF 1024, token id ubhe07050602',
    build: () =>
      hotpSlotConfig({
        secret: hex(RFC4226_SEED_HEX),
        digits: 8,
        imf: 1024,
        tokenId: oathTokenId(7050602),
      }),
    yubikit: {
      type: 'hotp',
      key: RFC4226_SEED_HEX,
      digits8: true,
      imf: 1024,
      token_id: 'e16307050602',
    },
    hex:
      'e1630705060200000000000000000000' +
      '373839300040' +
      '31323334353637383930313233343536' +
      '000000000000' +
      '06' +
      '34' +
      '60' +
      '42' +
      '0000' +
      '401c',
  },
  {
    // No Enter (tkt 0x40 only), numeric keypad: ext 0x34 | USE_NUMERIC_KEYPAD 0x08 = 0x3c.
    name: 'OATH-HOTP on the numeric keypad, without Enter',
    build: () =>
      hotpSlotConfig({
        secret: hex('000102030405060708090a0b0c0d0e0f10111213'),
        appendEnter: false,
        numericKeypad: true,
      }),
    yubikit: {
      type: 'hotp',
      key: '000102030405060708090a0b0c0d0e0f10111213',
      append_cr: false,
      use_numeric: true,
    },
    hex:
      '00000000000000000000000000000000' +
      '101112130000' +
      '000102030405060708090a0b0c0d0e0f' +
      '000000000000' +
      '00' +
      '3c' +
      '40' +
      '40' +
      '0000' +
      'becf',
  },
  {
    // Public id ff 00 ‖ serial 7050602 BE (vvcccchnkghl) in fixed, private id in uid, AES key in
    // key (reference A5's); tkt APPEND_CR 0x20, cfg 0.
    name: 'Yubico OTP, public id vvcccchnkghl, the reference AES key',
    build: () =>
      yubicoOtpSlotConfig({
        publicId: hex('ff00006b956a'),
        privateId: hex('8792ebfe26cc'),
        aesKey: hex('ecde18dbe76fbd0c33330f1c354871db'),
      }),
    yubikit: {
      type: 'yubiotp',
      fixed: 'ff00006b956a',
      uid: '8792ebfe26cc',
      key: 'ecde18dbe76fbd0c33330f1c354871db',
    },
    hex:
      'ff00006b956a00000000000000000000' +
      '8792ebfe26cc' +
      'ecde18dbe76fbd0c33330f1c354871db' +
      '000000000000' +
      '06' +
      '34' +
      '20' +
      '00' +
      '0000' +
      'f764',
  },
  {
    // tkt CHAL_RESP 0x40; cfg CHAL_HMAC 0x22 | HMAC_LT64 0x04 | CHAL_BTN_TRIG 0x08 = 0x2e; ext 0x24.
    name: 'HMAC-SHA1 challenge-response, touch required',
    build: () =>
      hmacChallengeSlotConfig({
        secret: hex('0102030405060708090a0b0c0d0e0f1011121314'),
        requireTouch: true,
      }),
    yubikit: {
      type: 'hmac',
      key: '0102030405060708090a0b0c0d0e0f1011121314',
      require_touch: true,
    },
    hex:
      '00000000000000000000000000000000' +
      '111213140000' +
      '0102030405060708090a0b0c0d0e0f10' +
      '000000000000' +
      '00' +
      '24' +
      '40' +
      '2e' +
      '0000' +
      'c48b',
  },
  {
    // Full 64-byte challenges (cfg 0x22), and the slot gets access code 01..06 in accCode.
    name: 'HMAC-SHA1 challenge-response, 64-byte challenges, access code 010203040506',
    build: () =>
      hmacChallengeSlotConfig({
        secret: hex('0102030405060708090a0b0c0d0e0f1011121314'),
        shortChallenges: false,
        accessCode: hex('010203040506'),
      }),
    yubikit: {
      type: 'hmac',
      key: '0102030405060708090a0b0c0d0e0f1011121314',
      lt64: false,
      acc_code: '010203040506',
    },
    hex:
      '00000000000000000000000000000000' +
      '111213140000' +
      '0102030405060708090a0b0c0d0e0f10' +
      '010203040506' +
      '00' +
      '24' +
      '40' +
      '22' +
      '0000' +
      '3084',
  },
  {
    // yubikit's UpdateConfiguration: fixed is 16 zero bytes (fixedSize 0x10), only updatable flags.
    name: 'update: flags only, Enter off',
    build: () => updateSlotConfig({ appendEnter: false }),
    yubikit: { type: 'update', append_cr: false },
    hex:
      '00000000000000000000000000000000' +
      '000000000000' +
      '00000000000000000000000000000000' +
      '000000000000' +
      '10' +
      '34' +
      '00' +
      '00' +
      '0000' +
      '64f4',
  },
  {
    name: 'delete: 52 zero bytes, CRC included',
    build: () => deleteSlotConfig(),
    yubikit: { type: 'delete' },
    hex: '00'.repeat(52),
  },
];
