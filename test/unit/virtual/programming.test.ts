import { createHmac } from 'node:crypto';
import { ErrorCode, modhexEncode, toHex } from '../../../src/core';
import { verifyYubicoOtp } from '../../../src/otp';
import {
  hmacChallengeSlotConfig,
  hotpSlotConfig,
  oathTokenId,
  updateSlotConfig,
  yubicoChallengeSlotConfig,
  yubicoOtpSlotConfig,
} from '../../../src/yubikey';
import { openSlotRig, type SlotRig } from '../../helpers/slot-rig';
import { RFC4226_HOTP, RFC4226_SECRET_HEX } from '../../vectors/virtual';

const hex = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'hex'));
const SEED = hex(RFC4226_SECRET_HEX);
const HMAC_KEY = hex('0102030405060708090a0b0c0d0e0f1011121314');
const CODE = hex('a1a2a3a4a5a6');

let rig: SlotRig;
afterEach(async () => {
  await rig?.close();
});

describe('a blank virtual key is programmable like a real one', () => {
  test('blank: programming sequence 0, no slot configured', async () => {
    rig = await openSlotRig('blank:pacing=0');
    const state = await rig.slots.state();
    expect(state.programmingSequence).toBe(0);
    expect(state.slots).toEqual([
      { configured: false, touchTriggered: false },
      { configured: false, touchTriggered: false },
    ]);
    await expect(rig.token.press(2)).resolves.toBe('');
  });

  test('an OATH-HOTP write to slot 2 is confirmed by the sequence, and slot 2 then types RFC 4226 codes', async () => {
    rig = await openSlotRig('blank:pacing=0');
    const result = await rig.slots.putConfiguration(2, hotpSlotConfig({ secret: SEED }));
    expect(result).toMatchObject({ accepted: true, status: { programmingSequence: 1 } });
    const state = await rig.slots.state();
    expect(state.slots[1]).toEqual({ configured: true, touchTriggered: true });
    expect(state.slots[0]!.configured).toBe(false);
    for (const { code } of RFC4226_HOTP.slice(0, 3))
      await expect(rig.token.press(2)).resolves.toBe(code);
    await expect(rig.token.press(1)).resolves.toBe('');
  });

  test('the initial moving factor, 8 digits and the token id come from the written configuration', async () => {
    rig = await openSlotRig('blank:serial=7050602,pacing=0');
    const config = hotpSlotConfig({
      secret: SEED,
      digits: 8,
      imf: 16,
      tokenId: oathTokenId(7050602),
    });
    await rig.slots.putConfiguration(1, config);
    // RFC 4226 counter 16 in 8 digits, after the token id typed ubhe + the BCD serial.
    const expected = hotpFor(SEED, 16, 8);
    await expect(rig.token.press(1)).resolves.toBe(`ubhe07050602${expected}`);
  });

  test('numeric keypad and no Enter, as flagged', async () => {
    rig = await openSlotRig('blank:pacing=0');
    await rig.slots.putConfiguration(
      2,
      hotpSlotConfig({ secret: SEED, numericKeypad: true, appendEnter: false }),
    );
    const reports: string[] = [];
    rig.token.onInputReport((r) => reports.push(toHex(r)));
    await rig.token.press(2);
    // 755224: keypad 7 = 0x5f; no Enter (0x28) at the end.
    expect(reports[0]).toBe('00005f0000000000');
    expect(reports.some((r) => r.startsWith('000028'))).toBe(false);
    expect(reports).toHaveLength(12);
  });

  test('a Yubico OTP write: the key types OTPs the engine verifies under the written AES key', async () => {
    rig = await openSlotRig('blank:pacing=0');
    const aesKey = hex('ecde18dbe76fbd0c33330f1c354871db');
    const privateId = hex('8792ebfe26cc');
    const publicId = hex('ff00006b956a');
    await rig.slots.putConfiguration(2, yubicoOtpSlotConfig({ publicId, privateId, aesKey }));
    const otp = await rig.token.press(2);
    expect(otp.slice(0, 12)).toBe(modhexEncode(publicId));
    const verdict = verifyYubicoOtp({ aesKey, privateId }, { usage: null, session: null }, otp);
    expect(verdict.valid).toBe(true);
  });

  test('each accepted write bumps the sequence; deleting the last slot sets it back to 0', async () => {
    rig = await openSlotRig('blank:pacing=0');
    await rig.slots.putConfiguration(1, hotpSlotConfig({ secret: SEED }));
    await rig.slots.putConfiguration(2, hotpSlotConfig({ secret: SEED }));
    expect((await rig.slots.state()).programmingSequence).toBe(2);
    await expect(rig.slots.deleteSlot(1)).resolves.toMatchObject({
      accepted: true,
      status: { programmingSequence: 3 },
    });
    const last = await rig.slots.deleteSlot(2);
    expect(last).toMatchObject({
      accepted: true,
      status: { programmingSequence: 0, touchLevel: 0 },
    });
    await expect(rig.token.press(2)).resolves.toBe('');
  });

  test('swap trades the slots and their counters', async () => {
    rig = await openSlotRig('hotp:pacing=0,secret=' + RFC4226_SECRET_HEX);
    await expect(rig.token.press(1)).resolves.toBe('755224');
    await expect(rig.slots.swapSlots()).resolves.toMatchObject({ accepted: true });
    await expect(rig.token.press(1)).resolves.toBe('');
    await expect(rig.token.press(2)).resolves.toBe('287082');
  });

  test('update changes the updatable flags and keeps the secret and the counter', async () => {
    rig = await openSlotRig('blank:pacing=0');
    await rig.slots.putConfiguration(2, hotpSlotConfig({ secret: SEED }));
    await rig.token.press(2);
    await expect(
      rig.slots.updateConfiguration(2, updateSlotConfig({ appendEnter: false })),
    ).resolves.toMatchObject({ accepted: true });
    const reports: string[] = [];
    rig.token.onInputReport((r) => reports.push(toHex(r)));
    await expect(rig.token.press(2)).resolves.toBe('287082');
    expect(reports.some((r) => r.startsWith('000028'))).toBe(false);
  });
});

