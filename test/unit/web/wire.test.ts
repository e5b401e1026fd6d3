import { BACKOFF_FIRST_MS, BACKOFF_MAX_MS, backoffDelay } from '../../../src/web/backoff';
import { decodeFrame, PageConnection, resultOf } from '../../../src/web/connection';

describe('reconnect backoff', () => {
  test.each([
    [0, 0.5, 500],
    [1, 0.5, 1000],
    [2, 0.5, 2000],
    [4, 0.5, 8000],
    [5, 0.5, 10_000],
    [50, 0.5, 10_000],
    [0, 0, 400],
    [0, 0.999999, 600],
    [9, 0, 8000],
  ])('attempt %i with random %d waits %i ms', (attempt, random, ms) => {
    expect(backoffDelay(attempt, random)).toBe(ms);
  });

  test('always within the jittered bounds', () => {
    for (let attempt = 0; attempt < 40; attempt++)
      for (const r of [0, 0.25, 0.5, 0.75, 0.99]) {
        const ms = backoffDelay(attempt, r);
        expect(ms).toBeGreaterThanOrEqual(BACKOFF_FIRST_MS * 0.8);
        expect(ms).toBeLessThanOrEqual(BACKOFF_MAX_MS * 1.2);
      }
  });
});

describe('frames from the daemon, checked with the shared schemas', () => {
  test.each([
    [
      '{"type":"device.detached","device":{"id":"d1","driver":"usb","model":"Y","access":"exclusive"}}',
      'event',
    ],
    ['{"type":"otp","deviceId":"d1","format":"oath-hotp","otp":"755224"}', 'event'],
    ['{"id":3,"ok":true,"pong":true}', 'reply'],
    ['{"id":null,"ok":false,"error":{"code":"RATE_LIMITED","message":"slow down"}}', 'reply'],
    ['not json', 'invalid'],
    ['{"type":"otp","deviceId":"d1","format":"oath-hotp","otp":"1"}', 'invalid'],
    ['{"type":"surprise"}', 'invalid'],
    ['[1,2]', 'invalid'],
  ])('%s is %s', (text, kind) => {
    expect(decodeFrame(text).kind).toBe(kind);
  });

  test('a success reply keeps its fields apart from id and ok', () => {
    expect(decodeFrame('{"id":7,"ok":true,"result":"accepted"}')).toEqual({
      kind: 'reply',
      id: 7,
      body: { ok: true, fields: { result: 'accepted' } },
    });
  });

  test('reply fields must fit the request they answer', () => {
    expect(resultOf('signon.verify', { result: 'locked', retryAfterMs: 5 })).toEqual({
      ok: true,
      result: { result: 'locked', retryAfterMs: 5 },
    });
    expect(resultOf('signon.verify', { result: 'maybe' })).toMatchObject({
      ok: false,
      error: { code: 'INVALID_REPLY' },
    });
    expect(resultOf('pairing.start', { pairingId: 'p_12345678', step: 'choose-device' }).ok).toBe(
      true,
    );
  });

  test.each([
    [{ protocol: 'http:', host: '127.0.0.1:7343' }, 'ws://127.0.0.1:7343/ws'],
    [{ protocol: 'https:', host: 'localhost:8443' }, 'wss://localhost:8443/ws'],
    [{ protocol: 'http:', host: '[::1]:7343' }, 'ws://[::1]:7343/ws'],
  ])('the page at %j connects to %s', (location, url) => {
    expect(PageConnection.urlFor(location)).toBe(url);
  });
});
