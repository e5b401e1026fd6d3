import { createDecipheriv } from 'node:crypto';
import { hotpCode, keyReportsFor, parseVirtualSpec, VirtualToken } from '../../../drivers/virtual';
import { crc16ResidueOk, fromHex, modhexDecode, toHex } from '../../../src/core';
import { RFC4226_HOTP, RFC4226_SECRET_HEX } from '../../vectors/virtual';
import { ManualClock } from '../../helpers/manual-clock';

const AES_KEY = '000102030405060708090a0b0c0d0e0f';
const PRIVATE_ID = '8792ebfe26cc';

/** Fixed "random" bytes so tickets are reproducible: rnd = 0x3412, timestamp base = 0x563412. */
const fixedRandom = (n: number) => Uint8Array.from([0x12, 0x34, 0x56, 0x78].slice(0, n));

function record(token: VirtualToken): string[] {
  const reports: string[] = [];
  token.onInputReport((r) => reports.push(toHex(r)));
  return reports;
}

function decodeTicket(otp: string, aesKeyHex: string) {
  const decipher = createDecipheriv('aes-128-ecb', Buffer.from(aesKeyHex, 'hex'), null);
  decipher.setAutoPadding(false);
  const plain = Buffer.concat([decipher.update(modhexDecode(otp.slice(-32))), decipher.final()]);
  return {
    crcOk: crc16ResidueOk(plain),
    uid: plain.subarray(0, 6).toString('hex'),
    usage: plain.readUInt16LE(6),
    timestamp: plain.readUInt16LE(8) | (plain[10]! << 16),
    session: plain[11],
    rnd: plain.readUInt16LE(12),
  };
}

describe('hotpCode', () => {
  test.each(RFC4226_HOTP)('RFC 4226 counter $counter -> $code', ({ counter, code }) => {
    expect(hotpCode(fromHex(RFC4226_SECRET_HEX), counter, 6)).toBe(code);
  });
});

describe('keyReportsFor', () => {
  test.each([
    ['c', false, ['0000060000000000', '0000000000000000']],
    ['V', false, ['0200190000000000', '0000000000000000']],
    ['1', false, ['00001e0000000000', '0000000000000000']],
    ['0', false, ['0000270000000000', '0000000000000000']],
    ['1', true, ['0000590000000000', '0000000000000000']],
    ['0', true, ['0000620000000000', '0000000000000000']],
  ])('%s (keypad %s) types as %j', (ch, numericKeypad, reports) => {
    expect(keyReportsFor(ch, { numericKeypad, appendEnter: false }).map(toHex)).toEqual(reports);
  });

  test('Enter ends the text when asked', () => {
    const reports = keyReportsFor('b', { numericKeypad: false, appendEnter: true }).map(toHex);
    expect(reports.slice(-2)).toEqual(['0000280000000000', '0000000000000000']);
  });

  test('a character no token types is refused', () => {
    expect(() => keyReportsFor('!', { numericKeypad: false, appendEnter: false })).toThrow(
      /letters, digits and Tab/,
    );
  });
});

