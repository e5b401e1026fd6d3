import { errorNotice, formatRemaining, outcomeNotice } from '../../../src/web/messages';

describe('what the page says', () => {
  test.each([
    [0, '0:00'],
    [1, '0:01'],
    [999, '0:01'],
    [59_000, '0:59'],
    [60_000, '1:00'],
    [119_001, '2:00'],
    [3_600_000, '60:00'],
    [-5, '0:00'],
  ])('%i ms left reads %s', (ms, text) => {
    expect(formatRemaining(ms)).toBe(text);
  });

  test.each([
    [
      { result: 'rejected', reason: 'wrong-passcode', attemptsLeft: 2 },
      'signon.verify',
      'Wrong passcode. 2 attempts left.',
    ],
    [
      { result: 'rejected', reason: 'wrong-passcode', attemptsLeft: 1 },
      'pairing.verify',
      'Wrong passcode. 1 attempt left.',
    ],
    [
      { result: 'rejected', reason: 'wrong-passcode', attemptsLeft: 0 },
      'signon.verify',
      'Wrong passcode. No attempts left before the token locks.',
    ],
    [
      { result: 'rejected', reason: 'replayed', attemptsLeft: 2 },
      'signon.verify',
      /already used.*2 attempts left/,
    ],
    [
      { result: 'rejected', reason: 'out-of-window', attemptsLeft: 2 },
      'pairing.sync',
      /does not follow the previous one/,
    ],
    [{ result: 'rejected', reason: 'out-of-window', attemptsLeft: 2 }, 'signon.verify', /too far/],
    [
      { result: 'locked', retryAfterMs: 90_000 },
      'signon.verify',
      'Too many wrong passcodes: the token is locked. Try again in 1:30.',
    ],
    [{ result: 'needs-next-passcode' }, 'pairing.verify', /Press its button again/],
    [{ result: 'accepted' }, 'signon.verify', 'Passcode accepted. You are signed on.'],
    [{ result: 'accepted' }, 'pairing.tap', 'Your token is paired. You are signed on.'],
  ] as const)('%j from %s', (outcome, request, text) => {
    expect(outcomeNotice(outcome, request).text).toMatch(text);
  });

  test.each([
    ['TOKEN_NOT_FOUND', 'pairing.serial', /Serial number 123 is not registered/, 'serial'],
    ['TOKEN_NOT_FOUND', 'pairing.tap', /This token is not registered/, undefined],
    ['TOKEN_NOT_FOUND', 'token.unpair', /not paired to you/, 'unpairSerial'],
    ['TOKEN_PAIRED', 'pairing.serial', /already paired to another account/, 'serial'],
    ['PAIRING_NOT_FOUND', 'pairing.verify', /expired/, undefined],
    ['PAIRING_DISABLED', 'pairing.start', /turned off/, undefined],
    ['NOT_SIGNED_ON', 'token.unpair', /Sign on again/, undefined],
    ['RATE_LIMITED', 'signon.verify', /Too many requests/, undefined],
    ['TOO_MANY_ATTEMPTS', 'pairing.serial', /Too many serial numbers were tried here/, undefined],
    ['UNAVAILABLE', 'signon.verify', /cannot reach its token registry right now/, undefined],
    ['NO_REPLY', 'signon.verify', /did not answer/, undefined],
    ['DISCONNECTED', 'signon.verify', /connection to tokenbridge was lost/, undefined],
    ['INVALID_MESSAGE', 'signon.verify', /refused that: user: too long/, undefined],
    ['INTERNAL', 'signon.verify', /Something went wrong in tokenbridge \(INTERNAL\)/, undefined],
  ])('%s from %s', (code, request, text, field) => {
    const notice = errorNotice({ code, message: 'user: too long' }, request, {
      fields: { serial: '123' },
    });
    expect(notice.kind).toBe('error');
    expect(notice.text).toMatch(text);
    expect(notice.field).toBe(field);
  });
});
