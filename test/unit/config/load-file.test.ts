import { join } from 'node:path';
import { ConfigError, defaultConfig, loadConfig } from '../../../src/config';
import { ErrorCode, TokenBridgeError } from '../../../src/core';
import { at, BASE_ENV, files, get, problems, resolved } from './config-fixtures';

describe('valid files', () => {
  test('an empty object means every default', () => {
    expect(resolved({})).toEqual(defaultConfig(BASE_ENV));
  });

  test('the defaults are the documented ones', () => {
    const d = defaultConfig(BASE_ENV);
    expect(d.server).toEqual({
      host: '127.0.0.1',
      port: 7343,
      allowOrigins: [],
      peerCheck: 'auto',
      allowUsers: [],
      allowGroups: [],
      capabilityFile: '/home/u/.local/state/tokenbridge/capability',
      maxClients: 1000,
      rateLimit: { perSecond: 20, burst: 40 },
      controlSocket: '/run/user/1000/tokenbridge/control.sock',
    });
    expect(d.drivers.enabled).toEqual(['hid', 'usb', 'virtual']);
    expect(d.drivers.exclusive).toBe(false);
    expect(d.otp).toEqual({
      hotpWindow: 10,
      hotpResyncWindow: 1000,
      totpWindow: 1,
      totpResyncSteps: 120,
    });
    expect(d.lockout).toEqual({ maxFailures: 3, baseMs: 120000, maxMs: 3600000, multiplier: 2 });
    expect(d.guessing).toEqual({ perConnection: 10, lookupsPerConnection: 5, lookupsPerHour: 60 });
    expect(d.users.maxTokensPerUser).toBe(5);
    expect(d.log.level).toBe('info');
    expect(d.kiosk).toEqual({ enabled: false, pairing: false, idleResetMs: 60000 });
    expect(d.store).toMatchObject({
      path: '/home/u/.local/state/tokenbridge/tokens.sqlite',
      keyFile: '/home/u/.local/state/tokenbridge/seed.key',
    });
    expect(d.drivers.emulatorSocket).toBe('/run/user/1000/tokenbridge/emulator.sock');
  });

  test('a full file is taken as written', () => {
    const config = resolved({
      server: {
        host: '::1',
        port: 8080,
        allowOrigins: ['https://sso.example.com', 'http://localhost:3000'],
        maxClients: 10,
        rateLimit: { perSecond: 5, burst: 10 },
      },
      drivers: {
        enabled: ['usb'],
        exclusive: true,
        pollIntervalMs: 250,
        extraUsbIds: ['1D50:60FC'],
        virtual: ['hotp:serial=123456,digits=8', 'yubico'],
        emulatorSocket: '/run/tb/emu.sock',
      },
      otp: { hotpWindow: 20, hotpResyncWindow: 500, totpWindow: 2, totpResyncSteps: 60 },
      lockout: { maxFailures: 5, baseMs: 60000, maxMs: 600000, multiplier: 1.5 },
      users: { maxTokensPerUser: 2 },
      store: { path: '/var/lib/tb/t.sqlite', keyFile: '/etc/tb/k' },
      log: { level: 'debug' },
      kiosk: { enabled: false, pairing: true, idleResetMs: 30000 },
    });
    expect(config.server.port).toBe(8080);
    expect(config.drivers.extraUsbIds).toEqual(['1d50:60fc']); // normalised to lower case
    expect(config.drivers.virtual).toHaveLength(2);
    expect(config.lockout.multiplier).toBe(1.5);
    expect(config.kiosk.pairing).toBe(true);
  });

  test("relative paths in the file are resolved against the file's folder", () => {
    const config = resolved({ store: { path: 'data/t.sqlite', keyFile: '../k' } });
    expect(config.store.path).toBe(join(files.dir, 'data/t.sqlite'));
    expect(config.store.keyFile).toBe(join(files.dir, '..', 'k'));
  });

  test('a byte order mark at the start is tolerated', () => {
    expect(resolved('\ufeff{"server":{"port":9000}}').server.port).toBe(9000);
  });
});

