import { hotpToken, totpToken, yubicoToken } from '../tokens/registry-fixtures';
import { RFC4226_VECTORS } from '../../vectors/rfc4226';
import { RFC6238_VECTORS } from '../../vectors/rfc6238';
import { PAIRING_SOURCE } from '../../../src/flows';
import { codeOf, hotpCode, makeRig, pairThroughFlow, yubicoOtp, type FlowRig } from './flow-rig';

const PUBLIC_ID = 'vvccccbcbcbc';
let rig: FlowRig;

afterEach(async () => {
  await rig.cleanup();
});

async function setup(...args: Parameters<typeof makeRig>): Promise<FlowRig> {
  rig = await makeRig(...args);
  return rig;
}

describe('pairing a hardware token, window by window', () => {
  test('Start, Hardware Token, serial, Verify: the token is paired and the user signed on', async () => {
    await setup([hotpToken('100')]);
    const start = await rig.pairings.start('c1', 'alice');
    expect(start).toEqual({ pairingId: start.pairingId, step: 'choose-device' });
    expect(start.pairingId).toMatch(/^[A-Za-z0-9_-]{24}$/);
    const id = start.pairingId;
    expect(await rig.pairings.chooseHardwareToken('c1', id)).toEqual({
      pairingId: id,
      step: 'serial',
    });
    expect(await rig.pairings.serial('c1', id, '100')).toEqual({
      pairingId: id,
      step: 'verification',
      serial: '100',
    });
    const outcome = await rig.pairings.verify('c1', id, RFC4226_VECTORS[0]!.otp);
    expect(outcome).toMatchObject({ result: 'accepted', serial: '100' });
    expect(outcome.result === 'accepted' && outcome.sessionToken).toMatch(/^[A-Za-z0-9_-]{32}$/);

    expect((await rig.store.get('100'))?.user).toBe('alice');
    expect(rig.states.map((s) => `${s.owner} ${s.state.step}`)).toEqual([
      'c1 choose-device',
      'c1 serial',
      'c1 verification',
      'c1 done',
    ]);
    expect(rig.observer.verifications).toEqual(['pairing:accepted']);
    // A finished pairing is gone: nothing further can act on it.
    expect(rig.pairings.size).toBe(0);
    expect(await codeOf(rig.pairings.verify('c1', id, RFC4226_VECTORS[1]!.otp))).toBe(
      'PAIRING_NOT_FOUND',
    );
  });

  test('the serial of a plugged token is pre-filled at Hardware Token Pairing', async () => {
    await setup([hotpToken('100')], { suggestSerial: async () => '100' });
    const { pairingId } = await rig.pairings.start('c1', 'alice');
    expect(await rig.pairings.chooseHardwareToken('c1', pairingId)).toEqual({
      pairingId,
      step: 'serial',
      serial: '100',
    });
  });

  test('a TOTP token pairs with the code of the current time step (controlled clock)', async () => {
    const vector = RFC6238_VECTORS.find((v) => v.algorithm === 'sha1' && v.time === 1111111109)!;
    await setup([totpToken('200', { digits: 8 })]);
    rig.clock.ms = vector.time * 1000;
    const { pairingId } = await rig.pairings.start('c1', 'alice');
    await rig.pairings.chooseHardwareToken('c1', pairingId);
    await rig.pairings.serial('c1', pairingId, '200');
    expect(await rig.pairings.verify('c1', pairingId, vector.otp)).toMatchObject({
      result: 'accepted',
    });
    expect((await rig.store.get('200'))?.user).toBe('alice');
  });

  test('an OATH token id typed before the digits is accepted', async () => {
    await setup([hotpToken('100')]);
    expect(await pairThroughFlow(rig, 'c1', 'alice', '100', `ubhe00000100${hotpCode(0)}`)).toEqual(
      expect.any(String),
    );
  });
});

