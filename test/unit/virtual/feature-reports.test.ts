import { parseVirtualSpec, VirtualToken } from '../../../drivers/virtual';
import { crc16, crc16ResidueOk, fromHex, toHex, ValidationError } from '../../../src/core';
import { SERIAL_READ_EXAMPLE } from '../../vectors/virtual';
import { frameFor, readResponse, sendAndReceive, sendFrame } from './wire-host';
import { ManualClock } from '../../helpers/manual-clock';

const fixedClock = new ManualClock(1_700_000_000_000);

function deviceInfoTlvs(response: Uint8Array | null): Map<number, string> {
  expect(response).not.toBeNull();
  const len = response![0]!;
  expect(crc16ResidueOk(response!.subarray(0, len + 3))).toBe(true);
  const tlvs = new Map<number, string>();
  for (let i = 1; i < len + 1;) {
    const size = response![i + 1]!;
    tlvs.set(response![i]!, toHex(response!.subarray(i + 2, i + 2 + size)));
    i += 2 + size;
  }
  return tlvs;
}

function token(spec: string, writeBusyReads = 0): VirtualToken {
  return new VirtualToken(parseVirtualSpec(spec), { clock: fixedClock, writeBusyReads });
}

describe('VirtualToken feature reports', () => {
  test('answers the reference serial read (A2) byte for byte', async () => {
    const t = token(`yubikey:serial=${SERIAL_READ_EXAMPLE.serial}`);
    for (const hex of SERIAL_READ_EXAMPLE.hostWrites) await t.setFeatureReport(fromHex(hex));
    for (const hex of SERIAL_READ_EXAMPLE.deviceAnswers) {
      expect(toHex(await t.getFeatureReport())).toBe(hex);
    }
    await t.setFeatureReport(fromHex(SERIAL_READ_EXAMPLE.resetWrite));
    expect(toHex(await t.getFeatureReport())).toBe('00050403010f0000');
  });

  test.each([
    ['yubikey', '00050403010f0000'], // fw 5.4.3, pgmSeq 1, both slots valid + touch
    ['hotp', '0005040301050000'], // slot 1 only
    ['blank', '0005040300000000'], // nothing programmed: pgmSeq 0
    ['yubico:model=neo', '0003050001050000'],
    ['yubico:model=standard,fw=2.2.0', '0002020001010000'], // VALID bits only before fw 3
    ['yubico:model=standard,fw=2.0.2', '0002000201000000'], // neither before fw 2.1
  ])('status report of %s is %s', async (spec, hex) => {
    expect(toHex(await token(spec).getFeatureReport())).toBe(hex);
  });

  test('shows the write flag once after each chunk, so a host wait loop runs', async () => {
    const t = token('yubikey', 1);
    await t.setFeatureReport(fromHex(SERIAL_READ_EXAMPLE.hostWrites[0]));
    expect(toHex(await t.getFeatureReport())).toBe('00050403010f0080');
    expect(toHex(await t.getFeatureReport())).toBe('00050403010f0000');
    await t.setFeatureReport(fromHex(SERIAL_READ_EXAMPLE.hostWrites[1]));
    expect(toHex(await t.getFeatureReport())).toBe('00050403010f0080');
    expect(toHex(await t.getFeatureReport())).toBe(SERIAL_READ_EXAMPLE.deviceAnswers[0]);
  });

  test('a host that waits for the write flag reads the serial through the busy reports', async () => {
    const t = token('hotp:serial=123456', 1);
    const busyPolls = await sendFrame(t, frameFor(0x10));
    expect(busyPolls).toBe(1); // chunk 9 waited for chunk 0's busy flag
    const response = await readResponse(t);
    expect(response && toHex(response.subarray(0, 4))).toBe('0001e240');
    expect(response && crc16ResidueOk(response.subarray(0, 6))).toBe(true);
  });

  test('a hidden serial is rejected like an unsupported command', async () => {
    const t = token('yubico:serial-hidden=on');
    expect(await sendAndReceive(t, 0x10)).toBeNull();
    expect((await t.getFeatureReport())[4]).toBe(1); // pgmSeq unchanged
  });

  test.each([
    [0x01, 'slot 1 configuration write'],
    [0x03, 'slot 2 configuration write'],
    [0x06, 'swap'],
    [0x11, 'device configuration'],
    [0x12, 'scan map'],
    [0x30, 'HMAC challenge-response'],
    [0x7e, 'unknown command'],
  ])('command 0x%s (%s) is rejected with a plain status and pgmSeq unchanged', async (cmd) => {
    const t = token('yubikey');
    const before = await t.getFeatureReport();
    expect(await sendAndReceive(t, cmd, new Uint8Array(64).fill(0x11))).toBeNull();
    const after = await t.getFeatureReport();
    expect(toHex(after)).toBe(toHex(before));
    expect(after[7]).toBe(0);
  });

  test('a frame with a bad CRC gets no data', async () => {
    const t = token('yubikey');
    const frame = frameFor(0x10);
    frame[65]! ^= 0x01;
    await sendFrame(t, frame);
    expect(toHex(await t.getFeatureReport())).toBe('00050403010f0000');
  });

  test.each(['8f', 'ff'])('a reset report (byte 7 = 0x%s) ends read mode', async (flag) => {
    const t = token('yubikey');
    for (const hex of SERIAL_READ_EXAMPLE.hostWrites) await t.setFeatureReport(fromHex(hex));
    await t.setFeatureReport(fromHex(`00000000000000${flag}`));
    expect(toHex(await t.getFeatureReport())).toBe('00050403010f0000');
  });

  test('a new frame abandons an unread response', async () => {
    const t = token('yubikey:serial=99');
    for (const hex of SERIAL_READ_EXAMPLE.hostWrites) await t.setFeatureReport(fromHex(hex));
    expect(await sendAndReceive(t, 0x7e)).toBeNull();
  });

  test('device info (0x13): len ‖ TLVs ‖ crc with serial, version, form factor, USB capabilities', async () => {
    const tlvs = deviceInfoTlvs(await sendAndReceive(token('yubikey:serial=7050602'), 0x13));
    expect(tlvs.get(0x02)).toBe('006b956a');
    expect(tlvs.get(0x05)).toBe('050403');
    expect(tlvs.get(0x04)).toBe('01');
    expect(tlvs.get(0x01)).toBe('023b'); // OTP, U2F, OpenPGP, PIV, OATH, FIDO2 on a 0x0407
    expect(tlvs.get(0x03)).toBe('023b');
  });

  test('device info omits a hidden serial and is rejected before firmware 4.1', async () => {
    const tlvs = deviceInfoTlvs(
      await sendAndReceive(token('yubico:serial-hidden=on,pid=0401,fw=4.3.7'), 0x13),
    );
    expect(tlvs.has(0x02)).toBe(false);
    expect(tlvs.get(0x01)).toBe('0001'); // YK4_OTP: the OTP application only
    expect(await sendAndReceive(token('yubico:model=neo'), 0x13)).toBeNull();
  });

  test('a report that is not 8 bytes is a ValidationError', async () => {
    const t = token('yubikey');
    await expect(t.setFeatureReport(new Uint8Array(9))).rejects.toBeInstanceOf(ValidationError);
    await expect(t.setFeatureReport(new Uint8Array(7))).rejects.toThrow(/expected 8 bytes, got 7/);
  });

  test('a write without the write flag is ignored', async () => {
    const t = token('yubikey');
    await t.setFeatureReport(fromHex('0010000000000009'));
    expect(toHex(await t.getFeatureReport())).toBe('00050403010f0000');
  });

  test('the frame CRC in the worked example is crc16 of 64 zero bytes', () => {
    expect(crc16(new Uint8Array(64))).toBe(0x5b6b);
  });
});
