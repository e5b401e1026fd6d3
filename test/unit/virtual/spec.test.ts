import {
  DEFAULT_SERIAL,
  defaultAesKey,
  defaultHotpSecret,
  defaultPrivateId,
  deriveDefault,
  formatVirtualSpec,
  parseVirtualSpec,
} from '../../../drivers/virtual';
import { createHmac } from 'node:crypto';
import { modhexEncode, toHex, UsageError } from '../../../src/core';

describe('parseVirtualSpec', () => {
  test('a bare kind takes the documented defaults', () => {
    const spec = parseVirtualSpec('yubikey');
    expect(spec).toMatchObject({
      kind: 'yubikey',
      serial: DEFAULT_SERIAL,
      model: 'yk5',
      productId: 0x0407,
      firmware: [5, 4, 3],
      serialHidden: false,
      appendEnter: true,
      numericKeypad: false,
      pacingMs: 2,
    });
    expect(spec.slot1?.type).toBe('yubico');
    expect(spec.slot2?.type).toBe('hotp');
  });

  test('default secrets follow the documented HMAC-SHA256 derivation', () => {
    const mac = (label: string) =>
      createHmac('sha256', 'tokenbridge-virtual-token').update(`${label}:123456`).digest('hex');
    expect(toHex(defaultHotpSecret(123456))).toBe(mac('hotp-secret').slice(0, 40));
    expect(toHex(defaultAesKey(123456))).toBe(mac('aes-key').slice(0, 32));
    expect(toHex(defaultPrivateId(123456))).toBe(mac('private-id').slice(0, 12));
    expect(deriveDefault(1, 'x', 4)).toHaveLength(4);
    const spec = parseVirtualSpec('yubico:serial=123456');
    expect(spec.slot1).toMatchObject({
      type: 'yubico',
      aesKey: defaultAesKey(123456),
      privateId: defaultPrivateId(123456),
    });
  });

  test('the default public id is modhex(ff 00 ‖ serial BE32), like ykman --serial-public-id', () => {
    const spec = parseVirtualSpec('yubico');
    expect(spec.slot1?.type === 'yubico' && modhexEncode(spec.slot1.publicId)).toBe(
      'vvcccchnkghl', // ff 00 | 00 6b 95 6a
    );
  });

  test.each([
    ['hotp:serial=123456,digits=8,counter=5,token-id=on', { serial: 123456 }],
    ['hotp:secret=3132333435363738393031323334353637383930', { kind: 'hotp' }],
    ['yubico:model=neo', { productId: 0x0116, firmware: [3, 5, 0], model: 'neo' }],
    ['yubico:model=standard,fw=2.2.0', { productId: 0x0010, firmware: [2, 2, 0] }],
    ['yubikey:pid=0x0405', { productId: 0x0405 }],
    ['yubikey:pid=0401', { productId: 0x0401 }],
    ['blank', { slot1: null, slot2: null }],
    ['hotp:enter=off,keypad=on,pacing=0', { appendEnter: false, numericKeypad: true, pacingMs: 0 }],
    ['yubico:serial-hidden=on', { serialHidden: true }],
    [' yubico : usage=7 , public-id=cccccccb ', { kind: 'yubico' }],
  ])('accepts %s', (text, expected) => {
    expect(parseVirtualSpec(text)).toMatchObject(expected);
  });

  test('slot keys land in the right slot', () => {
    const spec = parseVirtualSpec(
      'yubikey:counter=9,digits=8,token-id=on,usage=3,aes-key=000102030405060708090a0b0c0d0e0f,private-id=010203040506,public-id=dteffuje',
    );
    expect(spec.slot2).toMatchObject({ type: 'hotp', counter: 9, digits: 8, tokenId: true });
    expect(spec.slot1).toMatchObject({ type: 'yubico', usage: 3 });
    expect(spec.slot1?.type === 'yubico' && toHex(spec.slot1.privateId)).toBe('010203040506');
  });

  test.each([
    ['', 'kind'],
    ['totp', 'kind'],
    ['hotp:serial', 'option'],
    ['hotp:colour=red', 'key'],
    ['hotp:serial=1,serial=2', 'serial'],
    ['hotp:serial=0', 'serial'],
    ['hotp:serial=100000000', 'serial'],
    ['hotp:serial=12a', 'serial'],
    ['hotp:model=yk6', 'model'],
    ['hotp:pid=0402', 'pid'],
    ['hotp:pid=zz', 'pid'],
    ['hotp:fw=5.4', 'fw'],
    ['hotp:fw=5.4.300', 'fw'],
    ['hotp:serial-hidden=yes', 'serial-hidden'],
    ['hotp:secret=abc', 'secret'],
    ['hotp:secret=', 'secret'],
    ['hotp:counter=-1', 'counter'],
    ['hotp:digits=7', 'digits'],
    ['hotp:token-id=1', 'token-id'],
    ['hotp:aes-key=00', 'aes-key'],
    ['yubico:secret=00', 'secret'],
    ['yubico:aes-key=0011', 'aes-key'],
    ['yubico:private-id=00112233445566', 'private-id'],
    ['yubico:public-id=abc', 'public-id'],
    ['yubico:public-id=' + 'c'.repeat(34), 'public-id'],
    ['yubico:usage=0', 'usage'],
    ['yubico:usage=32768', 'usage'],
    ['blank:counter=1', 'counter'],
    ['yubico:enter=true', 'enter'],
    ['yubico:keypad=', 'keypad'],
    ['yubico:pacing=1001', 'pacing'],
  ])('rejects %j naming %s', (text, key) => {
    let caught: unknown;
    try {
      parseVirtualSpec(text);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(UsageError);
    const message = (caught as UsageError).message;
    expect(message).toContain(`virtual spec: ${key}:`);
    expect(message).not.toContain('\n');
  });

  test('a bad secret is described, never echoed', () => {
    expect(() => parseVirtualSpec('hotp:secret=00112233445566778899zz')).toThrow(
      /^virtual spec: secret: expected 1\.\.64 bytes of hex.*not hex pairs$/,
    );
    expect(() => parseVirtualSpec('hotp:secret=00112233445566778899zz')).not.toThrow(/zz/);
  });
});

describe('formatVirtualSpec', () => {
  test.each([
    'yubikey',
    'hotp',
    'yubico',
    'blank',
    'hotp:serial=123456,counter=5,digits=8,token-id=on',
    'hotp:secret=3132333435363738393031323334353637383930,enter=off,keypad=on,pacing=0',
    'yubico:model=neo,pid=0110,fw=3.4.9,serial-hidden=on',
    'yubikey:serial=42,aes-key=000102030405060708090a0b0c0d0e0f,private-id=010203040506,public-id=dteffuje,usage=9',
  ])('round-trips %s canonically', (text) => {
    const spec = parseVirtualSpec(text);
    expect(formatVirtualSpec(spec)).toBe(text);
    expect(parseVirtualSpec(formatVirtualSpec(spec))).toEqual(spec);
  });

  test('omits keys that equal their defaults', () => {
    expect(formatVirtualSpec(parseVirtualSpec('hotp:serial=7050602,digits=6,enter=on'))).toBe(
      'hotp',
    );
  });
});
