import { readFileSync } from 'node:fs';
import {
  ImportError,
  createYubicoCsvParser,
  parseLines,
  serialFromPublicId,
} from '../../../src/tokens/import';
import {
  SERIAL_PUBLIC_ID,
  YUBICO_AES_KEY_HEX as KEY,
  YUBICO_PRIVATE_ID_HEX as PID,
  YUBICO_PUBLIC_ID,
  fixture,
} from '../../fixtures/import/vectors';

function parse(text: string) {
  return [...parseLines(createYubicoCsvParser(), text.split(/\r?\n/))];
}
const hex = (b: Uint8Array | undefined) => Buffer.from(b ?? []).toString('hex');
const TAIL = ',,,0,0,0,0,0,0,0,0,0,0';

describe('YubiKey personalization CSV importer', () => {
  test('the traditional log: LOGGING START skipped, serial recovered from a serial-derived public id', () => {
    const tokens = parse(readFileSync(fixture('yubico-traditional.csv'), 'utf8'));
    expect(tokens.map((t) => [t.serial, t.kind, t.publicId, t.origin])).toEqual([
      [SERIAL_PUBLIC_ID.serial, 'yubico', SERIAL_PUBLIC_ID.publicId, 'line 2'],
      [YUBICO_PUBLIC_ID, 'yubico', YUBICO_PUBLIC_ID, 'line 3'],
    ]);
    expect(hex(tokens[0]!.secret)).toBe(KEY);
    expect(hex(tokens[0]!.privateId)).toBe(PID);
  });

  test('the "Yubico" log format and the plain serial,publicid,privateid,aeskey form', () => {
    const log = parse(readFileSync(fixture('yubico-format.csv'), 'utf8'));
    expect(log.map((t) => [t.serial, t.publicId])).toEqual([
      ['12078869', 'vvccccnjfvbg'],
      ['508326', 'dteffuje'],
    ]);
    const plain = parse(
      `serial,public id,private id,aes key\n42,${YUBICO_PUBLIC_ID},${PID},${KEY}`,
    );
    expect(plain).toHaveLength(1);
    expect(plain[0]).toMatchObject({ serial: '42', kind: 'yubico', origin: 'line 2' });
  });

  test('a comma inside the local time does not shift the columns', () => {
    const [t] = parse(
      `Yubico OTP,Wed, 11 Dec 2013 11:10,1,${YUBICO_PUBLIC_ID},${PID},${KEY}${TAIL}`,
    );
    expect(t).toMatchObject({ publicId: YUBICO_PUBLIC_ID });
    expect(hex(t!.secret)).toBe(KEY);
  });

  test.each([
    [
      'OATH-HOTP,12/11/2013,2,cccccccccccc,,' + '00'.repeat(20) + TAIL,
      /line 1: "OATH-HOTP" row: only Yubico OTP/,
    ],
    [
      'Static Password: Scan Code,x,1,,d5a3d50327dc,' + KEY + TAIL,
      /line 1: "Static Password: Scan Code" row/,
    ],
    [`Yubico OTP,t,1,${YUBICO_PUBLIC_ID},${PID},${KEY}`, /line 1: expected 18 columns/],
    [
      `Yubico OTP,t,1,${YUBICO_PUBLIC_ID},${PID},${KEY.slice(2)}${TAIL}`,
      /line 1, column \d+: AES key: expected 16 bytes, got 15/,
    ],
    [
      `Yubico OTP,t,1,${YUBICO_PUBLIC_ID},${PID}00,${KEY}${TAIL}`,
      /line 1, column \d+: private id: expected 6 bytes, got 7/,
    ],
    [
      `Yubico OTP,t,1,abc,${PID},${KEY}${TAIL}`,
      /line 1, column \d+: public id: expected 2\.\.32 modhex/,
    ],
    [
      `1,${YUBICO_PUBLIC_ID},${PID}`,
      /line 1: expected serial, public id, private id, AES key: got 3 columns/,
    ],
    [
      `1,${YUBICO_PUBLIC_ID},${PID},xyz`,
      /line 1, column \d+: AES key: expected hex digits in pairs/,
    ],
    [`508326,,0,${'ab'.repeat(20)},,2013-12-12T08:41:07,`, /line 1: not a Yubico OTP row/],
    [
      `508326,cccccccccccc,0,${'ab'.repeat(20)},,2013-12-12T08:41:07,`,
      /line 1: not a Yubico OTP row/,
    ],
    [`508326,,,${KEY},,2013-12-12T08:44:34,`, /line 1: not a Yubico OTP row/],
  ])('%j is refused', (line, message) => {
    expect(() => parse(line)).toThrow(message);
    expect(() => parse(line)).toThrow(ImportError);
  });

  test.each([
    ['vvccccnjfvbg', '12078869'],
    ['vvcccccccccb', '1'],
    ['cccccccccccb', 'cccccccccccb'], // not serial-derived: the public id stands in
    ['dteffuje', 'dteffuje'],
  ])('serialFromPublicId(%s) = %s', (publicId, serial) => {
    expect(serialFromPublicId(publicId)).toBe(serial);
  });
});
