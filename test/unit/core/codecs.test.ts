import {
  appendComplementedCrc,
  crc16,
  crc16ResidueOk,
  CRC16_OK_RESIDUE,
  hexToModhex,
  modhexDecode,
  modhexEncode,
  modhexToHex,
  repairDvorakModhex,
  redactOtp,
  deviceId,
  fromHex,
} from '../../../src/core';
import { CRC16_VECTORS } from '../../vectors/crc16';
import { MODHEX_VECTORS } from '../../vectors/modhex';

describe('crc16', () => {
  test.each(CRC16_VECTORS)('crc16($hex) = $crc', ({ hex, crc }) => {
    expect(crc16(fromHex(hex))).toBe(crc);
  });

  test.each(CRC16_VECTORS)('data ‖ ~crc16 of $hex leaves the good residue', ({ hex }) => {
    const framed = appendComplementedCrc(fromHex(hex));
    expect(crc16(framed)).toBe(CRC16_OK_RESIDUE);
    expect(crc16ResidueOk(framed)).toBe(true);
    framed[0]! ^= 0x01;
    expect(crc16ResidueOk(framed)).toBe(false);
  });
});

describe('modhex', () => {
  test.each(MODHEX_VECTORS)('$hex <-> $modhex', ({ hex, modhex }) => {
    expect(modhexEncode(fromHex(hex))).toBe(modhex);
    expect(hexToModhex(hex)).toBe(modhex);
    expect(modhexToHex(modhex)).toBe(hex);
    expect(modhexToHex(modhex.toUpperCase())).toBe(hex);
    expect(Buffer.from(modhexDecode(modhex)).toString('hex')).toBe(hex);
  });

  test.each(['abc', 'cbd', 'cbda', '12'])('rejects %p', (text) => {
    expect(() => modhexDecode(text)).toThrow(/not modhex/);
  });

  test('repairs Dvorak-typed modhex and leaves other text alone', () => {
    expect(repairDvorakModhex('jxe.uidchtnbpygk')).toBe('cbdefghijklnrtuv');
    expect(repairDvorakModhex('cbdefghijklnrtuv')).toBe('cbdefghijklnrtuv');
    expect(repairDvorakModhex('jxe!')).toBe('jxe!');
  });
});

describe('redaction and ids', () => {
  test.each([
    ['dteffujehknhfjbrjnlnldnhcujvddbikngjrtgh', 'dteffuje' + '*'.repeat(32)],
    ['DTEFFUJEHKNHFJBRJNLNLDNHCUJVDDBIKNGJRTGH', 'dteffuje' + '*'.repeat(32)],
    ['ey.uugh.dtbduhxphbnbnebdjghkeexctbihpyid', 'dteffuje' + '*'.repeat(32)],
    ['vv'.repeat(17) + 'c'.repeat(32), '*'.repeat(66)],
    ['ubhe07050602154916', 'ubhe07050602******'],
    ['e16307050602154916', 'e16307050602******'],
    ['1234567', '*******'],
    ['755224', '******'],
    ['12345678', '********'],
    ['hunter2!', '********'],
  ])('redactOtp(%p) = %p', (otp, redacted) => {
    expect(redactOtp(otp)).toBe(redacted);
  });

  test('device ids are stable hashes that never contain the path', () => {
    const id = deviceId('hid', '/dev/hidraw3');
    expect(id).toMatch(/^[0-9a-f]{16}$/);
    expect(id).toBe(deviceId('hid', '/dev/hidraw3'));
    expect(id).not.toBe(deviceId('usb', '/dev/hidraw3'));
  });
});