describe('the key refuses writes as a real key does, and says nothing but the unchanged sequence', () => {
  test('a configured slot with an access code: a wrong code is refused, the right one deletes it', async () => {
    rig = await openSlotRig('blank:pacing=0');
    await rig.slots.putConfiguration(2, hotpSlotConfig({ secret: SEED, accessCode: CODE }));
    const wrong = await rig.slots.putConfiguration(2, hotpSlotConfig({ secret: HMAC_KEY }));
    expect(wrong).toMatchObject({ accepted: false, reason: 'access-code', keyState: 'unchanged' });
    expect((await rig.slots.state()).programmingSequence).toBe(1);
    await expect(rig.token.press(2)).resolves.toBe('755224');
    await expect(rig.slots.deleteSlot(2)).resolves.toMatchObject({
      accepted: false,
      reason: 'access-code',
    });
    await expect(rig.slots.deleteSlot(2, CODE)).resolves.toMatchObject({ accepted: true });
  });

  test("slot 1's PROTECT_CFG2 protects a blank slot 2", async () => {
    rig = await openSlotRig('blank:pacing=0');
    const protecting = hotpSlotConfig({ secret: SEED });
    protecting[46]! |= 0x80; // TKTFLAG_PROTECT_CFG2 (the builders do not offer it)
    fixCrc(protecting);
    await rig.slots.putConfiguration(1, protecting);
    const result = await rig.slots.putConfiguration(2, hotpSlotConfig({ secret: SEED }));
    expect(result).toMatchObject({ accepted: false, reason: 'protected', keyState: 'unchanged' });
  });

  test('a configuration with a bad CRC is refused and the slot stays blank', async () => {
    rig = await openSlotRig('blank:pacing=0');
    const config = hotpSlotConfig({ secret: SEED });
    config[30]! ^= 0xff;
    const result = await rig.slots.putConfiguration(2, config);
    expect(result).toMatchObject({ accepted: false, reason: 'rejected', keyState: 'unchanged' });
    expect((await rig.slots.state()).slots[1]!.configured).toBe(false);
  });

  test('a frame damaged on the way in (frame-corruption) is dropped like a refused one', async () => {
    rig = await openSlotRig('blank:pacing=0');
    rig.token.injectFault({ kind: 'frame-corruption' });
    const result = await rig.slots.putConfiguration(2, hotpSlotConfig({ secret: SEED }));
    expect(result).toMatchObject({ accepted: false, keyState: 'unchanged' });
    await expect(
      rig.slots.putConfiguration(2, hotpSlotConfig({ secret: SEED })),
    ).resolves.toMatchObject({ accepted: true });
  });

  test('updating a slot without ALLOW_UPDATE is refused', async () => {
    rig = await openSlotRig('blank:pacing=0');
    await rig.slots.putConfiguration(2, hotpSlotConfig({ secret: SEED, allowUpdate: false }));
    await expect(rig.slots.updateConfiguration(2, updateSlotConfig())).resolves.toMatchObject({
      accepted: false,
      reason: 'no-update',
    });
    await expect(rig.slots.updateConfiguration(1, updateSlotConfig())).resolves.toMatchObject({
      accepted: false,
      reason: 'empty',
    });
  });

  test('a key that never confirms: the write times out as busy, state unknown, and nothing was applied', async () => {
    rig = await openSlotRig('blank:pacing=0');
    rig.token.injectFault({ kind: 'never-confirm' });
    const result = await rig.slots.putConfiguration(2, hotpSlotConfig({ secret: SEED }));
    expect(result).toMatchObject({ accepted: false, reason: 'busy', keyState: 'unknown' });
    rig.token.clearFaults();
    expect((await rig.slots.state()).slots[1]!.configured).toBe(false);
  });

  test('unplugged between chunks: the key ran nothing, and the result says so', async () => {
    rig = await openSlotRig('blank:pacing=0');
    // The status read, then one chunk gets through before the cable goes.
    rig.token.injectFault({ kind: 'unplug-mid-transfer', afterReports: 4 });
    const result = await rig.slots.putConfiguration(2, hotpSlotConfig({ secret: SEED }));
    expect(result).toMatchObject({ accepted: false, reason: 'gone', keyState: 'unchanged' });
    rig.token.plug();
    expect(rig.token.programmedSlots()).toEqual([null, null]);
  });
});

