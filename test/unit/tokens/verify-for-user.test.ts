import { ManualClock } from '../../helpers/manual-clock';
import { DVORAK_MODHEX_ALPHABET, MODHEX_ALPHABET } from '../../../src/core';
import { generateTotp } from '../../../src/otp';
import { TokenVerifier, type SqliteTokenStore } from '../../../src/tokens';
import { hotpCode, OTHER_SEED, yubicoOtp } from '../flows/flow-rig';
import {
  hotpToken,
  importTokens,
  openStore,
  RFC_SEED,
  tempDir,
  totpToken,
  yubicoToken,
} from './registry-fixtures';
import { verifierSettings } from '../../helpers/config';

const SOURCE = { source: 'test' };
const PUBLIC_ID = 'vvccccbcbcbc';
const WRONG = '918273';

let cleanup: () => void;
let clock: ManualClock;
let store: SqliteTokenStore;
let verifier: TokenVerifier;

/** alice: HOTP 100 (RFC seed), HOTP 101 (another seed), Yubico 300; bob: HOTP 102 (RFC seed). */
beforeEach(async () => {
  let dir: string;
  ({ dir, cleanup } = tempDir());
  clock = new ManualClock();
  store = openStore(dir, { clock });
  verifier = new TokenVerifier({ store, clock, ...verifierSettings() });
  await importTokens(store, [
    hotpToken('100'),
    hotpToken('101', { secret: OTHER_SEED }),
    hotpToken('102'),
    yubicoToken('300', PUBLIC_ID),
  ]);
  for (const [serial, user] of [
    ['100', 'alice'],
    ['101', 'alice'],
    ['300', 'alice'],
    ['102', 'bob'],
  ] as const)
    await store.pair(serial, user, SOURCE);
});
afterEach(() => {
  store.closeSync();
  cleanup();
});

async function failCounts(...serials: string[]): Promise<number[]> {
  return Promise.all(serials.map(async (s) => (await store.get(s))!.failCount));
}