describe('VirtualToken typing', () => {
  test('an OATH-HOTP slot types the RFC 4226 codes with key-up reports and Enter', async () => {
    const token = new VirtualToken(parseVirtualSpec(`hotp:secret=${RFC4226_SECRET_HEX},pacing=0`));
    const reports = record(token);
    expect(await token.press()).toBe('755224');
    expect(reports).toEqual([
      '0000240000000000', '0000000000000000', // 7
      '0000220000000000', '0000000000000000', // 5
      '0000220000000000', '0000000000000000', // 5
      '00001f0000000000', '0000000000000000', // 2
      '00001f0000000000', '0000000000000000', // 2
      '0000210000000000', '0000000000000000', // 4
      '0000280000000000', '0000000000000000', // Enter
    ]); // prettier-ignore
    expect(token.state.hotpCounter).toBe(1);
    expect(await token.press()).toBe('287082');
    expect(token.state.hotpCounter).toBe(2);
  });

  test('the token id comes first: ubhe + serial as 8 digits', async () => {
    const token = new VirtualToken(
      parseVirtualSpec(
        `hotp:serial=7050602,token-id=on,digits=8,counter=3,secret=${RFC4226_SECRET_HEX},pacing=0`,
      ),
    );
    const reports = record(token);
    const otp = await token.press();
    expect(otp).toBe(`ubhe07050602${hotpCode(fromHex(RFC4226_SECRET_HEX), 3, 8)}`);
    expect(reports.slice(0, 4)).toEqual([
      '0000180000000000', '0000000000000000', // u
      '0000050000000000', '0000000000000000', // b
    ]); // prettier-ignore
    expect(reports).toHaveLength((otp.length + 1) * 2);
  });

  test('keypad digits and no Enter when the spec asks', async () => {
    const token = new VirtualToken(
      parseVirtualSpec(`hotp:secret=${RFC4226_SECRET_HEX},keypad=on,enter=off,pacing=0`),
    );
    const reports = record(token);
    await token.press();
    expect(reports).toHaveLength(12);
    expect(reports[0]).toBe('00005f0000000000'); // keypad 7
    expect(reports.includes('0000280000000000')).toBe(false);
  });

  test('a Yubico OTP decrypts to the expected ticket', async () => {
    const clock = new ManualClock();
    const token = new VirtualToken(
      parseVirtualSpec(
        `yubico:public-id=vvcccchnkghl,aes-key=${AES_KEY},private-id=${PRIVATE_ID},usage=17,pacing=0`,
      ),
      { clock, random: fixedRandom },
    );
    const reports = record(token);
    const first = await token.press();
    expect(first).toHaveLength(44);
    expect(first.startsWith('vvcccchnkghl')).toBe(true);
    expect(reports).toHaveLength(90);
    expect(decodeTicket(first, AES_KEY)).toEqual({
      crcOk: true,
      uid: PRIVATE_ID,
      usage: 17,
      timestamp: 0x563412,
      session: 0,
      rnd: 0x3412,
    });
    clock.jump(2000); // 16 ticks of the ~8 Hz timestamp
    const second = decodeTicket(await token.press(), AES_KEY);
    expect(second).toMatchObject({ usage: 17, session: 1, timestamp: 0x563412 + 16 });
    expect(token.state).toEqual({ hotpCounter: 0, yubicoUsage: 17, yubicoSession: 2 });
  });

  test('plugging back in bumps the usage counter and restarts the session counter', async () => {
    const token = new VirtualToken(parseVirtualSpec(`yubico:aes-key=${AES_KEY},pacing=0`), {
      random: fixedRandom,
    });
    await token.press();
    await token.press();
    token.unplug();
    token.plug();
    expect(decodeTicket(await token.press(), AES_KEY)).toMatchObject({ usage: 2, session: 0 });
  });

  test('the session counter wraps into the usage counter after 256 presses', async () => {
    const token = new VirtualToken(parseVirtualSpec(`yubico:aes-key=${AES_KEY},pacing=0`), {
      random: fixedRandom,
    });
    for (let i = 0; i < 256; i++) await token.press();
    expect(token.state).toMatchObject({ yubicoUsage: 2, yubicoSession: 0 });
    expect(decodeTicket(await token.press(), AES_KEY)).toMatchObject({ usage: 2, session: 0 });
  });

  test('yubikey: slot 1 types the Yubico OTP, slot 2 the OATH-HOTP code', async () => {
    const spec = parseVirtualSpec(`yubikey:secret=${RFC4226_SECRET_HEX},pacing=0`);
    const token = new VirtualToken(spec);
    expect(await token.press(1)).toMatch(/^vvcccchnkghl[cbdefghijklnrtuv]{32}$/);
    expect(await token.press(2)).toBe('755224');
  });

  test('an unprogrammed slot types nothing', async () => {
    const token = new VirtualToken(parseVirtualSpec('hotp:pacing=0'));
    const reports = record(token);
    expect(await token.press(2)).toBe('');
    expect(reports).toEqual([]);
  });

  test('with pacing the press resolves after the last key-up report', async () => {
    const clock = new ManualClock();
    const token = new VirtualToken(parseVirtualSpec(`hotp:secret=${RFC4226_SECRET_HEX},pacing=3`), {
      clock,
    });
    const reports = record(token);
    const pressing = token.press();
    expect(reports).toHaveLength(1); // the first key-down goes out at once
    await expect(token.press()).rejects.toMatchObject({ code: 'DEVICE_BUSY' });
    await clock.advance(3);
    expect(reports).toHaveLength(2); // one report per pacing interval
    expect(await clock.runUntil(pressing)).toBe('755224');
    expect(reports).toHaveLength(14);
    expect(reports[13]).toBe('0000000000000000');
  });
});