/**
 * [key, lowest valid, highest valid, other keys that keep the cross-field rules satisfied]: each
 * bound is accepted, and each value past it, a fraction, text, null and a boolean are refused.
 * Every row has all four columns: jest would pass `done` in a missing one.
 */
const INT_BOUNDS: ReadonlyArray<[string, number, number, Record<string, unknown>]> = [
  ['server.port', 0, 65535, {}],
  ['server.maxClients', 1, 10000, {}],
  ['server.rateLimit.perSecond', 1, 10000, {}],
  ['server.rateLimit.burst', 1, 10000, {}],
  ['drivers.pollIntervalMs', 100, 60000, {}],
  ['otp.hotpWindow', 1, 100, {}],
  ['otp.hotpResyncWindow', 1, 1000, { hotpWindow: 1 }],
  ['otp.totpWindow', 0, 10, {}],
  ['otp.totpResyncSteps', 0, 1000, { totpWindow: 0 }],
  ['lockout.maxFailures', 1, 100, {}],
  ['lockout.baseMs', 1000, 86400000, { maxMs: 604800000 }],
  ['lockout.maxMs', 1000, 604800000, { baseMs: 1000 }],
  ['users.maxTokensPerUser', 1, 100, {}],
  ['kiosk.idleResetMs', 5000, 3600000, {}],
];

/** `{section: {...siblings, key: value}}`, or a deeper one-key object. */
function probe(path: string, value: unknown, siblings: Record<string, unknown>) {
  const [section, ...rest] = path.split('.') as [string, ...string[]];
  return { [section]: { ...siblings, ...at(rest.join('.'), value) } };
}

describe('every numeric key has its bounds', () => {
  test.each(INT_BOUNDS)('%s accepts %d and %d', (path, min, max, siblings) => {
    expect(get(resolved(probe(path, min, siblings)), path)).toBe(min);
    expect(get(resolved(probe(path, max, siblings)), path)).toBe(max);
  });

  test.each(INT_BOUNDS)('%s refuses values outside %d..%d', (path, min, max, siblings) => {
    const expected = `FILE: ${path}: expected an integer ${min}..${max}, got`;
    for (const bad of [min - 1, max + 1, min + 0.5, `${min}`, null, true]) {
      const shown = typeof bad === 'string' ? JSON.stringify(bad) : String(bad);
      expect(problems(probe(path, bad, siblings))).toEqual([`${expected} ${shown}`]);
    }
  });

  test('lockout.multiplier is a number 1..10, fractions allowed', () => {
    expect(resolved(at('lockout.multiplier', 1)).lockout.multiplier).toBe(1);
    expect(resolved(at('lockout.multiplier', 10)).lockout.multiplier).toBe(10);
    expect(problems(at('lockout.multiplier', 0.5))).toEqual([
      'FILE: lockout.multiplier: expected a number 1..10, got 0.5',
    ]);
    expect(problems(at('lockout.multiplier', 11))).toEqual([
      'FILE: lockout.multiplier: expected a number 1..10, got 11',
    ]);
  });
});

