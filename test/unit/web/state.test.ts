import {
  initialState,
  KIOSK_DONE_MS,
  reduce,
  type HelloEvent,
  type PageAction,
  type PageState,
} from '../../../src/web/state';

const T0 = 1_700_000_000_000;
const DEVICE = {
  id: 'd1',
  driver: 'virtual',
  model: 'YubiKey 4/5',
  serial: '5000001',
  access: 'shared' as const,
};
const hello = (over: Partial<HelloEvent> = {}): HelloEvent => ({
  type: 'hello',
  version: '1.2.3',
  protocol: 'tokenbridge.v1',
  devices: [DEVICE],
  capabilities: { pairing: true, tapPairing: true, setup: true },
  ...over,
});

/** Runs actions in order, one second apart, from a fresh page. */
function run(actions: PageAction[], start: PageState = initialState(T0)): PageState {
  return actions.reduce((s, a, i) => reduce(s, a, T0 + (i + 1) * 1000), start);
}

const connected: PageAction = { type: 'connected', hello: hello() };
const toVerification: PageAction[] = [
  connected,
  { type: 'input', field: 'user', value: 'alice' },
  { type: 'sent', request: 'pairing.start' },
  {
    type: 'reply',
    request: 'pairing.start',
    result: { pairingId: 'p_12345678', step: 'choose-device' },
  },
  {
    type: 'reply',
    request: 'pairing.chooseHardwareToken',
    result: { pairingId: 'p_12345678', step: 'serial' },
  },
  {
    type: 'reply',
    request: 'pairing.serial',
    result: { pairingId: 'p_12345678', step: 'verification', serial: '5000001' },
  },
];
const otp = (serial: string | undefined, value = '755224', format = 'oath-hotp' as const) =>
  ({
    type: 'event',
    event: { type: 'otp', deviceId: 'd1', format, otp: value, ...(serial ? { serial } : {}) },
  }) as PageAction;