describe("verifyForUser: which of the user's tokens accepts a passcode", () => {
  test('the token that recognises the code accepts it; the other is not touched', async () => {
    expect(await verifier.verifyForUser('alice', hotpCode(0, OTHER_SEED), SOURCE)).toEqual({
      outcome: { status: 'accepted', serial: '101', matched: 0, drift: 0 },
      tokens: 3,
      tried: 1,
      lockouts: 0,
    });
    expect(await failCounts('100', '101')).toEqual([0, 0]);
    expect((await store.get('100'))!.counter).toBe(0);
    expect((await store.audit({ event: 'verified' })).map((e) => [e.serial, e.user])).toEqual([
      ['101', 'alice'],
    ]);
  });

  test('a code no token recognises counts one failure on each candidate, never more', async () => {
    expect(await verifier.verifyForUser('alice', WRONG, SOURCE)).toEqual({
      outcome: { status: 'rejected', reason: 'wrong', attemptsLeft: 2 },
      tokens: 3,
      tried: 2,
      lockouts: 0,
    });
    // The Yubico token is no candidate for digits; bob's token is not alice's.
    expect(await failCounts('100', '101', '300', '102')).toEqual([1, 1, 0, 0]);
  });

  test('a Yubico OTP, typed with caps lock through Dvorak, picks its token by public id', async () => {
    const dvorak = [...yubicoOtp(PUBLIC_ID, 1, 0)]
      .map((c) => DVORAK_MODHEX_ALPHABET[MODHEX_ALPHABET.indexOf(c)])
      .join('')
      .toUpperCase();
    expect(await verifier.verifyForUser('alice', dvorak, SOURCE)).toMatchObject({
      outcome: { status: 'accepted', serial: '300' },
      tried: 1,
    });
    expect(await verifier.verifyForUser('alice', yubicoOtp(PUBLIC_ID, 1, 0), SOURCE)).toMatchObject(
      { outcome: { status: 'rejected', reason: 'replayed', attemptsLeft: 2 } },
    );
    expect(await failCounts('100', '101', '300')).toEqual([0, 0, 1]);
  });

  test('the digits after an OATH token id are what is verified', async () => {
    const typed = 'ubhe00000100' + hotpCode(0);
    expect(await verifier.verifyForUser('alice', typed, SOURCE)).toMatchObject({
      outcome: { status: 'accepted', serial: '100' },
    });
  });

  test('a code ahead of the window is refused as out-of-window, without a failure', async () => {
    expect(await verifier.verifyForUser('alice', hotpCode(50), SOURCE)).toEqual({
      outcome: { status: 'rejected', reason: 'out-of-window', attemptsLeft: 3 },
      tokens: 3,
      tried: 1,
      lockouts: 0,
    });
    expect(await failCounts('100', '101')).toEqual([0, 0]);
    expect((await store.get('100'))!.counter).toBe(0);
  });

  test("the choice sees the verifier's own windows", async () => {
    const wide = new TokenVerifier({
      store,
      clock,
      ...verifierSettings({ otp: { hotpWindow: 100 } }),
    });
    expect(await wide.verifyForUser('alice', hotpCode(50), SOURCE)).toMatchObject({
      outcome: { status: 'accepted', serial: '100', matched: 50, drift: 50 },
    });
    expect(await failCounts('100', '101')).toEqual([0, 0]);
  });

  test("a locked token is not probed: its own right code gets a wrong code's answer", async () => {
    for (let i = 0; i < 3; i++) await verifier.verify('100', WRONG, SOURCE);
    expect(await verifier.verifyForUser('alice', hotpCode(0), SOURCE)).toMatchObject({
      outcome: { status: 'rejected', reason: 'wrong', attemptsLeft: 2 },
      tried: 2,
    });
    expect(await store.get('100')).toMatchObject({ counter: 0, lockedUntil: clock.ms + 120_000 });
    expect(await failCounts('101')).toEqual([1]);
  });

  test('the failure that locks is reported as locked at once, and counted as a lockout', async () => {
    await verifier.verifyForUser('bob', WRONG, SOURCE);
    await verifier.verifyForUser('bob', WRONG, SOURCE);
    expect(await verifier.verifyForUser('bob', WRONG, SOURCE)).toEqual({
      outcome: { status: 'locked', retryAfterMs: 120_000 },
      tokens: 1,
      tried: 1,
      lockouts: 1,
    });
  });

  test('when every candidate is locked, the earliest retry is reported', async () => {
    for (let i = 0; i < 3; i++) await verifier.verify('100', WRONG, SOURCE);
    await clock.advance(30_000);
    for (let i = 0; i < 3; i++) await verifier.verify('101', WRONG, SOURCE);
    expect(await verifier.verifyForUser('alice', hotpCode(0), SOURCE)).toMatchObject({
      outcome: { status: 'locked', retryAfterMs: 90_000 },
      lockouts: 0,
    });
  });

  test('digits are tried only on the tokens with that many digits', async () => {
    await importTokens(store, [totpToken('200', { digits: 8 })]);
    await store.pair('200', 'alice', SOURCE);
    const code = generateTotp(
      { secret: RFC_SEED, algorithm: 'sha1', digits: 8, period: 30 },
      clock.now(),
    );
    expect(await verifier.verifyForUser('alice', code, SOURCE)).toMatchObject({
      outcome: { status: 'accepted', serial: '200' },
      tried: 1,
    });
    expect(await verifier.verifyForUser('alice', '12345678', SOURCE)).toMatchObject({
      outcome: { status: 'rejected' },
      tried: 1,
    });
    expect(await failCounts('100', '101', '200')).toEqual([0, 0, 1]);
  });

  test('a user without tokens has nothing to try', async () => {
    expect(await verifier.verifyForUser('mallory', hotpCode(0), SOURCE)).toEqual({
      outcome: { status: 'not-found' },
      tokens: 0,
      tried: 0,
      lockouts: 0,
    });
    expect(await store.audit({ user: 'mallory' })).toEqual([]);
  });
});
