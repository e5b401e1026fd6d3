import { ApiErrorCode, parseClientMessage, requestIdOf } from '../../../src/api';

const P = 'pairing-0001';
const valid: [string, object][] = [
  ['ping with a string id', { id: 'a', type: 'ping' }],
  ['ping with an integer id', { id: 7, type: 'ping' }],
  ['devices.list', { id: 1, type: 'devices.list' }],
  ['pairing.start', { id: 1, type: 'pairing.start', user: 'alice@example.com' }],
  ['pairing.start, non-ASCII user', { id: 1, type: 'pairing.start', user: 'Zoë Ångström' }],
  ['pairing.chooseHardwareToken', { id: 1, type: 'pairing.chooseHardwareToken', pairingId: P }],
  ['pairing.serial', { id: 1, type: 'pairing.serial', pairingId: P, serial: 'UBAM01234567' }],
  [
    'pairing.serial, punctuation',
    { id: 1, type: 'pairing.serial', pairingId: P, serial: 'a.b_c:d-9' },
  ],
  ['pairing.verify, 6 digits', { id: 1, type: 'pairing.verify', pairingId: P, passcode: '123456' }],
  [
    'pairing.verify, 8 digits',
    { id: 1, type: 'pairing.verify', pairingId: P, passcode: '12345678' },
  ],
  [
    'pairing.verify, token id (caps lock) + digits',
    { id: 1, type: 'pairing.verify', pairingId: P, passcode: 'UBHE01234567755224' },
  ],
  [
    'pairing.verify, token id typed as hex + digits',
    { id: 1, type: 'pairing.verify', pairingId: P, passcode: 'e16301234567755224' },
  ],
  ['pairing.sync', { id: 1, type: 'pairing.sync', pairingId: P, passcode: '287082' }],
  [
    'pairing.tap, modhex 44',
    {
      id: 1,
      type: 'pairing.tap',
      pairingId: P,
      passcode: 'cccccccbcjdifctrndncchkftchjlnbhvhtugdljibej',
    },
  ],
  [
    'pairing.tap, modhex 44 in upper case (caps lock)',
    {
      id: 1,
      type: 'pairing.tap',
      pairingId: P,
      passcode: 'CCCCCCCBCJDIFCTRNDNCCHKFTCHJLNBHVHTUGDLJIBEJ',
    },
  ],
  ['pairing.cancel', { id: 1, type: 'pairing.cancel', pairingId: P }],
  ['signon.verify', { id: 1, type: 'signon.verify', user: 'bob', passcode: '359152' }],
  [
    'signon.verify, a Yubico OTP typed through Dvorak',
    {
      id: 1,
      type: 'signon.verify',
      user: 'bob',
      passcode: 'ey.uugh.dtbduhxphbnbnebdjghkeexctbihpyid',
    },
  ],
  ['token.unpair', { id: 1, type: 'token.unpair', user: 'bob', serial: '42' }],
  [
    'token.unpair with session',
    { id: 1, type: 'token.unpair', user: 'bob', serial: '42', sessionToken: 'abcdefghijklmnop' },
  ],
];

test.each(valid)('accepts %s', (_name, message) => {
  const result = parseClientMessage(JSON.stringify(message));
  expect(result).toEqual({ ok: true, message });
});