describe('refusals at Hardware Token Pairing', () => {
  test.each([
    ['a serial not in the registry', '999', 'TOKEN_NOT_FOUND'],
    ['a token paired to another user', '101', 'TOKEN_PAIRED'],
  ])('%s: %s is refused with %s', async (_what, serial, code) => {
    await setup([hotpToken('100'), hotpToken('101')]);
    await rig.store.pair('101', 'bob', { source: 'test' });
    const { pairingId } = await rig.pairings.start('c1', 'alice');
    await rig.pairings.chooseHardwareToken('c1', pairingId);
    expect(await codeOf(rig.pairings.serial('c1', pairingId, serial))).toBe(code);
    // The pairing stays where it was: the user may type another serial.
    expect(await rig.pairings.serial('c1', pairingId, '100')).toMatchObject({
      step: 'verification',
    });
  });

  test('a user at the token limit is refused with USER_TOKEN_LIMIT', async () => {
    await setup([hotpToken('100'), hotpToken('101')], { maxTokensPerUser: 1 });
    await rig.store.pair('101', 'alice', { source: 'test' });
    const { pairingId } = await rig.pairings.start('c1', 'alice');
    await rig.pairings.chooseHardwareToken('c1', pairingId);
    expect(await codeOf(rig.pairings.serial('c1', pairingId, '100'))).toBe('USER_TOKEN_LIMIT');
  });

  test('a token paired to someone else after the serial step is refused at Verify, untouched', async () => {
    await setup([hotpToken('100')]);
    const { pairingId } = await rig.pairings.start('c1', 'alice');
    await rig.pairings.chooseHardwareToken('c1', pairingId);
    await rig.pairings.serial('c1', pairingId, '100');
    await rig.store.pair('100', 'bob', { source: 'test' });
    expect(await codeOf(rig.pairings.verify('c1', pairingId, hotpCode(0)))).toBe('TOKEN_PAIRED');
    expect((await rig.store.get('100'))?.counter).toBe(0);
  });
});

describe('requests out of order', () => {
  type Step = 'choose-device' | 'serial' | 'verification';
  const reach = async (step: Step): Promise<string> => {
    const { pairingId } = await rig.pairings.start('c1', 'alice');
    if (step === 'choose-device') return pairingId;
    await rig.pairings.chooseHardwareToken('c1', pairingId);
    if (step === 'serial') return pairingId;
    await rig.pairings.serial('c1', pairingId, '100');
    return pairingId;
  };
  test.each<[Step, string, (id: string) => Promise<unknown>]>([
    ['choose-device', 'serial', (id) => rig.pairings.serial('c1', id, '100')],
    ['choose-device', 'verify', (id) => rig.pairings.verify('c1', id, hotpCode(0))],
    ['serial', 'verify', (id) => rig.pairings.verify('c1', id, hotpCode(0))],
    ['serial', 'sync', (id) => rig.pairings.sync('c1', id, hotpCode(0))],
    ['verification', 'sync', (id) => rig.pairings.sync('c1', id, hotpCode(0))],
    ['verification', 'chooseHardwareToken', (id) => rig.pairings.chooseHardwareToken('c1', id)],
    ['verification', 'tap', (id) => rig.pairings.tap('c1', id, yubicoOtp(PUBLIC_ID, 1, 0))],
  ])('at %s, %s gets PAIRING_WRONG_STEP', async (step, _request, call) => {
    await setup([hotpToken('100')]);
    const id = await reach(step);
    expect(await codeOf(call(id))).toBe('PAIRING_WRONG_STEP');
    expect((await rig.store.get('100'))?.counter).toBe(0);
  });

  test('two Verify clicks at once: one pairs, the other finds the pairing over', async () => {
    await setup([hotpToken('100')]);
    const id = await reach('verification');
    const results = await Promise.allSettled([
      rig.pairings.verify('c1', id, hotpCode(0)),
      rig.pairings.verify('c1', id, hotpCode(0)),
    ]);
    expect(results[0]).toMatchObject({ status: 'fulfilled', value: { result: 'accepted' } });
    expect(results[1]).toMatchObject({
      status: 'rejected',
      reason: { code: 'PAIRING_WRONG_STEP' },
    });
  });
});

