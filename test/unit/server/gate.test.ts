import {
  buildOriginAllowlist,
  isAllowedHost,
  isAllowedOrigin,
  normalizeOrigin,
} from '../../../src/server/gate';

const PORT = 7343;

describe('isAllowedHost', () => {
  test.each<[string | undefined, boolean]>([
    ['127.0.0.1:7343', true],
    ['localhost:7343', true],
    ['LOCALHOST:7343', true],
    ['LocalHost:7343', true],
    ['[::1]:7343', true],
    [undefined, false],
    ['', false],
    ['127.0.0.1', false],
    ['localhost', false],
    ['::1:7343', false],
    ['[::1]', false],
    ['127.0.0.1:7344', false],
    ['127.0.0.1:73430', false],
    ['127.0.0.1:07343', false],
    ['localhost:7343.evil.com', false],
    ['127.0.0.1.evil.com:7343', false],
    ['evil.com:7343', false],
    ['localhost.:7343', false],
    ['attacker.localhost:7343', false],
    ['127.0.0.2:7343', false],
    ['0.0.0.0:7343', false],
    ['[::ffff:127.0.0.1]:7343', false],
    [' localhost:7343', false],
    ['localhost:7343 ', false],
    ['user@localhost:7343', false],
  ])('Host %p -> %p', (host, expected) => {
    expect(isAllowedHost(host, PORT)).toBe(expected);
  });

  test.each<[string, string, boolean]>([
    ['192.168.1.10', '192.168.1.10:7343', true],
    ['192.168.1.10', '192.168.1.11:7343', false],
    ['kiosk.lan', 'KIOSK.lan:7343', true],
    ['fd00::5', '[fd00::5]:7343', true],
    ['0.0.0.0', '0.0.0.0:7343', false],
    ['::', '[::]:7343', false],
  ])('listening on %p: Host %p -> %p', (listenHost, host, expected) => {
    expect(isAllowedHost(host, PORT, listenHost)).toBe(expected);
  });
});

describe('isAllowedOrigin', () => {
  const allow = buildOriginAllowlist(PORT, ['https://portal.example.com']);

  test.each<[string | undefined, boolean]>([
    ['http://127.0.0.1:7343', true],
    ['http://localhost:7343', true],
    ['http://[::1]:7343', true],
    ['HTTP://LOCALHOST:7343', true],
    ['https://portal.example.com', true],
    ['https://portal.example.com:443', true],
    [undefined, false],
    ['null', false],
    ['', false],
    ['http://127.0.0.1.evil.com:7343', false],
    ['http://localhost:7343.evil.com', false],
    ['http://localhost.evil.com:7343', false],
    ['http://evil-localhost:7343', false],
    ['http://localhost:73430', false],
    ['http://localhost:7344', false],
    ['http://localhost', false],
    ['https://localhost:7343', false],
    ['ws://localhost:7343', false],
    ['http://localhost:7343/', false],
    ['http://localhost:7343/page', false],
    ['http://localhost:7343?x', false],
    ['http://localhost:7343#x', false],
    ['http://evil.com@localhost:7343', false],
    ['http://localhost:7343@evil.com', false],
    ['http://user:pw@localhost:7343', false],
    ['http://portal.example.com', false],
    ['https://portal.example.com.evil.com', false],
    ['https://evilportal.example.com', false],
    ['https://sub.portal.example.com', false],
    ['https://portal.example.co', false],
    ['file://', false],
    ['chrome-extension://abcdef', false],
    ['http://127.0.0.1:7343, http://evil.com', false],
    ['http://127.0.0.1:7343 ', false],
  ])('Origin %p -> %p', (origin, expected) => {
    expect(isAllowedOrigin(origin, allow)).toBe(expected);
  });
});

describe('normalizeOrigin', () => {
  test.each<[string, string | undefined]>([
    ['http://example.com:80', 'http://example.com'],
    ['https://example.com:443', 'https://example.com'],
    ['https://example.com:80', 'https://example.com:80'],
    ['HTTPS://Example.COM', 'https://example.com'],
    ['http://[::1]:7343', 'http://[::1]:7343'],
    ['https://example.com/', undefined],
    ['ftp://example.com', undefined],
    ['null', undefined],
  ])('%p -> %p', (text, expected) => {
    expect(normalizeOrigin(text)).toBe(expected);
  });
});

describe('buildOriginAllowlist', () => {
  test('holds the daemon page origins by default', () => {
    expect([...buildOriginAllowlist(9000, [])]).toEqual([
      'http://127.0.0.1:9000',
      'http://localhost:9000',
      'http://[::1]:9000',
    ]);
  });

  test('adds a non-loopback listen host', () => {
    expect(buildOriginAllowlist(9000, [], '10.0.0.2').has('http://10.0.0.2:9000')).toBe(true);
  });

  test.each(['null', '*', 'https://example.com/', 'example.com', 'https://*.example.com'])(
    'refuses the entry %p, naming it',
    (entry) => {
      expect(() => buildOriginAllowlist(9000, [entry])).toThrow(entry);
    },
  );
});