describe('challenge-response', () => {
  test('HMAC-SHA1 (0x38) answers the HMAC of the unpadded challenge; the slot is not touch-triggered', async () => {
    rig = await openSlotRig('blank:pacing=0');
    await rig.slots.putConfiguration(2, hmacChallengeSlotConfig({ secret: HMAC_KEY }));
    expect((await rig.slots.state()).slots[1]).toEqual({ configured: true, touchTriggered: false });
    const challenge = new TextEncoder().encode('tokenbridge');
    const response = await rig.slots.calculateHmacSha1(2, challenge);
    expect(toHex(response)).toBe(createHmac('sha1', HMAC_KEY).update(challenge).digest('hex'));
    // A challenge ending in 0x00 is padded with 0x01, so the key keeps the 0x00.
    const zeroEnded = Uint8Array.of(1, 2, 0);
    expect(toHex(await rig.slots.calculateHmacSha1(2, zeroEnded))).toBe(
      createHmac('sha1', HMAC_KEY).update(zeroEnded).digest('hex'),
    );
    // A press types nothing.
    await expect(rig.token.press(2)).resolves.toBe('');
  });

  test('with CHAL_BTN_TRIG the key waits for a touch, counting down, then answers', async () => {
    rig = await openSlotRig('blank:pacing=0');
    await rig.slots.putConfiguration(
      1,
      hmacChallengeSlotConfig({ secret: HMAC_KEY, requireTouch: true }),
    );
    const waits: number[] = [];
    const response = await rig.slots.calculateHmacSha1(1, Uint8Array.of(9, 9), {
      onTouch: (secondsLeft) => {
        waits.push(secondsLeft);
        void rig.token.press(1);
      },
    });
    expect(waits).toEqual([15]);
    expect(toHex(response)).toBe(
      createHmac('sha1', HMAC_KEY).update(Uint8Array.of(9, 9)).digest('hex'),
    );
  });

  test('with CHAL_BTN_TRIG and no touch, the key gives up after 15 s and the host says so', async () => {
    rig = await openSlotRig('blank:pacing=0');
    await rig.slots.putConfiguration(
      1,
      hmacChallengeSlotConfig({ secret: HMAC_KEY, requireTouch: true }),
    );
    const asking = rig.slots.calculateHmacSha1(1, Uint8Array.of(1), {
      onTouch: () => rig.clock.jump(15_001),
    });
    await expect(asking).rejects.toMatchObject({
      code: ErrorCode.PROTOCOL_TIMEOUT,
      message: /not touched in time/,
    });
  });

  test('a challenge to a slot not set up for it is refused', async () => {
    rig = await openSlotRig('blank:pacing=0');
    await rig.slots.putConfiguration(2, hotpSlotConfig({ secret: SEED }));
    await expect(rig.slots.calculateHmacSha1(2, Uint8Array.of(1))).rejects.toMatchObject({
      code: ErrorCode.COMMAND_REJECTED,
    });
  });

  test('Yubico OTP challenge-response (0x20) returns a ticket that decrypts under the AES key with the challenge inside', async () => {
    rig = await openSlotRig('blank:pacing=0');
    const aesKey = hex('00112233445566778899aabbccddeeff');
    await rig.slots.putConfiguration(
      1,
      yubicoChallengeSlotConfig({
        publicId: new Uint8Array(0),
        privateId: hex('010203040506'),
        aesKey,
      }),
    );
    const challenge = hex('0a0b0c0d0e0f');
    const response = await rig.slots.challengeYubicoOtp(1, challenge);
    expect(response).toHaveLength(16);
    const verdict = verifyYubicoOtp(
      { aesKey, privateId: challenge },
      { usage: null, session: null },
      modhexEncode(response),
    );
    expect(verdict.valid).toBe(true);
  });
});

function hotpFor(secret: Uint8Array, counter: number, digits: 6 | 8): string {
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac('sha1', secret).update(message).digest();
  const offset = mac[19]! & 0x0f;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 10 ** digits).padStart(digits, '0');
}

/** Recomputes a hand-edited configuration's CRC (~crc16 of the first 50 bytes, LE). */
function fixCrc(config: Uint8Array): void {
  let crc = 0xffff;
  for (const byte of config.subarray(0, 50)) {
    crc ^= byte;
    for (let i = 0; i < 8; i++) crc = crc & 1 ? (crc >>> 1) ^ 0x8408 : crc >>> 1;
  }
  crc = ~crc & 0xffff;
  config[50] = crc & 0xff;
  config[51] = crc >>> 8;
}