describe('Final Step: a token pressed ahead of the window resynchronises with two codes', () => {
  const pressedAhead = async () => {
    const { pairingId } = await rig.pairings.start('c1', 'alice');
    await rig.pairings.chooseHardwareToken('c1', pairingId);
    await rig.pairings.serial('c1', pairingId, '100');
    return pairingId;
  };

  test('a code 50 presses ahead asks for the next one; Sync with it pairs', async () => {
    await setup([hotpToken('100')]);
    const id = await pressedAhead();
    expect(await rig.pairings.verify('c1', id, hotpCode(50))).toEqual({
      result: 'needs-next-passcode',
    });
    expect(rig.states.at(-1)?.state.step).toBe('final-step');
    expect((await rig.store.get('100'))?.counter).toBe(0);
    expect(await rig.pairings.sync('c1', id, hotpCode(51))).toMatchObject({
      result: 'accepted',
    });
    const record = await rig.store.get('100');
    expect(record).toMatchObject({ user: 'alice', counter: 52 });
    const events = (await rig.store.audit({ serial: '100' })).map(
      (e) => `${e.event}${e.detail.step ? `:${String(e.detail.step)}` : ''} ${e.source}`,
    );
    expect(events).toEqual([
      `pairing:verification ${PAIRING_SOURCE}`,
      `pairing:final-step ${PAIRING_SOURCE}`,
      `resynced ${PAIRING_SOURCE}`,
      `paired ${PAIRING_SOURCE}`,
      `pairing:done ${PAIRING_SOURCE}`,
    ]);
    expect(rig.observer.verifications).toEqual(['pairing:needs-next-passcode', 'pairing:accepted']);
  });

  test('the first code is never accepted alone: syncing it again fails and Verification restarts', async () => {
    await setup([hotpToken('100')]);
    const id = await pressedAhead();
    await rig.pairings.verify('c1', id, hotpCode(50));
    expect(await rig.pairings.sync('c1', id, hotpCode(50))).toMatchObject({
      result: 'rejected',
      reason: 'wrong-passcode',
    });
    expect(rig.states.at(-1)?.state.step).toBe('verification');
    expect(await rig.store.get('100')).toMatchObject({ user: null, counter: 0 });
    // Back at Verification: the ahead code asks for the next one again, and the pair then works.
    expect(await rig.pairings.verify('c1', id, hotpCode(50))).toEqual({
      result: 'needs-next-passcode',
    });
    expect(await rig.pairings.sync('c1', id, hotpCode(51))).toMatchObject({ result: 'accepted' });
  });

  test('codes that are not consecutive do not pair', async () => {
    await setup([hotpToken('100')]);
    const id = await pressedAhead();
    await rig.pairings.verify('c1', id, hotpCode(50));
    expect(await rig.pairings.sync('c1', id, hotpCode(53))).toMatchObject({ result: 'rejected' });
    expect((await rig.store.get('100'))?.user).toBeNull();
  });
});

describe('audit', () => {
  test('every transition of a pairing is one audit row, cancel included; never a passcode', async () => {
    await setup([hotpToken('100')]);
    const { pairingId: id } = await rig.pairings.start('c1', 'alice');
    await rig.pairings.chooseHardwareToken('c1', id);
    await rig.pairings.serial('c1', id, '100');
    expect(rig.pairings.cancel('c1', id)).toBe(true);
    await new Promise((resolve) => setImmediate(resolve));
    const rows = (await rig.store.audit()).filter((e) => e.event === 'pairing');
    expect(rows.map((e) => e.detail.step ?? `ended:${String(e.detail.ended)}`)).toEqual([
      'choose-device',
      'serial',
      'verification',
      'ended:cancelled',
    ]);
    expect(rows.every((e) => e.user === 'alice' && e.source === PAIRING_SOURCE)).toBe(true);
  });
});