const invalid: [string, string, string, string | number | undefined][] = [
  ['not JSON', '{"id":1,', ApiErrorCode.INVALID_JSON, undefined],
  ['an array', '[1,2]', ApiErrorCode.INVALID_MESSAGE, undefined],
  ['null', 'null', ApiErrorCode.INVALID_MESSAGE, undefined],
  ['missing id', '{"type":"ping"}', ApiErrorCode.INVALID_MESSAGE, undefined],
  ['empty id', '{"id":"","type":"ping"}', ApiErrorCode.INVALID_MESSAGE, undefined],
  [
    '65-char id',
    JSON.stringify({ id: 'x'.repeat(65), type: 'ping' }),
    ApiErrorCode.INVALID_MESSAGE,
    undefined,
  ],
  ['fractional id', '{"id":1.5,"type":"ping"}', ApiErrorCode.INVALID_MESSAGE, undefined],
  ['negative id', '{"id":-1,"type":"ping"}', ApiErrorCode.INVALID_MESSAGE, undefined],
  ['missing type', '{"id":3}', ApiErrorCode.INVALID_MESSAGE, 3],
  ['unknown type', '{"id":3,"type":"seeds.dump"}', ApiErrorCode.UNKNOWN_TYPE, 3],
  ['an event type sent by a client', '{"id":3,"type":"hello"}', ApiErrorCode.UNKNOWN_TYPE, 3],
  ['extra field', '{"id":3,"type":"ping","x":1}', ApiErrorCode.INVALID_MESSAGE, 3],
  [
    'empty user',
    JSON.stringify({ id: 4, type: 'pairing.start', user: '' }),
    ApiErrorCode.INVALID_MESSAGE,
    4,
  ],
  [
    '129-char user',
    JSON.stringify({ id: 4, type: 'pairing.start', user: 'u'.repeat(129) }),
    ApiErrorCode.INVALID_MESSAGE,
    4,
  ],
  [
    'user with a newline',
    JSON.stringify({ id: 4, type: 'pairing.start', user: 'a\nb' }),
    ApiErrorCode.INVALID_MESSAGE,
    4,
  ],
  [
    'user with a leading space',
    JSON.stringify({ id: 4, type: 'pairing.start', user: ' a' }),
    ApiErrorCode.INVALID_MESSAGE,
    4,
  ],
  [
    'serial with a space',
    JSON.stringify({ id: 5, type: 'pairing.serial', pairingId: P, serial: 'a b' }),
    ApiErrorCode.INVALID_MESSAGE,
    5,
  ],
  [
    '51-char serial',
    JSON.stringify({ id: 5, type: 'pairing.serial', pairingId: P, serial: '1'.repeat(51) }),
    ApiErrorCode.INVALID_MESSAGE,
    5,
  ],
  [
    'serial missing',
    JSON.stringify({ id: 5, type: 'pairing.serial', pairingId: P }),
    ApiErrorCode.INVALID_MESSAGE,
    5,
  ],
  [
    '5-digit passcode',
    JSON.stringify({ id: 6, type: 'pairing.verify', pairingId: P, passcode: '12345' }),
    ApiErrorCode.INVALID_MESSAGE,
    6,
  ],
  [
    '7-digit passcode',
    JSON.stringify({ id: 6, type: 'pairing.verify', pairingId: P, passcode: '1234567' }),
    ApiErrorCode.INVALID_MESSAGE,
    6,
  ],
  [
    'a token id with letters a YubiKey never types there',
    JSON.stringify({ id: 6, type: 'pairing.verify', pairingId: P, passcode: 'UBAM01234567755224' }),
    ApiErrorCode.INVALID_MESSAGE,
    6,
  ],
  [
    '9-digit passcode',
    JSON.stringify({ id: 6, type: 'pairing.verify', pairingId: P, passcode: '123456789' }),
    ApiErrorCode.INVALID_MESSAGE,
    6,
  ],
  [
    '11-char token id',
    JSON.stringify({ id: 6, type: 'pairing.verify', pairingId: P, passcode: 'UBAM0123456123456' }),
    ApiErrorCode.INVALID_MESSAGE,
    6,
  ],
  [
    'non-modhex OTP',
    JSON.stringify({ id: 6, type: 'pairing.tap', pairingId: P, passcode: 'a'.repeat(44) }),
    ApiErrorCode.INVALID_MESSAGE,
    6,
  ],
  [
    '31-char modhex',
    JSON.stringify({ id: 6, type: 'pairing.tap', pairingId: P, passcode: 'c'.repeat(31) }),
    ApiErrorCode.INVALID_MESSAGE,
    6,
  ],
  [
    '33-char modhex (not whole bytes)',
    JSON.stringify({ id: 6, type: 'pairing.tap', pairingId: P, passcode: 'c'.repeat(33) }),
    ApiErrorCode.INVALID_MESSAGE,
    6,
  ],
  [
    '65-char modhex',
    JSON.stringify({ id: 6, type: 'signon.verify', user: 'a', passcode: 'c'.repeat(65) }),
    ApiErrorCode.INVALID_MESSAGE,
    6,
  ],
  [
    'passcode as a number',
    JSON.stringify({ id: 6, type: 'signon.verify', user: 'a', passcode: 123456 }),
    ApiErrorCode.INVALID_MESSAGE,
    6,
  ],
  [
    'short pairing id',
    JSON.stringify({ id: 7, type: 'pairing.cancel', pairingId: 'x' }),
    ApiErrorCode.INVALID_MESSAGE,
    7,
  ],
  [
    'short session token',
    JSON.stringify({ id: 8, type: 'token.unpair', user: 'a', serial: '1', sessionToken: 'x' }),
    ApiErrorCode.INVALID_MESSAGE,
    8,
  ],
];

test.each(invalid)('refuses %s without throwing', (_name, text, code, id) => {
  const result = parseClientMessage(text);
  expect(result.ok).toBe(false);
  if (result.ok) return;
  expect(result.code).toBe(code);
  expect(result.id).toBe(id);
  expect(result.message.length).toBeGreaterThan(0);
});

test('an invalid field is named in the message', () => {
  const result = parseClientMessage(
    JSON.stringify({ id: 1, type: 'pairing.serial', pairingId: P, serial: 'a b' }),
  );
  expect(result).toMatchObject({ ok: false, message: expect.stringMatching(/^serial: /) });
});

// The id a refused (rate-limited) frame is answered under: read without validating the rest.
test.each([
  ['a valid request', '{"id":3,"type":"ping"}', 3],
  ['a string id on an unknown type', '{"id":"a-1","type":"nope"}', 'a-1'],
  ['an id on an invalid message', '{"id":9,"type":"pairing.serial","serial":5}', 9],
  ['no id', '{"type":"ping"}', null],
  ['an id of the wrong kind', '{"id":-1,"type":"ping"}', null],
  ['an id too long', JSON.stringify({ id: 'x'.repeat(65), type: 'ping' }), null],
  ['not JSON', '{"id":1,', null],
  ['an array', '[{"id":1}]', null],
  ['a bare number', '1', null],
])('requestIdOf: %s', (_name, text, id) => {
  expect(requestIdOf(text)).toBe(id);
});