describe('invalid files: each problem names the key and says what was expected', () => {
  test.each<[string, unknown, string]>([
    [
      'port as text',
      at('server.port', 'abc'),
      'FILE: server.port: expected an integer 0..65535, got "abc"',
    ],
    ['a section that is not an object', { server: 5 }, 'FILE: server: expected an object, got 5'],
    ['a list instead of an object', { otp: [] }, 'FILE: otp: expected an object, got an array'],
    ['a file that is a list', [], 'FILE: expected an object, got an array'],
    [
      'an unknown section',
      { sever: {} },
      'FILE: sever: unknown key (expected one of: server, drivers, otp, lockout, guessing, users, store, log, enroll, kiosk)',
    ],
    [
      'an unknown key',
      at('server.prot', 1),
      'FILE: server.prot: unknown key (expected one of: host, port, allowOrigins, peerCheck, allowUsers, allowGroups, capabilityFile, maxClients, rateLimit, controlSocket)',
    ],
    [
      'an unknown nested key',
      at('server.rateLimit.rate', 1),
      'FILE: server.rateLimit.rate: unknown key (expected one of: perSecond, burst)',
    ],
    [
      'a bad host',
      at('server.host', 'local host'),
      'FILE: server.host: expected an IP address or host name, got "local host"',
    ],
    [
      'host as a number',
      at('server.host', 127),
      'FILE: server.host: expected an IP address or host name, got 127',
    ],
    [
      'origins not a list',
      at('server.allowOrigins', 'https://a.example'),
      'FILE: server.allowOrigins: expected a list of at most 100 entries, got "https://a.example"',
    ],
    [
      'an origin with a path',
      at('server.allowOrigins', ['http://localhost:7343/path']),
      'FILE: server.allowOrigins.0: an origin has no path, query or fragment, got "http://localhost:7343/path"',
    ],
    [
      'an ftp origin',
      at('server.allowOrigins', ['https://ok.example', 'ftp://x']),
      'FILE: server.allowOrigins.1: expected scheme http or https, got "ftp://x"',
    ],
    [
      'a wildcard origin',
      at('server.allowOrigins', ['*']),
      'FILE: server.allowOrigins.0: wildcards are not allowed; list each origin exactly, got "*"',
    ],
    [
      'an unknown driver',
      at('drivers.enabled', ['hid', 'serial']),
      'FILE: drivers.enabled.1: expected one of hid, usb, virtual, got "serial"',
    ],
    [
      'no driver',
      at('drivers.enabled', []),
      'FILE: drivers.enabled: expected 1..3 distinct driver names',
    ],
    [
      'a driver twice',
      at('drivers.enabled', ['hid', 'hid']),
      'FILE: drivers.enabled: expected 1..3 distinct driver names',
    ],
    [
      'exclusive as text',
      at('drivers.exclusive', 'yes'),
      'FILE: drivers.exclusive: expected true or false, got "yes"',
    ],
    [
      'a bad USB id',
      at('drivers.extraUsbIds', ['1050-0407']),
      'FILE: drivers.extraUsbIds.0: expected a USB id "vvvv:pppp" in hex, got "1050-0407"',
    ],
    [
      'a bad virtual spec',
      at('drivers.virtual', ['hotp:serial=abc']),
      'FILE: drivers.virtual.0: virtual spec: serial: expected an integer 1..99999999, got "abc"',
    ],
    [
      'an unknown virtual kind',
      at('drivers.virtual', ['smartcard']),
      'FILE: drivers.virtual.0: virtual spec: kind: expected hotp | yubico | yubikey | blank, got "smartcard"',
    ],
    [
      'an empty path',
      at('store.path', ''),
      'FILE: store.path: expected a non-empty file path, got ""',
    ],
    [
      'a path as a number',
      at('store.keyFile', 7),
      'FILE: store.keyFile: expected a non-empty file path, got 7',
    ],
    [
      'an unknown log level',
      at('log.level', 'verbose'),
      'FILE: log.level: expected one of trace, debug, info, warn, error, fatal, silent, got "verbose"',
    ],
    [
      'kiosk as a number',
      at('kiosk.enabled', 1),
      'FILE: kiosk.enabled: expected true or false, got 1',
    ],
    [
      'a resync window below the window',
      { otp: { hotpWindow: 50, hotpResyncWindow: 20 } },
      'FILE: otp.hotpResyncWindow: expected otp.hotpResyncWindow >= otp.hotpWindow, got 20 < 50',
    ],
    [
      'a TOTP resync below the window',
      { otp: { totpWindow: 5, totpResyncSteps: 2 } },
      'FILE: otp.totpResyncSteps: expected otp.totpResyncSteps >= otp.totpWindow, got 2 < 5',
    ],
    [
      'a lockout ceiling below its base',
      { lockout: { baseMs: 600000, maxMs: 300000 } },
      'FILE: lockout.maxMs: expected lockout.maxMs >= lockout.baseMs, got 300000 < 600000',
    ],
  ])('%s', (_name, content, line) => {
    expect(problems(content)).toEqual([line]);
  });

  test('every problem is reported, not just the first', () => {
    const lines = problems({
      server: { port: -1, host: '', extra: true },
      otp: { totpWindow: -1 },
      kiosk: { idleResetMs: 'soon' },
      nonsense: 1,
    });
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^FILE: server\.port: /),
        expect.stringMatching(/^FILE: server\.host: /),
        expect.stringMatching(/^FILE: server\.extra: unknown key/),
        expect.stringMatching(/^FILE: otp\.totpWindow: /),
        expect.stringMatching(/^FILE: kiosk\.idleResetMs: /),
        expect.stringMatching(/^FILE: nonsense: unknown key/),
      ]),
    );
    expect(lines).toHaveLength(6);
  });

  test('ConfigError is a TokenBridgeError with code CONFIG_INVALID, one problem per line', () => {
    const file = files.write({ server: { port: 'x', host: 5 } });
    let caught: unknown;
    try {
      loadConfig({ file, env: BASE_ENV });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect(caught).toBeInstanceOf(TokenBridgeError);
    const error = caught as ConfigError;
    expect(error.code).toBe(ErrorCode.CONFIG_INVALID);
    expect(error.problems.map((p) => `${p.source} ${p.path}`).sort()).toEqual([
      'file server.host',
      'file server.port',
    ]);
    expect(error.message.split('\n')).toHaveLength(2);
  });

  test.each<[string, string, RegExp]>([
    [
      'a trailing comma',
      '{\n  "server": {\n    "port": 1,\n  }\n}',
      /^FILE: line 4, column 3: not valid JSON: trailing comma before }$/,
    ],
    [
      'a missing value',
      '{"server": {"port": }}',
      /^FILE: line 1, column 21: not valid JSON: expected a value, found "}"$/,
    ],
    [
      'a comment',
      '{\n  // the port\n  "server": {}\n}',
      /^FILE: line 2, column 3: not valid JSON: expected a key in double quotes, found "\/"$/,
    ],
    ['single quotes', "{'server': {}}", /^FILE: line 1, column 2: not valid JSON/],
    [
      'an unclosed object',
      '{"server": {"port": 1}',
      /^FILE: line 1, column 23: not valid JSON: expected ',' or '}', found the end of the file$/,
    ],
    [
      'an empty file',
      '',
      /^FILE: line 1, column 1: not valid JSON: expected a value, found the end of the file$/,
    ],
    [
      'text after the value',
      '{}\n{}',
      /^FILE: line 2, column 1: not valid JSON: unexpected "\{" after the end/,
    ],
  ])('a file that is not JSON (%s) reports the line and column', (_name, text, line) => {
    const lines = problems(text);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(line);
  });

  test('a key written twice is an error naming both places', () => {
    expect(problems('{\n  "server": { "port": 1 },\n  "server": { "port": 2 }\n}')).toEqual([
      'FILE: server: key appears twice (again at line 3, column 3)',
    ]);
  });

  test('a missing file says so', () => {
    const file = join(files.dir, 'nope.json');
    expect(() => loadConfig({ file, env: BASE_ENV })).toThrow(`${file}: cannot read: no such file`);
  });

  test('a folder instead of a file says so', () => {
    expect(() => loadConfig({ file: files.dir, env: BASE_ENV })).toThrow(
      `${files.dir}: cannot read: is a folder, expected a JSON file`,
    );
  });
});