describe('the page reducer: where each step of the seed leads', () => {
  test.each([
    ['a first visit starts at Registration', [connected], 'registration'],
    ['a remembered visit starts at Sign on', [connected], 'signon', initialState(T0, 'signon')],
    [
      'a kiosk starts at Sign on',
      [{ type: 'connected', hello: hello({ kiosk: { idleResetMs: 5000 } }) }],
      'signon',
    ],
    [
      'no pairing: Sign on',
      [
        {
          type: 'connected',
          hello: hello({ capabilities: { pairing: false, tapPairing: false, setup: false } }),
        },
      ],
      'signon',
    ],
    ['Start leads to Add a New Device', toVerification.slice(0, 4), 'choose-device'],
    ['Hardware Token leads to Hardware Token Pairing', toVerification.slice(0, 5), 'serial'],
    ['Next leads to Verification', toVerification, 'verification'],
    [
      'needs-next-passcode leads to the Final Step',
      [
        ...toVerification,
        {
          type: 'reply',
          request: 'pairing.verify',
          result: { result: 'needs-next-passcode' },
        },
      ],
      'final-step',
    ],
    [
      'accepted leads to the green check',
      [
        ...toVerification,
        { type: 'reply', request: 'pairing.sync', result: { result: 'accepted' } },
      ],
      'done',
    ],
    [
      'rejected stays at Verification',
      [
        ...toVerification,
        {
          type: 'reply',
          request: 'pairing.verify',
          result: { result: 'rejected', reason: 'wrong-passcode', attemptsLeft: 2 },
        },
      ],
      'verification',
    ],
    ['Cancel goes back to Registration', [...toVerification, { type: 'cancel' }], 'registration'],
    [
      'an expired pairing goes back to Registration',
      [
        ...toVerification,
        {
          type: 'failed',
          request: 'pairing.verify',
          error: { code: 'PAIRING_NOT_FOUND', message: 'gone' },
        },
      ],
      'registration',
    ],
    [
      'pairing disabled goes to Sign on',
      [
        connected,
        {
          type: 'failed',
          request: 'pairing.start',
          error: { code: 'PAIRING_DISABLED', message: 'off' },
        },
      ],
      'signon',
    ],
    [
      'a reconnect in mid-pairing goes back to Registration',
      [...toVerification, { type: 'disconnected', retryAt: T0 + 9000 }, connected],
      'registration',
    ],
    [
      'the registration link is ignored when pairing is off',
      [
        {
          type: 'connected',
          hello: hello({ capabilities: { pairing: false, tapPairing: false, setup: false } }),
        },
        { type: 'go', window: 'registration' },
      ],
      'signon',
    ],
  ] as [string, PageAction[], string, PageState?][])('%s', (...row) => {
    // One argument: rows differ in length, and jest reads a longer parameter list as `done`.
    const [, actions, window, start] = row;
    expect(run(actions, start).window).toBe(window);
  });

  test('the serial is pre-filled from the reply, else from a plugged token, and kept when typed', () => {
    const viaReply = run([
      ...toVerification.slice(0, 4),
      {
        type: 'reply',
        request: 'pairing.chooseHardwareToken',
        result: { pairingId: 'p_12345678', step: 'serial', serial: '777' },
      },
    ]);
    expect(viaReply.fields.serial).toBe('777');
    expect(run(toVerification.slice(0, 5)).fields.serial).toBe('5000001');
    const typed = run([
      ...toVerification.slice(0, 4),
      { type: 'input', field: 'serial', value: '42' },
      toVerification[4]!,
    ]);
    expect(typed.fields.serial).toBe('42');
  });

  test('a token plugged in at Hardware Token Pairing fills an empty serial field', () => {
    const state = run([
      { type: 'connected', hello: hello({ devices: [] }) },
      ...toVerification.slice(1, 5),
      { type: 'event', event: { type: 'device.attached', device: { ...DEVICE, serial: '99' } } },
    ]);
    expect(state.fields.serial).toBe('99');
  });

  test.each([
    ['Verification, same token', toVerification, '5000001', '755224', undefined],
    [
      'Verification, unknown serial (display tokens say none)',
      toVerification,
      undefined,
      '755224',
      undefined,
    ],
    [
      'Verification, another token',
      toVerification,
      '5000002',
      '',
      /another token \(serial 5000002\)/,
    ],
    [
      'Sign on, any token',
      [connected, { type: 'go', window: 'signon' }],
      '5000002',
      '755224',
      undefined,
    ],
    ['Registration ignores passcodes', [connected], '5000001', '', undefined],
  ] as [string, PageAction[], string | undefined, string, RegExp | undefined][])(
    'an otp event at %s',
    (...[, before, serial, filled, error]) => {
      const state = run([...before, otp(serial)]);
      expect(state.fields.passcode).toBe(filled);
      if (error)
        expect(state.notice).toMatchObject({ kind: 'error', text: expect.stringMatching(error) });
      else if (filled) expect(state.notice?.kind).toBe('info');
    },
  );

  test('typing over a captured passcode forgets which token it came from', () => {
    const captured = run([...toVerification, otp('5000001')]);
    expect(captured.capturedFrom).toBe('5000001');
    const typed = reduce(captured, { type: 'input', field: 'passcode', value: '1' }, T0 + 99_000);
    expect(typed.capturedFrom).toBeUndefined();
  });

  test('unplugging the token in use says so; plugging it back clears it; other tokens do not', () => {
    const unplugged = run([
      ...toVerification,
      { type: 'event', event: { type: 'device.detached', device: DEVICE } },
    ]);
    expect(unplugged.unplugged).toBe('5000001');
    expect(unplugged.devices).toEqual([]);
    expect(unplugged.notice?.text).toMatch(/serial 5000001\) was unplugged/);
    const back = reduce(
      unplugged,
      { type: 'event', event: { type: 'device.attached', device: DEVICE } },
      T0 + 99_000,
    );
    expect(back.unplugged).toBeUndefined();
    expect(back.notice).toEqual({ kind: 'info', text: 'Token 5000001 is plugged in again.' });
    const other = run([
      ...toVerification,
      {
        type: 'event',
        event: { type: 'device.detached', device: { ...DEVICE, id: 'd2', serial: '8' } },
      },
    ]);
    expect(other.unplugged).toBeUndefined();
    expect(other.notice).toBeUndefined();
  });

  test('accepted pairing: signed on as the user, the serial offered for unpairing', () => {
    const state = run([
      ...toVerification,
      {
        type: 'reply',
        request: 'pairing.verify',
        result: { result: 'accepted', sessionToken: 's_0123456789abcdef' },
      },
    ]);
    expect(state.session).toEqual({
      user: 'alice',
      via: 'pairing',
      sessionToken: 's_0123456789abcdef',
      serial: '5000001',
    });
    expect(state.pairingId).toBeUndefined();
    expect(state.fields.unpairSerial).toBe('5000001');
    expect(state.doneAt).toBe(T0 + 7000);
  });

  test('locked: the form waits until the time is up, then says so', () => {
    const locked = run([
      connected,
      { type: 'go', window: 'signon' },
      {
        type: 'reply',
        request: 'signon.verify',
        result: { result: 'locked', retryAfterMs: 120_000 },
      },
    ]);
    expect(locked.lockedUntil).toBe(T0 + 3000 + 120_000);
    expect(reduce(locked, { type: 'tick' }, T0 + 60_000).lockedUntil).toBe(T0 + 123_000);
    const over = reduce(locked, { type: 'tick' }, T0 + 123_000);
    expect(over.lockedUntil).toBeUndefined();
    expect(over.notice).toEqual({ kind: 'info', text: 'You can try again now.' });
    // Someone else's name lifts the lock on this page (the daemon still holds the token's lock).
    expect(
      reduce(locked, { type: 'input', field: 'user', value: 'bob' }, T0 + 5000).lockedUntil,
    ).toBeUndefined();
  });

  test('the connection: reachable, unreachable with the retry time, then back with a notice', () => {
    const down = run([connected, { type: 'disconnected', retryAt: T0 + 5000 }]);
    expect(down).toMatchObject({ connection: 'unreachable', retryAt: T0 + 5000, devices: [] });
    const back = reduce(down, connected, T0 + 6000);
    expect(back.connection).toBe('open');
    expect(back.notice).toEqual({ kind: 'info', text: 'Connected to tokenbridge again.' });
    expect(back.devices).toEqual([DEVICE]);
  });

  test('a reconnect after a sign-on asks to sign on again (the session was the connection)', () => {
    const signedOn = run([
      connected,
      { type: 'go', window: 'signon' },
      { type: 'input', field: 'user', value: 'alice' },
      { type: 'reply', request: 'signon.verify', result: { result: 'accepted' } },
      { type: 'disconnected', retryAt: T0 },
      connected,
    ]);
    expect(signedOn.session).toBeUndefined();
    expect(signedOn.window).toBe('signon');
    expect(signedOn.notice?.text).toMatch(/Sign on once more/);
  });

  test('a request in flight is cleared by its reply, its failure or a lost connection', () => {
    const sent = run([connected, { type: 'sent', request: 'pairing.start' }]);
    expect(sent.busy).toBe('pairing.start');
    expect(reduce(sent, { type: 'disconnected', retryAt: T0 }, T0).busy).toBeUndefined();
    const failed = reduce(
      sent,
      { type: 'failed', request: 'pairing.start', error: { code: 'RATE_LIMITED', message: 'x' } },
      T0,
    );
    expect(failed.busy).toBeUndefined();
    expect(failed.notice?.text).toMatch(/Too many requests/);
  });
});

