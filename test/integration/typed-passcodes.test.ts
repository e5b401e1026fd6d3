import { DVORAK_MODHEX_ALPHABET, MODHEX_ALPHABET } from '../../src/core';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon';
import { yubicoOtp } from '../unit/flows/flow-rig';
import { importTokens, yubicoToken } from '../unit/tokens/registry-fixtures';

const ALICE = 'alice@example.com';
const PUBLIC_ID = 'vvccccbcbcbc';
const OTHER_PUBLIC_ID = 'vvccccbcbcbd';

/** What a US-Dvorak layout shows for the modhex keys a token presses. */
function throughDvorak(otp: string): string {
  return [...otp].map((c) => DVORAK_MODHEX_ALPHABET[MODHEX_ALPHABET.indexOf(c)]).join('');
}

let rig: TestDaemon;
afterEach(async () => {
  await rig.stop();
});

async function daemonWithYubicoTokens(): Promise<TestDaemon> {
  rig = await startTestDaemon();
  await importTokens(rig.daemon.store, [
    yubicoToken('300', PUBLIC_ID),
    yubicoToken('301', OTHER_PUBLIC_ID),
  ]);
  await rig.daemon.store.pair('300', ALICE, { source: 'test' });
  return rig;
}

describe('a Yubico OTP as a keyboard layout types it, over the WebSocket', () => {
  test.each([
    ['with caps lock', (otp: string) => otp.toUpperCase()],
    ['through a Dvorak layout', throughDvorak],
    ['through a Dvorak layout with caps lock', (otp: string) => throughDvorak(otp).toUpperCase()],
  ])('%s, signs on; the same press typed plainly is then a replay', async (_how, type) => {
    await daemonWithYubicoTokens();
    const client = await rig.connect();
    const otp = yubicoOtp(PUBLIC_ID, 1, 0);
    expect(type(otp)).not.toBe(otp);
    expect(
      await client.request('signon.verify', { user: ALICE, passcode: type(otp) }),
    ).toMatchObject({ ok: true, result: 'accepted' });
    expect(await client.request('signon.verify', { user: ALICE, passcode: otp })).toMatchObject({
      ok: true,
      result: 'rejected',
      reason: 'replayed',
    });
    expect(client.invalid).toEqual([]);
  });

  test('a tap typed with caps lock through Dvorak pairs its token by public id', async () => {
    await daemonWithYubicoTokens();
    const client = await rig.connect();
    const started = await client.request('pairing.start', { user: ALICE });
    const passcode = throughDvorak(yubicoOtp(OTHER_PUBLIC_ID, 1, 0)).toUpperCase();
    expect(
      await client.request('pairing.tap', { pairingId: started.pairingId, passcode }),
    ).toMatchObject({ ok: true, result: 'accepted' });
    expect((await rig.daemon.store.get('301'))?.user).toBe(ALICE);
  });
});