describe('lockout at Verification', () => {
  test('attempts left count down, the third failure locks, the wait counts down, then it pairs', async () => {
    await setup([hotpToken('100')]);
    const { pairingId: id } = await rig.pairings.start('c1', 'alice');
    await rig.pairings.chooseHardwareToken('c1', id);
    await rig.pairings.serial('c1', id, '100');
    const wrong = '000000';
    expect(await rig.pairings.verify('c1', id, wrong)).toEqual({
      result: 'rejected',
      reason: 'wrong-passcode',
      attemptsLeft: 2,
    });
    expect(await rig.pairings.verify('c1', id, wrong)).toMatchObject({ attemptsLeft: 1 });
    expect(await rig.pairings.verify('c1', id, wrong)).toEqual({
      result: 'locked',
      retryAfterMs: 120_000,
    });
    expect(rig.observer.lockouts).toBe(1);
    await rig.clock.advance(30_000);
    // Even the right code is not tried while locked.
    expect(await rig.pairings.verify('c1', id, hotpCode(0))).toEqual({
      result: 'locked',
      retryAfterMs: 90_000,
    });
    await rig.clock.advance(90_000);
    expect(await rig.pairings.verify('c1', id, hotpCode(0))).toMatchObject({ result: 'accepted' });
    const events = (await rig.store.audit({ serial: '100' })).map((e) => e.event);
    expect(events).toEqual([
      'pairing',
      'failed',
      'failed',
      'failed',
      'locked',
      'verified',
      'paired',
      'pairing',
    ]);
  });
});

describe('tap pairing with a Yubico OTP', () => {
  test('at Add a New Device, a press of a registered token pairs it without a serial', async () => {
    await setup([yubicoToken('300', PUBLIC_ID)]);
    const { pairingId } = await rig.pairings.start('c1', 'alice');
    expect(await rig.pairings.tap('c1', pairingId, yubicoOtp(PUBLIC_ID, 1, 0))).toMatchObject({
      result: 'accepted',
      serial: '300',
    });
    expect((await rig.store.get('300'))?.user).toBe('alice');
    expect(rig.states.at(-1)?.state).toEqual({ pairingId, step: 'done', serial: '300' });
  });

  test.each([
    ['digits instead of a Yubico OTP', () => hotpCode(0), 'INVALID_INPUT'],
    ['an unregistered public id', () => yubicoOtp('vvcccccccccc', 1, 0), 'TOKEN_NOT_FOUND'],
    ['a token paired to another user', () => yubicoOtp(PUBLIC_ID, 1, 0), 'TOKEN_PAIRED'],
  ])('%s is refused with %s', async (what, otp, code) => {
    await setup([yubicoToken('300', PUBLIC_ID)]);
    if (what.includes('another user')) await rig.store.pair('300', 'bob', { source: 'test' });
    const { pairingId } = await rig.pairings.start('c1', 'alice');
    await rig.pairings.chooseHardwareToken('c1', pairingId);
    expect(await codeOf(rig.pairings.tap('c1', pairingId, otp()))).toBe(code);
  });

  test('a replayed tap is rejected as replayed and the pairing stays open', async () => {
    await setup([yubicoToken('300', PUBLIC_ID)]);
    const otp = yubicoOtp(PUBLIC_ID, 2, 5);
    expect(await rig.verifier.verify('300', otp, { source: 'test' })).toMatchObject({
      status: 'accepted',
    });
    const { pairingId } = await rig.pairings.start('c1', 'alice');
    expect(await rig.pairings.tap('c1', pairingId, otp)).toEqual({
      result: 'rejected',
      reason: 'replayed',
      attemptsLeft: 2,
    });
    expect(await rig.pairings.tap('c1', pairingId, yubicoOtp(PUBLIC_ID, 2, 6))).toMatchObject({
      result: 'accepted',
    });
  });
});

