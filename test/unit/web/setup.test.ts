import { submission } from '../../../src/web/requests';
import { setupStatusText } from '../../../src/web/setup';
import {
  initialState,
  reduce,
  type HelloEvent,
  type PageAction,
  type PageState,
} from '../../../src/web/state';
import { conditions } from '../../../src/web/view';

const T0 = 1_700_000_000_000;
const BLANK = {
  id: 'd2',
  driver: 'virtual',
  model: 'YubiKey 4/5',
  serial: '6100001',
  access: 'shared' as const,
};
const OFFER = { deviceId: 'd2', serial: '6100001', slot: 2 as const };
const PAIRING = 'p_12345678';

const hello = (setup: boolean): HelloEvent => ({
  type: 'hello',
  version: '1.2.3',
  protocol: 'tokenbridge.v1',
  devices: [BLANK],
  capabilities: { pairing: true, tapPairing: true, setup },
});

function run(actions: PageAction[], start: PageState = initialState(T0)): PageState {
  return actions.reduce((s, a, i) => reduce(s, a, T0 + (i + 1) * 1000), start);
}

/** Registration -> Hardware Token, the daemon offering the blank key plugged in. */
const toOffer = (setup = true): PageAction[] => [
  { type: 'connected', hello: hello(setup) },
  { type: 'input', field: 'user', value: 'alice' },
  {
    type: 'reply',
    request: 'pairing.start',
    result: { pairingId: PAIRING, step: 'choose-device' },
  },
  {
    type: 'reply',
    request: 'pairing.chooseHardwareToken',
    result: { pairingId: PAIRING, step: 'serial', setupOffer: OFFER },
  },
];
const setupEvent = (setupStep: 'programming' | 'touch' | 'verifying'): PageAction => ({
  type: 'event',
  event: {
    type: 'pairing.state',
    pairingId: PAIRING,
    step: 'setup',
    serial: OFFER.serial,
    setupStep,
  },
});

describe('Set up this token, in the page reducer', () => {
  test('the offer shows at Hardware Token Pairing, and the unregistered serial is not pre-filled', () => {
    const state = run(toOffer());
    expect(state.window).toBe('serial');
    expect(state.setupOffer).toEqual(OFFER);
    expect(state.fields.serial).toBe('');
    expect(conditions(state).setupOffer).toBe(true);
  });

  test('a daemon that cannot set keys up offers nothing, whatever its reply says', () => {
    const state = run(toOffer(false));
    expect(state.setupOffer).toBeUndefined();
    expect(conditions(state).setupOffer).toBe(false);
    expect(run([{ type: 'setup' }], state).window).toBe('serial');
  });

  test('Set up this token opens the confirmation; Set up sends pairing.setup for the offered key', () => {
    const state = run([...toOffer(), { type: 'setup' }]);
    expect(state.window).toBe('setup');
    expect(setupStatusText(state)).toBe(
      'Select Set up to begin. You will be asked to touch your token.',
    );
    expect(submission(state)).toEqual({
      ok: true,
      request: { type: 'pairing.setup', params: { pairingId: PAIRING, deviceId: 'd2' } },
    });
  });

  test.each([
    ['programming', 'Writing a new secret into your token…'],
    ['touch', 'Touch the button on your token now (hold it for about 3 seconds).'],
    ['verifying', 'Checking the passcode your token typed…'],
  ] as const)('the daemon says %s: the window says "%s"', (step, text) => {
    const state = run([
      ...toOffer(),
      { type: 'setup' },
      { type: 'sent', request: 'pairing.setup' },
      setupEvent(step),
    ]);
    expect(state.window).toBe('setup');
    expect(setupStatusText(state)).toBe(text);
    expect(conditions(state).setupIdle).toBe(false);
  });

  test('the first OTP the key types during the setup fills nothing in', () => {
    const state = run([
      ...toOffer(),
      { type: 'setup' },
      { type: 'sent', request: 'pairing.setup' },
      setupEvent('touch'),
      {
        type: 'event',
        event: {
          type: 'otp',
          deviceId: 'd2',
          serial: '6100001',
          format: 'oath-hotp',
          otp: '123456',
        },
      },
    ]);
    expect(state.fields.passcode).toBe('');
  });

  test('set up: Verification with the new token, and what to do next', () => {
    const state = run([
      ...toOffer(),
      { type: 'setup' },
      { type: 'sent', request: 'pairing.setup' },
      {
        type: 'reply',
        request: 'pairing.setup',
        result: { pairingId: PAIRING, step: 'verification', serial: '6100001' },
      },
    ]);
    expect(state).toMatchObject({
      window: 'verification',
      pairingSerial: '6100001',
      setupOffer: undefined,
    });
    expect(state.notice?.text).toBe(
      'Your token is set up and registered. Press its button once more (hold it for about 3 seconds), then select Verify.',
    );
  });

  test('a failed setup goes back to Hardware Token Pairing with what the daemon says, the offer kept', () => {
    const state = run([
      ...toOffer(),
      { type: 'setup' },
      { type: 'sent', request: 'pairing.setup' },
      {
        type: 'failed',
        request: 'pairing.setup',
        error: {
          code: 'ENROLL_FAILED',
          message:
            'the token was not touched in time, or it was unplugged; slot 2 was deleted again and is empty, as before; nothing was registered',
        },
      },
    ]);
    expect(state.window).toBe('serial');
    expect(state.setupOffer).toEqual(OFFER);
    expect(state.notice).toEqual({
      kind: 'error',
      text: 'Your token could not be set up: the token was not touched in time, or it was unplugged; slot 2 was deleted again and is empty, as before; nothing was registered. Select Set up this token to try again.',
    });
  });

  test('a slot in use: the page says it was left alone', () => {
    const state = run([
      ...toOffer(),
      { type: 'setup' },
      {
        type: 'failed',
        request: 'pairing.setup',
        error: { code: 'SLOT_CONFIGURED', message: 'x' },
      },
    ]);
    expect(state.notice?.text).toMatch(/already holds a configuration .* left as it is/);
  });

  test('the offered key unplugged: the offer goes', () => {
    const state = run([
      ...toOffer(),
      { type: 'event', event: { type: 'device.detached', device: BLANK } },
    ]);
    expect(state.setupOffer).toBeUndefined();
  });

  test('Cancel leaves the pairing and the offer', () => {
    const state = run([...toOffer(), { type: 'setup' }, { type: 'cancel' }]);
    expect(state).toMatchObject({
      window: 'registration',
      setupOffer: undefined,
      pairingId: undefined,
    });
  });
});
