import { hotpToken, yubicoToken } from '../tokens/registry-fixtures';
import { SIGN_ON_SOURCE, UNPAIR_SOURCE } from '../../../src/flows';
import { codeOf, hotpCode, makeRig, OTHER_SEED, yubicoOtp, type FlowRig } from './flow-rig';

const PUBLIC_ID = 'vvccccbcbcbc';
const WRONG = '918273';
let rig: FlowRig;

afterEach(async () => {
  await rig.cleanup();
});

/** alice: HOTP 100 (RFC seed) and HOTP 101 (another seed); bob: HOTP 102 (RFC seed). */
async function twoTokenUser(): Promise<FlowRig> {
  rig = await makeRig([
    hotpToken('100'),
    hotpToken('101', { secret: OTHER_SEED }),
    hotpToken('102'),
    yubicoToken('300', PUBLIC_ID),
  ]);
  await rig.store.pair('100', 'alice', { source: 'test' });
  await rig.store.pair('101', 'alice', { source: 'test' });
  await rig.store.pair('102', 'bob', { source: 'test' });
  return rig;
}

async function failCounts(...serials: string[]): Promise<number[]> {
  return Promise.all(serials.map(async (s) => (await rig.store.get(s))!.failCount));
}

describe('sign-on with a paired token', () => {
  test('the right code signs on with a fresh session token, audited as a sign-on', async () => {
    await twoTokenUser();
    const first = await rig.signOn.signOn('alice', hotpCode(0));
    const second = await rig.signOn.signOn('alice', hotpCode(1));
    expect(first).toMatchObject({ result: 'accepted', serial: '100' });
    expect(second).toMatchObject({ result: 'accepted', serial: '100' });
    const tokens = [first, second].map((o) => (o.result === 'accepted' ? o.sessionToken : ''));
    for (const token of tokens) expect(token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(tokens[0]).not.toBe(tokens[1]);
    const verified = await rig.store.audit({ event: 'verified' });
    expect(verified.map((e) => [e.serial, e.user, e.source])).toEqual([
      ['100', 'alice', SIGN_ON_SOURCE],
      ['100', 'alice', SIGN_ON_SOURCE],
    ]);
    expect(rig.observer.verifications).toEqual(['sign-on:accepted', 'sign-on:accepted']);
  });

  test("a code of the user's second token signs on without a failure on the first", async () => {
    await twoTokenUser();
    expect(await rig.signOn.signOn('alice', hotpCode(0, OTHER_SEED))).toMatchObject({
      result: 'accepted',
      serial: '101',
    });
    expect(await failCounts('100', '101')).toEqual([0, 0]);
    expect((await rig.store.get('100'))?.counter).toBe(0);
  });

  test('a wrong code counts one failure on each of the user, never more', async () => {
    await twoTokenUser();
    expect(await rig.signOn.signOn('alice', WRONG)).toEqual({
      result: 'rejected',
      reason: 'wrong-passcode',
      attemptsLeft: 2,
    });
    expect(await failCounts('100', '101', '102')).toEqual([1, 1, 0]);
  });

  test('a Yubico OTP selects its token by public id; the HOTP tokens are not charged', async () => {
    await twoTokenUser();
    await rig.store.pair('300', 'alice', { source: 'test' });
    expect(await rig.signOn.signOn('alice', yubicoOtp(PUBLIC_ID, 1, 0))).toMatchObject({
      result: 'accepted',
      serial: '300',
    });
    expect(await rig.signOn.signOn('alice', yubicoOtp(PUBLIC_ID, 1, 0))).toMatchObject({
      result: 'rejected',
      reason: 'replayed',
    });
    expect(await failCounts('100', '101', '300')).toEqual([0, 0, 1]);
  });

  test("another user's code does not sign on, and their token is not touched", async () => {
    await twoTokenUser();
    // The code comes from alice's token 101; bob's own token 102 has a different seed.
    expect(await rig.signOn.signOn('bob', hotpCode(0, OTHER_SEED))).toMatchObject({
      result: 'rejected',
    });
    expect(await failCounts('101', '102')).toEqual([0, 1]);
    expect((await rig.store.get('101'))?.counter).toBe(0);
  });

  test('a code ahead of the window is not a sign-on: out-of-window, and no failure counted', async () => {
    await twoTokenUser();
    expect(await rig.signOn.signOn('alice', hotpCode(50))).toEqual({
      result: 'rejected',
      reason: 'out-of-window',
      attemptsLeft: 3,
    });
    expect(await failCounts('100', '101')).toEqual([0, 0]);
    expect((await rig.store.get('100'))?.counter).toBe(0);
  });
});

describe('lockout at sign-on', () => {
  test('three wrong codes lock; while locked even the right code waits; then it signs on', async () => {
    rig = await makeRig([hotpToken('100')]);
    await rig.store.pair('100', 'alice', { source: 'test' });
    expect(await rig.signOn.signOn('alice', WRONG)).toMatchObject({ attemptsLeft: 2 });
    expect(await rig.signOn.signOn('alice', WRONG)).toMatchObject({ attemptsLeft: 1 });
    expect(await rig.signOn.signOn('alice', WRONG)).toEqual({
      result: 'locked',
      retryAfterMs: 120_000,
    });
    expect(rig.observer.lockouts).toBe(1);
    await rig.clock.advance(60_000);
    expect(await rig.signOn.signOn('alice', hotpCode(0))).toEqual({
      result: 'locked',
      retryAfterMs: 60_000,
    });
    await rig.clock.advance(60_000);
    expect(await rig.signOn.signOn('alice', hotpCode(0))).toMatchObject({ result: 'accepted' });
  });

  test('with one token locked, the other still answers and signs on', async () => {
    await twoTokenUser();
    for (let i = 0; i < 3; i++) await rig.verifier.verify('100', WRONG, { source: 'test' });
    expect(await rig.signOn.signOn('alice', WRONG)).toEqual({
      result: 'rejected',
      reason: 'wrong-passcode',
      attemptsLeft: 2,
    });
    expect(await failCounts('100', '101')).toEqual([0, 1]);
    expect(await rig.signOn.signOn('alice', hotpCode(0, OTHER_SEED))).toMatchObject({
      result: 'accepted',
      serial: '101',
    });
  });

  test('when every token of the user is locked, sign-on reports the earliest retry', async () => {
    await twoTokenUser();
    for (let i = 0; i < 3; i++) await rig.verifier.verify('100', WRONG, { source: 'test' });
    await rig.clock.advance(30_000);
    for (let i = 0; i < 3; i++) await rig.verifier.verify('101', WRONG, { source: 'test' });
    expect(await rig.signOn.signOn('alice', hotpCode(0))).toEqual({
      result: 'locked',
      retryAfterMs: 90_000,
    });
  });
});

describe('user names cannot be probed', () => {
  const sequence = async (user: string) => {
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await rig.signOn.signOn(user, WRONG));
    await rig.clock.advance(120_000);
    answers.push(await rig.signOn.signOn(user, WRONG));
    return answers;
  };

  test('a user without tokens gets exactly the answers a wrong code gets', async () => {
    rig = await makeRig([hotpToken('100')]);
    await rig.store.pair('100', 'alice', { source: 'test' });
    const real = await sequence('alice');
    rig.clock.jump(-120_000);
    const unknown = await sequence('mallory');
    expect(unknown).toEqual(real);
    // Counted failures are audited, as a token's are; the attempt made while locked is not.
    const audited = await rig.store.audit({ user: 'mallory' });
    expect(audited).toHaveLength(4);
    expect(audited[0]).toMatchObject({
      event: 'failed',
      serial: null,
      source: SIGN_ON_SOURCE,
      detail: { reason: 'no-paired-token' },
    });
    expect(real.map((a) => a.result)).toEqual([
      'rejected',
      'rejected',
      'locked',
      'locked',
      'rejected',
    ]);
  });

  test('a Yubico OTP for a user without tokens is answered as a wrong code', async () => {
    rig = await makeRig([yubicoToken('300', PUBLIC_ID)]);
    expect(await rig.signOn.signOn('nobody', yubicoOtp(PUBLIC_ID, 1, 0))).toEqual({
      result: 'rejected',
      reason: 'wrong-passcode',
      attemptsLeft: 2,
    });
    // The token was not tried for a user it is not paired to.
    expect((await rig.store.get('300'))?.yubicoUsage).toBeNull();
  });
});

describe('unpairing', () => {
  test("the user's own token is unpaired and audited", async () => {
    await twoTokenUser();
    await rig.signOn.unpair('alice', '101');
    expect((await rig.store.get('101'))?.user).toBeNull();
    const rows = await rig.store.audit({ event: 'unpaired' });
    expect(rows.map((e) => [e.serial, e.user, e.source])).toEqual([
      ['101', 'alice', UNPAIR_SOURCE],
    ]);
    expect(await rig.signOn.signOn('alice', hotpCode(0, OTHER_SEED))).toMatchObject({
      result: 'rejected',
    });
  });

  test.each([
    ['a token paired to another user', '102'],
    ['a serial not in the registry', '999'],
    ['a token paired to nobody', '300'],
  ])('%s is refused with TOKEN_NOT_FOUND', async (_what, serial) => {
    await twoTokenUser();
    expect(await codeOf(rig.signOn.unpair('alice', serial))).toBe('TOKEN_NOT_FOUND');
    expect((await rig.store.get('102'))?.user).toBe('bob');
  });
});
