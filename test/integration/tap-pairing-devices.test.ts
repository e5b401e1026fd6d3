import { parseVirtualSpec, VirtualToken } from '../../drivers/virtual';
import { silentLogger } from '../../src/core';
import { provisionVirtualTokens } from '../../src/runtime/provision-virtual';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon';

const HOTP = 'hotp:serial=5100001,pacing=0';
const YUBICO = 'yubico:serial=5100002,pacing=0';
const UNREGISTERED_YUBICO = 'yubico:serial=5100003,pacing=0';

describe('the page learns which plugged key can pair by a press', () => {
  let t: TestDaemon;
  beforeAll(async () => {
    t = await startTestDaemon();
    await provisionVirtualTokens(
      t.daemon.store,
      [parseVirtualSpec(HOTP), parseVirtualSpec(YUBICO)],
      silentLogger(),
    );
  });
  afterAll(() => t.stop());

  test('only a Yubico OTP key the registry knows says tapPairing, in its event and in the device list', async () => {
    const page = await t.connect();
    const attached: Array<Record<string, unknown>> = [];
    for (const spec of [HOTP, YUBICO, UNREGISTERED_YUBICO]) {
      await t.virtual.attach(new VirtualToken(parseVirtualSpec(spec)));
      attached.push((await page.nextEvent('device.attached')).device as Record<string, unknown>);
    }
    expect(attached.map((d) => [d.serial, d.tapPairing])).toEqual([
      ['5100001', undefined], // an HOTP token cannot pair by touch
      ['5100002', true],
      ['5100003', undefined], // a YubiKey, but not in the registry: a press could not pair it
    ]);
    const listed = await page.request('devices.list');
    const taps = (listed.devices as Array<Record<string, unknown>>).map((d) => [
      d.serial,
      d.tapPairing,
    ]);
    expect(taps.sort()).toEqual([
      ['5100001', undefined],
      ['5100002', true],
      ['5100003', undefined],
    ]);
    expect(page.invalid).toEqual([]);
  });
});
