import { RESULT_SCHEMAS, ServerMessage, VerifyOutcome } from '../../../src/api';

const device = {
  id: 'd1',
  driver: 'virtual',
  model: 'YubiKey 5 NFC',
  serial: '5000001',
  access: 'exclusive',
};

const valid: [string, object][] = [
  [
    'hello',
    {
      type: 'hello',
      version: '0.1.0',
      protocol: 'tokenbridge.v1',
      devices: [device],
      capabilities: { pairing: true, tapPairing: true, setup: true },
    },
  ],
  ['device.attached', { type: 'device.attached', device }],
  [
    'device.detached without serial',
    { type: 'device.detached', device: { id: 'd2', driver: 'hid', model: 'x', access: 'shared' } },
  ],
  [
    'otp yubico',
    {
      type: 'otp',
      deviceId: 'd1',
      serial: '5000001',
      format: 'yubico',
      otp: 'cccccccbcjdifctrndncchkftchjlnbhvhtugdljibej',
    },
  ],
  ['otp oath-hotp', { type: 'otp', deviceId: 'd1', format: 'oath-hotp', otp: '755224' }],
  ['pairing.state', { type: 'pairing.state', pairingId: 'p1', step: 'serial', serial: '5000001' }],
  ['ok reply', { id: 1, ok: true, pong: true }],
  [
    'error reply',
    { id: 'x', ok: false, error: { code: 'TOKEN_PAIRED', message: 'already paired' } },
  ],
  [
    'error reply without id',
    { id: null, ok: false, error: { code: 'INVALID_JSON', message: 'bad' } },
  ],
];
test.each(valid)('ServerMessage accepts %s', (_n, m) => {
  expect(ServerMessage.safeParse(m).success).toBe(true);
});

const invalid: [string, object][] = [
  ['otp with unknown format', { type: 'otp', deviceId: 'd1', format: 'totp', otp: '123456' }],
  ['pairing.state with unknown step', { type: 'pairing.state', pairingId: 'p1', step: 'bogus' }],
  [
    'device with unknown access',
    { type: 'device.attached', device: { ...device, access: 'maybe' } },
  ],
  ['error reply with lower-case code', { id: 1, ok: false, error: { code: 'oops', message: '' } }],
  ['event with an id', { type: 'device.attached', id: 1, device }],
];
test.each(invalid)('ServerMessage refuses %s', (_n, m) => {
  expect(ServerMessage.safeParse(m).success).toBe(false);
});

test.each([
  [{ result: 'accepted' }, true],
  [{ result: 'needs-next-passcode' }, true],
  [{ result: 'rejected', reason: 'wrong-passcode', attemptsLeft: 2 }, true],
  [{ result: 'locked', retryAfterMs: 30000 }, true],
  [{ result: 'rejected', attemptsLeft: 2 }, false],
  [{ result: 'locked' }, false],
])('VerifyOutcome %j -> %s', (value, ok) => {
  expect(VerifyOutcome.safeParse(value).success).toBe(ok);
});

test('token.unpair result requires unpaired true', () => {
  expect(
    RESULT_SCHEMAS['token.unpair'].safeParse({ unpaired: true, user: 'a', serial: '1' }).success,
  ).toBe(true);
  expect(
    RESULT_SCHEMAS['token.unpair'].safeParse({ unpaired: false, user: 'a', serial: '1' }).success,
  ).toBe(false);
});