describe("a step's pairing.state event and its reply, in either order", () => {
  const P = 'p_12345678';
  const stateEvent = (step: 'serial' | 'verification', serial?: string): PageAction => ({
    type: 'event',
    event: { type: 'pairing.state', pairingId: P, step, ...(serial ? { serial } : {}) },
  });
  const reply = (
    request: 'pairing.chooseHardwareToken' | 'pairing.serial',
    step: 'serial' | 'verification',
    serial?: string,
  ): PageAction => ({
    type: 'reply',
    request,
    result: { pairingId: P, step, ...(serial ? { serial } : {}) },
  });
  const atChooseDevice = toVerification.slice(0, 4);

  test.each([
    ['the event first', [stateEvent('serial')]],
    ['the reply first', [reply('pairing.chooseHardwareToken', 'serial')]],
    [
      'the event, then the reply',
      [stateEvent('serial'), reply('pairing.chooseHardwareToken', 'serial')],
    ],
    [
      'the reply, then the event',
      [reply('pairing.chooseHardwareToken', 'serial'), stateEvent('serial')],
    ],
  ])('Hardware Token Pairing opens with the plugged serial: %s', (_order, actions) => {
    const state = run([...atChooseDevice, ...actions]);
    expect(state.window).toBe('serial');
    expect(state.fields.serial).toBe('5000001');
  });

  test('a serial typed before the event is kept', () => {
    const state = run([
      ...atChooseDevice,
      { type: 'input', field: 'serial', value: '42' },
      stateEvent('serial'),
      reply('pairing.chooseHardwareToken', 'serial'),
    ]);
    expect(state.fields.serial).toBe('42');
  });

  test('Verification entered by its event keeps a passcode typed by the token before the reply', () => {
    const atSerial = [...atChooseDevice, reply('pairing.chooseHardwareToken', 'serial')];
    const state = run([
      ...atSerial,
      stateEvent('verification', '5000001'),
      otp('5000001'),
      reply('pairing.serial', 'verification', '5000001'),
    ]);
    expect(state.window).toBe('verification');
    expect(state.pairingSerial).toBe('5000001');
    expect(state.fields.passcode).toBe('755224');
    const replyFirst = run([
      ...atSerial,
      { type: 'input', field: 'passcode', value: 'stale' },
      reply('pairing.serial', 'verification', '5000001'),
      stateEvent('verification', '5000001'),
    ]);
    expect(replyFirst.fields.passcode).toBe('');
    expect(replyFirst.pairingSerial).toBe('5000001');
  });

  test("another pairing's event changes nothing", () => {
    const before = run(atChooseDevice);
    const after = reduce(
      before,
      { type: 'event', event: { type: 'pairing.state', pairingId: 'p_other000', step: 'serial' } },
      T0 + 10_000,
    );
    expect(after.window).toBe('choose-device');
    expect(after.fields.serial).toBe(before.fields.serial);
  });
});

