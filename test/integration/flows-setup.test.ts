import { silentLogger } from '../../src/core';
import { provisionVirtualTokens } from '../../src/runtime/provision-virtual';
import { parseVirtualSpec, VirtualToken } from '../../drivers/virtual';
import type { ApiClient } from '../helpers/api-client';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon';

const ALICE = 'alice@example.com';

let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

async function daemonWith(
  spec: string,
  config = {},
): Promise<{ client: ApiClient; token: VirtualToken }> {
  const token = new VirtualToken(parseVirtualSpec(spec));
  td = await startTestDaemon({ tokens: [token], config });
  return { client: await td.connect(), token };
}

/** Registration -> Hardware Token: the reply of Hardware Token Pairing. */
async function toHardwareTokenPairing(client: ApiClient): Promise<Record<string, unknown>> {
  const { pairingId } = (await client.request('pairing.start', { user: ALICE })) as {
    pairingId: string;
  };
  return client.request('pairing.chooseHardwareToken', { pairingId });
}

/** The person touches the key when the daemon's pairing.state says `touch`. */
function touchWhenAsked(client: ApiClient, token: VirtualToken, slot: 1 | 2 = 2): Promise<void> {
  return client
    .nextEvent('pairing.state', (e) => e.setupStep === 'touch')
    .then(() => token.press(slot))
    .then(() => undefined);
}

describe('Set up this token: a blank key is set up and paired over the WebSocket API', () => {
  test('offer, setup with a touch, Verification with the next press, the green check', async () => {
    const { client, token } = await daemonWith('blank:serial=6300001,pacing=0');
    const serialStep = await toHardwareTokenPairing(client);
    expect(serialStep).toMatchObject({
      ok: true,
      step: 'serial',
      setupOffer: { serial: '6300001', deviceId: expect.any(String), slot: 2 },
    });
    const pairingId = serialStep.pairingId as string;
    const deviceId = (serialStep.setupOffer as { deviceId: string }).deviceId;

    const touched = touchWhenAsked(client, token);
    const setUp = await client.request('pairing.setup', { pairingId, deviceId });
    await touched;
    expect(setUp).toMatchObject({ ok: true, step: 'verification', serial: '6300001' });
    // The steps the page saw, in order.
    const steps = [] as unknown[];
    for (;;) {
      const event = await client.nextEvent('pairing.state');
      steps.push(event.setupStep ?? event.step);
      if (event.step === 'verification') break;
    }
    expect(steps).toEqual(expect.arrayContaining(['verifying', 'registering', 'verification']));

    const passcode = await token.press(2);
    await expect(client.request('pairing.verify', { pairingId, passcode })).resolves.toMatchObject({
      ok: true,
      result: 'accepted',
    });
    const store = td!.daemon.store;
    expect((await store.get('6300001'))?.user).toBe(ALICE);
    const programmed = await store.audit({ event: 'programmed' });
    expect(programmed.map((a) => [a.user, a.source, a.detail.outcome])).toEqual([
      [ALICE, 'ws:pairing', 'written'],
      [ALICE, 'ws:pairing', 'enrolled'],
    ]);
    expect(client.invalid).toEqual([]);
  });

  test('a key whose slot holds something is left alone: SLOT_CONFIGURED, back at Hardware Token Pairing', async () => {
    const { client, token } = await daemonWith('yubikey:serial=6300002,pacing=0');
    const serialStep = await toHardwareTokenPairing(client);
    const pairingId = serialStep.pairingId as string;
    const { deviceId } = serialStep.setupOffer as { deviceId: string };
    const refused = await client.request('pairing.setup', { pairingId, deviceId });
    expect(refused).toMatchObject({ ok: false, error: { code: 'SLOT_CONFIGURED' } });
    await client.nextEvent('pairing.state', (e) => e.step === 'serial');
    expect(token.programmingSequence).toBe(1);
    expect(await td!.daemon.store.count()).toBe(0);
  });

  test('cancelled while the key waits for its touch: the slot is put back, nothing registered', async () => {
    const { client, token } = await daemonWith('blank:serial=6300003,pacing=0');
    const serialStep = await toHardwareTokenPairing(client);
    const pairingId = serialStep.pairingId as string;
    const { deviceId } = serialStep.setupOffer as { deviceId: string };
    const asked = client.nextEvent('pairing.state', (e) => e.setupStep === 'touch');
    const setup = client.request('pairing.setup', { pairingId, deviceId });
    await asked;
    await client.request('pairing.cancel', { pairingId });
    await expect(setup).resolves.toMatchObject({ ok: false, error: { code: 'ENROLL_FAILED' } });
    const failed = (await setup) as { error: { message: string } };
    expect(failed.error.message).toMatch(
      /slot 2 was deleted again and is empty, as before; nothing was registered/,
    );
    expect(token.programmedSlots()).toEqual([null, null]);
    expect(await td!.daemon.store.count()).toBe(0);
  });

  test('only the offered key can be set up, and only at Hardware Token Pairing', async () => {
    const { client } = await daemonWith('blank:serial=6300004,pacing=0');
    const { pairingId } = (await client.request('pairing.start', { user: ALICE })) as {
      pairingId: string;
    };
    await expect(
      client.request('pairing.setup', { pairingId, deviceId: 'd-unknown' }),
    ).resolves.toMatchObject({
      ok: false,
      error: { code: 'PAIRING_WRONG_STEP' },
    });
    await client.request('pairing.chooseHardwareToken', { pairingId });
    await expect(
      client.request('pairing.setup', { pairingId, deviceId: 'd-unknown' }),
    ).resolves.toMatchObject({
      ok: false,
      error: { code: 'ENROLL_FAILED', message: expect.stringMatching(/not offered for setup/) },
    });
  });

  test('a registered key is not offered: its serial is pre-filled instead', async () => {
    const { client } = await daemonWith('hotp:serial=6300005,pacing=0');
    await provisionVirtualTokens(
      td!.daemon.store,
      [parseVirtualSpec('hotp:serial=6300005')],
      silentLogger(),
    );
    const serialStep = await toHardwareTokenPairing(client);
    expect(serialStep).toMatchObject({ ok: true, step: 'serial', serial: '6300005' });
    expect(serialStep.setupOffer).toBeUndefined();
  });

  test('a kiosk sets keys up only in its setup mode (kiosk.pairing)', async () => {
    const locked = await daemonWith('blank:serial=6300006,pacing=0', { kiosk: { enabled: true } });
    await expect(locked.client.request('pairing.start', { user: ALICE })).resolves.toMatchObject({
      ok: false,
      error: { code: 'PAIRING_DISABLED' },
    });
    await td!.stop();
    const setupMode = await daemonWith('blank:serial=6300007,pacing=0', {
      kiosk: { enabled: true, pairing: true },
    });
    await expect(toHardwareTokenPairing(setupMode.client)).resolves.toMatchObject({
      setupOffer: { serial: '6300007' },
    });
  });
});
