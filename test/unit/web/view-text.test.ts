import { initialState, type PageState } from '../../../src/web/state';
import { conditions, connectionText, devicesText, texts } from '../../../src/web/view';

const T0 = 1_700_000_000_000;
const device = (serial?: string) => ({
  id: `d${serial ?? 'x'}`,
  driver: 'virtual',
  model: 'YubiKey 5 NFC',
  access: 'shared' as const,
  ...(serial ? { serial } : {}),
});
const open = (over: Partial<PageState> = {}): PageState => ({
  ...initialState(T0),
  connection: 'open',
  everConnected: true,
  ...over,
});

describe('the texts the view sets', () => {
  test.each([
    [[], 'No token plugged in.'],
    [[device('1')], 'Plugged in: YubiKey 5 NFC, serial 1.'],
    [[device(), device('2')], 'Plugged in: YubiKey 5 NFC; YubiKey 5 NFC, serial 2.'],
    [[device('1'), device('2'), device('3'), device('4')], '4 tokens plugged in.'],
  ])('devices %#', (devices, text) => {
    expect(devicesText(devices)).toBe(text);
  });

  test('the check says what happened, to whom, with which token', () => {
    const paired = texts(open({ session: { user: 'alice', via: 'pairing', serial: '5000001' } }));
    expect(paired.doneTitle).toBe('Your token is paired');
    expect(paired.doneText).toBe(
      'Your token (serial 5000001) is paired with alice, and you are signed on.',
    );
    const signedOn = texts(open({ session: { user: 'bob', via: 'signon' } }));
    expect(signedOn).toMatchObject({
      doneTitle: 'Signed on',
      doneText: 'You are signed on as bob.',
    });
    expect(texts(open({ version: '0.1.0' })).version).toBe('tokenbridge 0.1.0');
  });

  test.each([
    [{ connection: 'connecting', everConnected: false }, 'Connecting to tokenbridge…', ''],
    [{ connection: 'connecting', everConnected: true }, 'Reconnecting to tokenbridge…', ''],
    [{ connection: 'unreachable', retryAt: T0 + 2500 }, /unreachable/, 'Next try in 3 s.'],
    [{ connection: 'unreachable', retryAt: T0 - 1 }, /unreachable/, 'Trying now.'],
  ] as [Partial<PageState>, string | RegExp, string][])('banner for %j', (over, text, retry) => {
    const banner = connectionText({ ...open(), ...over });
    expect(banner?.text).toMatch(text);
    expect(banner?.retry).toBe(retry);
  });

  test('no banner while connected', () => {
    expect(connectionText(open())).toBeUndefined();
  });

  test('conditional parts: tap hint, pre-filled hint, lock, kiosk, unpair section', () => {
    const yubikey = { ...device('5'), tapPairing: true as const };
    const base = open({ devices: [yubikey], pairingId: 'p_12345678', tapPairing: true });
    expect(conditions(base)).toMatchObject({
      tap: true,
      prefilled: false,
      locked: false,
      manage: false,
    });
    const filled = { ...base, fields: { ...base.fields, serial: '5' } };
    expect(conditions(filled).prefilled).toBe(true);
    expect(conditions({ ...base, lockedUntil: T0 + 1 }).locked).toBe(true);
    const session = { user: 'a', via: 'signon' as const };
    expect(conditions({ ...base, session }).manage).toBe(true);
    expect(conditions({ ...base, session, kiosk: { idleResetMs: 5000 } })).toMatchObject({
      manage: false,
      kiosk: true,
    });
    expect(conditions({ ...base, pairingAllowed: false }).pairing).toBe(false);
  });

  test.each<[string, Partial<PageState>, boolean]>([
    ['a plugged key the registry knows as a YubiKey', {}, true],
    ['only an HOTP token plugged (it cannot pair by touch)', { devices: [device('6')] }, false],
    ['no key plugged', { devices: [] }, false],
    ['the daemon offers no tap pairing', { tapPairing: false }, false],
    ['no pairing running', { pairingId: undefined }, false],
  ])('tap to pair is offered with %s: %s', (_what, over, offered) => {
    const yubikey = { ...device('5'), tapPairing: true as const };
    const state = open({ devices: [yubikey], pairingId: 'p_12345678', tapPairing: true, ...over });
    expect(conditions(state).tap).toBe(offered);
  });
});