describe('the kiosk timers', () => {
  const kiosk: PageAction = { type: 'connected', hello: hello({ kiosk: { idleResetMs: 5000 } }) };

  test('the green check returns to Sign on after KIOSK_DONE_MS, with nothing left on screen', () => {
    const done = run([
      kiosk,
      { type: 'input', field: 'user', value: 'alice' },
      { type: 'reply', request: 'signon.verify', result: { result: 'accepted' } },
    ]);
    expect(done.window).toBe('done');
    expect(reduce(done, { type: 'tick' }, done.doneAt! + KIOSK_DONE_MS - 1).window).toBe('done');
    const back = reduce(done, { type: 'tick' }, done.doneAt! + KIOSK_DONE_MS);
    expect(back).toMatchObject({ window: 'signon', session: undefined, notice: undefined });
    expect(back.fields).toEqual({ user: '', serial: '', passcode: '', unpairSerial: '' });
  });

  test('idle input is wiped after idleResetMs; typing, clicks and button presses keep it', () => {
    const typed = run([kiosk, { type: 'input', field: 'user', value: 'carol' }]); // at T0+2000
    expect(reduce(typed, { type: 'tick' }, T0 + 6999).fields.user).toBe('carol');
    expect(reduce(typed, { type: 'tick' }, T0 + 7000).fields.user).toBe('');
    const active = reduce(typed, { type: 'activity' }, T0 + 6000);
    expect(reduce(active, { type: 'tick' }, T0 + 10_999).fields.user).toBe('carol');
    const pressed = reduce(typed, otp('5000001'), T0 + 6000);
    expect(reduce(pressed, { type: 'tick' }, T0 + 10_999).fields.passcode).toBe('755224');
  });

  test('an untouched start window is left alone (no churn every tick)', () => {
    const idle = run([kiosk]);
    expect(reduce(idle, { type: 'tick' }, T0 + 60_000)).toEqual({ ...idle, now: T0 + 60_000 });
  });

  test('without a kiosk nothing resets on its own', () => {
    const typed = run([connected, { type: 'input', field: 'user', value: 'carol' }]);
    expect(reduce(typed, { type: 'tick' }, T0 + 3_600_000).fields.user).toBe('carol');
  });
});

