import { ClientMessage } from '../../../src/api';
import { submission, tapRequest } from '../../../src/web/requests';
import { initialState, type PageState, type WindowName } from '../../../src/web/state';

const T0 = 1_700_000_000_000;
const PAIRING = 'p_12345678';

function page(window: WindowName, over: Partial<PageState> = {}): PageState {
  return {
    ...initialState(T0),
    connection: 'open',
    everConnected: true,
    window,
    pairingId: PAIRING,
    ...over,
    fields: { user: '', serial: '', passcode: '', unpairSerial: '', ...over.fields },
  };
}

describe('what each window sends', () => {
  test.each([
    [
      'signon',
      { user: ' alice ', passcode: '755 224' },
      { type: 'signon.verify', params: { user: 'alice', passcode: '755224' } },
    ],
    [
      'signon',
      { user: 'alice', passcode: 'DTEFFUJEHKNHFJBRJNLNLDNHCUJVDDBIKNGJRTGH' },
      {
        type: 'signon.verify',
        params: { user: 'alice', passcode: 'DTEFFUJEHKNHFJBRJNLNLDNHCUJVDDBIKNGJRTGH' },
      },
    ],
    ['registration', { user: 'alice' }, { type: 'pairing.start', params: { user: 'alice' } }],
    ['choose-device', {}, { type: 'pairing.chooseHardwareToken', params: { pairingId: PAIRING } }],
    [
      'serial',
      { serial: '5000001' },
      { type: 'pairing.serial', params: { pairingId: PAIRING, serial: '5000001' } },
    ],
    [
      'verification',
      { passcode: '755224' },
      { type: 'pairing.verify', params: { pairingId: PAIRING, passcode: '755224' } },
    ],
    [
      'final-step',
      { passcode: '287082' },
      { type: 'pairing.sync', params: { pairingId: PAIRING, passcode: '287082' } },
    ],
  ] as [WindowName, Partial<PageState['fields']>, object][])('%s', (window, fields, request) => {
    const sent = submission(page(window, { fields: fields as PageState['fields'] }));
    expect(sent).toEqual({ ok: true, request });
    // Whatever the page sends, the daemon's own parser accepts.
    if (sent?.ok) {
      const wire = { id: 1, type: sent.request.type, ...sent.request.params };
      expect(ClientMessage.safeParse(wire).success).toBe(true);
    }
  });

  test.each([
    ['signon', {}, 'user', 'Enter your user name.'],
    ['signon', { user: 'alice' }, 'passcode', 'Enter the passcode from your token.'],
    ['signon', { user: 'alice', passcode: '12345' }, 'passcode', /6 or 8 digits/],
    ['signon', { user: 'alice', passcode: '1234567' }, 'passcode', /6 or 8 digits/],
    ['registration', { user: 'bad\u0007name' }, 'user', /printable/],
    ['serial', { serial: 'has space' }, 'serial', /letters, digits/],
    ['serial', { serial: '   ' }, 'serial', 'Enter the serial number of your token.'],
    ['verification', { passcode: 'abc' }, 'passcode', /passcode is 6 or 8 digits/],
  ] as [WindowName, Partial<PageState['fields']>, string, string | RegExp][])(
    '%s with %j is refused before sending, beside %s',
    (window, fields, field, text) => {
      const sent = submission(page(window, { fields: fields as PageState['fields'] }));
      expect(sent).toMatchObject({ ok: false, field });
      if (sent && !sent.ok) expect(sent.text).toMatch(text);
    },
  );

  test('nothing is sent while disconnected, busy, locked, or from the check', () => {
    const fields = { user: 'alice', passcode: '755224' } as PageState['fields'];
    expect(submission(page('signon', { fields, connection: 'unreachable' }))).toBeUndefined();
    expect(submission(page('signon', { fields, busy: 'signon.verify' }))).toBeUndefined();
    expect(submission(page('signon', { fields, lockedUntil: T0 + 1 }))).toBeUndefined();
    expect(submission(page('done', { fields }))).toBeUndefined();
    expect(submission(page('serial', { fields, pairingId: undefined }))).toBeUndefined();
  });

  test('unpair: the signed-on user, the serial and the session token; even while a passcode lock lasts', () => {
    const state = page('done', {
      lockedUntil: T0 + 60_000,
      session: { user: 'alice', via: 'signon', sessionToken: 's_0123456789abcdef' },
      fields: { unpairSerial: '5000001' } as PageState['fields'],
    });
    expect(submission(state, 'unpair')).toEqual({
      ok: true,
      request: {
        type: 'token.unpair',
        params: { user: 'alice', serial: '5000001', sessionToken: 's_0123456789abcdef' },
      },
    });
    expect(submission({ ...state, session: undefined }, 'unpair')).toBeUndefined();
    expect(
      submission({ ...state, fields: { ...state.fields, unpairSerial: '' } }, 'unpair'),
    ).toMatchObject({
      ok: false,
      field: 'unpairSerial',
    });
  });
});

describe('pairing by a tap', () => {
  const yubico = {
    type: 'otp' as const,
    deviceId: 'd1',
    format: 'yubico' as const,
    otp: 'c'.repeat(44),
  };

  test.each([
    ['choose-device', true, true],
    ['serial', true, true],
    ['verification', true, false],
    ['choose-device', false, false],
  ] as [WindowName, boolean, boolean][])(
    'at %s with tapPairing %s: %s',
    (window, tapPairing, sends) => {
      const request = tapRequest(page(window, { tapPairing }), yubico);
      if (sends)
        expect(request).toEqual({
          type: 'pairing.tap',
          params: { pairingId: PAIRING, passcode: yubico.otp },
        });
      else expect(request).toBeUndefined();
    },
  );

  test('an OATH passcode never pairs by tap', () => {
    const hotp = { ...yubico, format: 'oath-hotp' as const, otp: '755224' };
    expect(tapRequest(page('choose-device', { tapPairing: true }), hotp)).toBeUndefined();
  });
});
