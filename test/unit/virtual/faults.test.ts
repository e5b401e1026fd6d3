import { parseVirtualSpec, VirtualToken } from '../../../drivers/virtual';
import { crc16ResidueOk, toHex } from '../../../src/core';
import { RFC4226_SECRET_HEX } from '../../vectors/virtual';
import { ManualClock } from '../../helpers/manual-clock';
import { frameFor, readResponse, sendAndReceive, sendFrame } from './wire-host';

function makeToken(spec = 'yubikey:pacing=0', clock = new ManualClock()): VirtualToken {
  return new VirtualToken(parseVirtualSpec(spec), { writeBusyReads: 0, clock });
}

describe('VirtualToken faults', () => {
  test('unplug-mid-transfer: the token goes away after the given number of reports', async () => {
    const token = makeToken();
    const plugEvents: boolean[] = [];
    token.onPlugChange((p) => plugEvents.push(p));
    token.injectFault({ kind: 'unplug-mid-transfer', afterReports: 1 });
    await expect(sendFrame(token, frameFor(0x10))).rejects.toMatchObject({ code: 'DEVICE_GONE' });
    expect(token.plugged).toBe(false);
    expect(plugEvents).toEqual([false]);
    await expect(token.getFeatureReport()).rejects.toMatchObject({ code: 'DEVICE_GONE' });
    await expect(token.press()).rejects.toMatchObject({ code: 'DEVICE_GONE' });
    token.plug();
    expect(await sendAndReceive(token, 0x10)).not.toBeNull(); // one-shot
  });

  test('unplug-mid-transfer during the response read', async () => {
    const token = makeToken();
    await sendFrame(token, frameFor(0x10));
    token.injectFault({ kind: 'unplug-mid-transfer', afterReports: 0 });
    await expect(readResponse(token)).rejects.toMatchObject({ code: 'DEVICE_GONE' });
    token.plug();
    expect((await token.getFeatureReport())[7]).toBe(0); // the response died with the power
  });

  test('crc-corruption: the next response fails the residue check, the one after is fine', async () => {
    const token = makeToken();
    token.injectFault({ kind: 'crc-corruption' });
    const bad = await sendAndReceive(token, 0x10);
    expect(bad && crc16ResidueOk(bad.subarray(0, 6))).toBe(false);
    expect(bad && toHex(bad.subarray(0, 4))).toBe('006b956a');
    const good = await sendAndReceive(token, 0x10);
    expect(good && crc16ResidueOk(good.subarray(0, 6))).toBe(true);
  });

  test('stall: feature-report calls wait, and an unplug ends the wait with DEVICE_GONE', async () => {
    const clock = new ManualClock();
    const token = makeToken(undefined, clock);
    token.injectFault({ kind: 'stall', ms: 60_000 });
    let settled = false;
    const pending = token.getFeatureReport().finally(() => (settled = true));
    await clock.advance(59_999);
    expect(settled).toBe(false);
    token.unplug();
    await expect(pending).rejects.toMatchObject({ code: 'DEVICE_GONE' });
    expect(clock.pendingTimers).toBe(0);
  });

  test('stall: a short stall still answers; clearFaults removes it', async () => {
    const clock = new ManualClock();
    const token = makeToken(undefined, clock);
    token.injectFault({ kind: 'stall', ms: 5 });
    let answered = false;
    const stalled = token.getFeatureReport().then((r) => ((answered = true), r));
    await clock.advance(4);
    expect(answered).toBe(false);
    await clock.advance(1);
    expect((await stalled)[1]).toBe(5);
    token.clearFaults();
    let settled = false;
    const pending = token.getFeatureReport().then((r) => ((settled = true), r));
    await Promise.resolve();
    await Promise.resolve();
    expect(settled).toBe(true);
    expect((await pending)[1]).toBe(5);
  });

  test('garbage: emits the asked number of invalid reports, then typing still works', async () => {
    const token = new VirtualToken(parseVirtualSpec(`hotp:secret=${RFC4226_SECRET_HEX},pacing=0`), {
      random: (n) => new Uint8Array(n).fill(0xee),
    });
    const reports: string[] = [];
    token.onInputReport((r) => reports.push(toHex(r)));
    token.injectFault({ kind: 'garbage', count: 3 });
    expect(reports).toEqual(['0000010101010101', 'eeeeeeeeeeeeeeee', 'eeeeeeeeeeeeeeee']);
    expect(await token.press()).toBe('755224');
  });

  test('slow-typing: pacing is overridden until cleared; unplug while typing stops it', async () => {
    const clock = new ManualClock();
    const token = makeToken(`hotp:secret=${RFC4226_SECRET_HEX},pacing=0`, clock);
    const reports: string[] = [];
    token.onInputReport((r) => reports.push(toHex(r)));
    token.injectFault({ kind: 'slow-typing', perKeyMs: 60_000 });
    const pressing = token.press();
    expect(reports).toHaveLength(1);
    await clock.advance(59_999);
    expect(reports).toHaveLength(1);
    await clock.advance(1);
    expect(reports).toHaveLength(2);
    token.unplug();
    await expect(pressing).rejects.toMatchObject({ code: 'DEVICE_GONE' });
    expect(reports).toHaveLength(2);
    expect(clock.pendingTimers).toBe(0);
    token.plug();
    token.clearFaults();
    expect(await token.press()).toBe('287082'); // the counter moved when the first press began
  });

  test('a bad fault parameter is a ValidationError', () => {
    const token = makeToken();
    expect(() => token.injectFault({ kind: 'stall', ms: -1 })).toThrow(/fault ms/);
    expect(() => token.injectFault({ kind: 'garbage', count: Number.NaN })).toThrow(/fault count/);
  });
});