describe('the page defects of issue 14', () => {
  const P = 'p_12345678';
  const verifyReply = (result: object): PageAction =>
    ({ type: 'reply', request: 'pairing.verify', result }) as PageAction;
  const finalEvent: PageAction = {
    type: 'event',
    event: { type: 'pairing.state', pairingId: P, step: 'final-step', serial: '5000001' },
  };

  test.each([
    [
      'its event first, then the reply',
      [finalEvent, verifyReply({ result: 'needs-next-passcode' })],
    ],
    [
      'the reply first, then its event',
      [verifyReply({ result: 'needs-next-passcode' }), finalEvent],
    ],
  ])('the Final Step opens with its field empty (%s), so the focus is not on Sync', (_, steps) => {
    const typed = [
      ...toVerification,
      { type: 'input', field: 'passcode', value: '755224' } as const,
    ];
    const atFinal = run([...typed, { type: 'sent', request: 'pairing.verify' }, steps[0]!]);
    expect(atFinal.window).toBe('final-step');
    expect(atFinal.fields.passcode).toBe('');
    const done = run([steps[1]!], atFinal);
    expect(done).toMatchObject({ window: 'final-step', fields: { passcode: '' } });
  });

  test('a passcode the token typed between the Final Step event and the reply is kept', () => {
    const state = run([
      ...toVerification,
      { type: 'sent', request: 'pairing.verify' },
      finalEvent,
      otp('5000001', '287082'),
      verifyReply({ result: 'needs-next-passcode' }),
    ]);
    expect(state).toMatchObject({ window: 'final-step', fields: { passcode: '287082' } });
    expect(state.notice?.text).toMatch(/out of step/);
  });

  const other = { ...DEVICE, id: 'd2', serial: '8' };
  const detached = (device: typeof DEVICE): PageAction => ({
    type: 'event',
    event: { type: 'device.detached', device },
  });
  const signOnWith = (from: string): PageAction[] => [
    { type: 'connected', hello: hello({ devices: [DEVICE, other] }) },
    { type: 'go', window: 'signon' },
    { type: 'input', field: 'user', value: 'alice' },
    otp(from),
  ];

  test.each<[string, PageAction[], boolean]>([
    [
      'the token whose passcode fills the field',
      [...signOnWith('5000001'), detached(DEVICE)],
      true,
    ],
    [
      'another token, while one passcode fills the field',
      [...signOnWith('5000001'), detached(other)],
      false,
    ],
    [
      'the token, once its passcode was cleared from the field',
      [...signOnWith('5000001'), { type: 'input', field: 'passcode', value: '' }, detached(DEVICE)],
      false,
    ],
    [
      'a key tapped at Add a New Device, then Cancel and Sign on',
      [
        {
          type: 'connected',
          hello: hello({
            devices: [DEVICE, other],
            capabilities: { pairing: true, tapPairing: false, setup: false },
          }),
        },
        { type: 'input', field: 'user', value: 'alice' },
        {
          type: 'reply',
          request: 'pairing.start',
          result: { pairingId: P, step: 'choose-device' },
        },
        otp('8', 'vvcccchnkghl' + 'c'.repeat(32), 'yubico' as 'oath-hotp'),
        { type: 'cancel' },
        { type: 'go', window: 'signon' },
        detached(other),
      ],
      false,
    ],
  ])('at Sign on, unplugging %s says it was unplugged: %s', (_what, actions, says) => {
    const state = run(actions);
    expect(state.window).toBe('signon');
    expect(/was unplugged/.test(state.notice?.text ?? '')).toBe(says);
  });

  test('the unreachable banner never sits over "You are signed on": the sign-on ends with the connection', () => {
    const signedOn = run([
      connected,
      { type: 'go', window: 'signon' },
      { type: 'input', field: 'user', value: 'alice' },
      { type: 'reply', request: 'signon.verify', result: { result: 'accepted' } },
    ]);
    expect(signedOn.window).toBe('done');
    const down = reduce(signedOn, { type: 'disconnected', retryAt: T0 + 9000 }, T0 + 8000);
    expect(down).toMatchObject({ connection: 'unreachable', window: 'signon' });
    expect(down.session).toBeUndefined();
    expect(down.notice).toEqual({
      kind: 'error',
      text: 'The connection to tokenbridge was lost, so you are signed out. Sign on again once it is back.',
    });
  });
});