describe('the life of a pairing', () => {
  test('a pairing idle for 10 minutes expires; activity keeps it alive', async () => {
    await setup([hotpToken('100')]);
    const { pairingId: kept } = await rig.pairings.start('c1', 'alice');
    await rig.clock.advance(9 * 60_000);
    await rig.pairings.chooseHardwareToken('c1', kept);
    await rig.clock.advance(9 * 60_000);
    await rig.pairings.serial('c1', kept, '100');
    await rig.clock.advance(10 * 60_000);
    expect(await codeOf(rig.pairings.verify('c1', kept, hotpCode(0)))).toBe('PAIRING_NOT_FOUND');
    expect(rig.pairings.size).toBe(0);
  });

  test('sweep drops idle pairings that nobody touches', async () => {
    await setup([hotpToken('100')]);
    await rig.pairings.start('c1', 'alice');
    await rig.clock.advance(5 * 60_000);
    await rig.pairings.start('c2', 'bob');
    await rig.clock.advance(5 * 60_000);
    expect(rig.pairings.sweep()).toBe(1);
    expect(rig.pairings.size).toBe(1);
  });

  test('a pairing belongs to its connection, and goes when the connection closes', async () => {
    await setup([hotpToken('100')]);
    const { pairingId } = await rig.pairings.start('c1', 'alice');
    expect(await codeOf(rig.pairings.chooseHardwareToken('c2', pairingId))).toBe(
      'PAIRING_NOT_FOUND',
    );
    expect(rig.pairings.cancel('c2', pairingId)).toBe(false);
    expect(rig.pairings.dropOwner('c1')).toBe(1);
    expect(await codeOf(rig.pairings.chooseHardwareToken('c1', pairingId))).toBe(
      'PAIRING_NOT_FOUND',
    );
  });

  test('cancel ends a pairing once', async () => {
    await setup([hotpToken('100')]);
    const { pairingId } = await rig.pairings.start('c1', 'alice');
    expect(rig.pairings.cancel('c1', pairingId)).toBe(true);
    expect(rig.pairings.cancel('c1', pairingId)).toBe(false);
    expect(await codeOf(rig.pairings.chooseHardwareToken('c1', pairingId))).toBe(
      'PAIRING_NOT_FOUND',
    );
  });

  test('a connection holds a few pairings at most: a new one replaces its oldest', async () => {
    await setup([hotpToken('100')], { maxPerOwner: 2 });
    const first = await rig.pairings.start('c1', 'alice');
    const second = await rig.pairings.start('c1', 'alice');
    await rig.pairings.start('c1', 'alice');
    await rig.pairings.start('c2', 'bob');
    expect(rig.pairings.size).toBe(3);
    expect(await codeOf(rig.pairings.chooseHardwareToken('c1', first.pairingId))).toBe(
      'PAIRING_NOT_FOUND',
    );
    await rig.pairings.chooseHardwareToken('c1', second.pairingId);
  });

  test('a kiosk without pairing refuses Start with PAIRING_DISABLED', async () => {
    await setup([hotpToken('100')], { pairingEnabled: false });
    expect(await codeOf(rig.pairings.start('c1', 'alice'))).toBe('PAIRING_DISABLED');
    expect(rig.pairings.size).toBe(0);
  });

  test('a code used to pair is replayed when used again to sign on', async () => {
    await setup([hotpToken('100')]);
    await pairThroughFlow(rig, 'c1', 'alice', '100', hotpCode(0));
    expect(await rig.signOn.signOn('alice', hotpCode(0))).toMatchObject({
      result: 'rejected',
      reason: 'replayed',
    });
    expect(await rig.signOn.signOn('alice', hotpCode(1))).toMatchObject({ result: 'accepted' });
  });

  test('neither the audit nor the logs ever hold a whole passcode', async () => {
    await setup([hotpToken('100')]);
    const codes = [hotpCode(50), hotpCode(51), '918273'];
    const { pairingId: id } = await rig.pairings.start('c1', 'alice');
    await rig.pairings.chooseHardwareToken('c1', id);
    await rig.pairings.serial('c1', id, '100');
    await rig.pairings.verify('c1', id, codes[2]!);
    await rig.pairings.verify('c1', id, codes[0]!);
    await rig.pairings.sync('c1', id, codes[1]!);
    const audit = JSON.stringify(await rig.store.audit());
    const logs = JSON.stringify(rig.logs);
    expect(audit).toContain('resynced');
    expect(logs).toContain('pairing step');
    for (const code of codes) {
      expect(audit).not.toContain(code);
      expect(logs).not.toContain(code);
    }
  });
});
