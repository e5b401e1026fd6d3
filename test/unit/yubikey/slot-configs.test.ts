import {
  CONFIG_SIZE,
  configWritePayload,
  decodeSlotConfig,
  encodeSlotConfig,
  splitConfigWrite,
  toHex,
} from '../../../src/core';
import { hmacChallengeSlotConfig, hotpSlotConfig, oathTokenId } from '../../../src/yubikey';
import { RFC4226_SEED_HEX, SLOT_CONFIG_VECTORS } from '../../vectors/slot-configs';

const seed = new Uint8Array(Buffer.from(RFC4226_SEED_HEX, 'hex'));

describe('slot configuration builders', () => {
  test.each(SLOT_CONFIG_VECTORS.map((v) => [v.name, v] as const))('%s', (_name, vector) => {
    const bytes = vector.build();
    expect(bytes).toHaveLength(CONFIG_SIZE);
    expect(toHex(bytes)).toBe(vector.hex);
  });

  test('the OATH token id of serial 7050602 is e1 63 and the serial as packed BCD', () => {
    expect(toHex(oathTokenId(7050602))).toBe('e16307050602');
    expect(toHex(oathTokenId(1))).toBe('e16300000001');
  });

  test.each([
    ['a 21-byte seed', () => hotpSlotConfig({ secret: new Uint8Array(21) }), /1\.\.20 bytes/],
    ['an empty seed', () => hotpSlotConfig({ secret: new Uint8Array(0) }), /1\.\.20 bytes/],
    [
      'an IMF not a multiple of 16',
      () => hotpSlotConfig({ secret: seed, imf: 17 }),
      /multiple of 16/,
    ],
    ['an IMF past 1048560', () => hotpSlotConfig({ secret: seed, imf: 1048576 }), /0\.\.1048560/],
    [
      'a 17-byte token id',
      () => hotpSlotConfig({ secret: seed, tokenId: new Uint8Array(17) }),
      /at most 16/,
    ],
    [
      'a 5-byte access code',
      () => hmacChallengeSlotConfig({ secret: seed, accessCode: new Uint8Array(5) }),
      /access code: expected 6 bytes/,
    ],
    ['a serial past 8 digits in a token id', () => oathTokenId(100_000_000), /0\.\.99999999/],
  ])('refuses %s with a message saying what fits', (_what, build, message) => {
    expect(build).toThrow(message);
  });
});

describe('the configuration codec (what a key reads back)', () => {
  test.each(
    SLOT_CONFIG_VECTORS.filter((v) => v.yubikit.type !== 'delete').map((v) => [v.name, v] as const),
  )('%s decodes to fields that encode to the same bytes', (_name, vector) => {
    const bytes = new Uint8Array(Buffer.from(vector.hex, 'hex'));
    const decoded = decodeSlotConfig(bytes);
    if (decoded.kind !== 'config') throw new Error(`decoded as ${decoded.kind}`);
    expect(toHex(encodeSlotConfig(decoded.fields))).toBe(vector.hex);
  });

  test('52 zero bytes mean delete', () => {
    expect(decodeSlotConfig(new Uint8Array(CONFIG_SIZE))).toEqual({ kind: 'delete' });
  });

  test.each([0, 17, 44, 47, 50, 51])('a flipped bit at byte %i fails the CRC', (offset) => {
    const bytes = hotpSlotConfig({ secret: seed });
    bytes[offset]! ^= 0x10;
    expect(decodeSlotConfig(bytes)).toEqual({
      kind: 'invalid',
      reason: 'configuration CRC mismatch',
    });
  });

  test('a configuration of the wrong size is invalid', () => {
    expect(decodeSlotConfig(new Uint8Array(51)).kind).toBe('invalid');
  });

  test('a write payload is the configuration and the current access code, and splits back', () => {
    const config = hotpSlotConfig({ secret: seed });
    const code = Uint8Array.of(1, 2, 3, 4, 5, 6);
    const payload = configWritePayload(config, code);
    expect(payload).toHaveLength(58);
    expect(toHex(payload)).toBe(toHex(config) + '010203040506');
    const split = splitConfigWrite(payload);
    expect(toHex(split.config)).toBe(toHex(config));
    expect(toHex(split.currentAccessCode)).toBe('010203040506');
    expect(toHex(configWritePayload(config).subarray(52))).toBe('000000000000');
  });
});
