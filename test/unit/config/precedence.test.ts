import { loadConfig } from '../../../src/config';
import { at, BASE_ENV, files, get, problems, resolved } from './config-fixtures';

describe('precedence: defaults < file < environment < flags', () => {
  const file = {
    server: { port: 8000, host: '127.0.0.1', allowOrigins: ['https://file.example'] },
  };

  test('the file overrides the defaults, key by key', () => {
    const config = resolved(file);
    expect(config.server.port).toBe(8000);
    expect(config.server.maxClients).toBe(1000);
  });

  test('the environment overrides the file', () => {
    const config = resolved(file, { ...BASE_ENV, TOKENBRIDGE_PORT: '9000' });
    expect(config.server.port).toBe(9000);
    expect(config.server.allowOrigins).toEqual(['https://file.example']);
  });

  test('flags override the environment and the file', () => {
    const config = resolved(file, { ...BASE_ENV, TOKENBRIDGE_PORT: '9000' }, { port: '9100' });
    expect(config.server.port).toBe(9100);
  });

  test('a flag given a typed value (commander parsed it) works the same', () => {
    expect(resolved(file, BASE_ENV, { port: 9200 }).server.port).toBe(9200);
  });

  test('lists are replaced, not appended: origins from the environment, then repeated flags', () => {
    const env = { ...BASE_ENV, TOKENBRIDGE_ALLOW_ORIGINS: 'https://a.example, https://b.example' };
    expect(resolved(file, env).server.allowOrigins).toEqual([
      'https://a.example',
      'https://b.example',
    ]);
    expect(resolved(file, env, { allowOrigin: ['https://c.example'] }).server.allowOrigins).toEqual(
      ['https://c.example'],
    );
  });

  test('an empty list variable clears the list', () => {
    expect(
      resolved(file, { ...BASE_ENV, TOKENBRIDGE_ALLOW_ORIGINS: '' }).server.allowOrigins,
    ).toEqual([]);
  });

  test('an empty scalar variable counts as unset', () => {
    expect(resolved(file, { ...BASE_ENV, TOKENBRIDGE_PORT: '' }).server.port).toBe(8000);
  });

  test.each<[string, string, string, unknown]>([
    ['TOKENBRIDGE_HOST', '::1', 'server.host', '::1'],
    ['TOKENBRIDGE_MAX_CLIENTS', '50', 'server.maxClients', 50],
    ['TOKENBRIDGE_DRIVERS', 'hid,virtual', 'drivers.enabled', ['hid', 'virtual']],
    ['TOKENBRIDGE_EXCLUSIVE', 'on', 'drivers.exclusive', true],
    ['TOKENBRIDGE_POLL_INTERVAL_MS', '500', 'drivers.pollIntervalMs', 500],
    ['TOKENBRIDGE_EXTRA_USB_IDS', '1d50:60fc', 'drivers.extraUsbIds', ['1d50:60fc']],
    [
      'TOKENBRIDGE_VIRTUAL',
      'hotp:serial=1,digits=8; yubico',
      'drivers.virtual',
      ['hotp:serial=1,digits=8', 'yubico'],
    ],
    ['TOKENBRIDGE_EMULATOR_SOCKET', '/run/e.sock', 'drivers.emulatorSocket', '/run/e.sock'],
    ['TOKENBRIDGE_STORE', '/srv/t.sqlite', 'store.path', '/srv/t.sqlite'],
    ['TOKENBRIDGE_STORE', 'rel/t.sqlite', 'store.path', '/work/rel/t.sqlite'],
    ['TOKENBRIDGE_KEY_FILE', '/srv/k', 'store.keyFile', '/srv/k'],
    ['TOKENBRIDGE_LOG_LEVEL', 'warn', 'log.level', 'warn'],
    ['TOKENBRIDGE_KIOSK', 'true', 'kiosk.enabled', true],
    ['TOKENBRIDGE_KIOSK_PAIRING', 'yes', 'kiosk.pairing', true],
  ])('%s=%s sets %s', (name, value, path, expected) => {
    expect(get(resolved({}, { ...BASE_ENV, [name]: value }), path)).toEqual(expected);
  });

  test.each<[Record<string, unknown>, string, unknown]>([
    [{ host: '::1' }, 'server.host', '::1'],
    [{ driver: ['usb', 'hid'] }, 'drivers.enabled', ['usb', 'hid']],
    [{ driver: ['usb,hid'] }, 'drivers.enabled', ['usb', 'hid']],
    [{ exclusive: true }, 'drivers.exclusive', true],
    [{ virtual: ['hotp:serial=5,digits=8'] }, 'drivers.virtual', ['hotp:serial=5,digits=8']],
    [{ store: 'here.sqlite' }, 'store.path', '/work/here.sqlite'],
    [{ keyFile: '/k' }, 'store.keyFile', '/k'],
    [{ logLevel: 'trace' }, 'log.level', 'trace'],
    [{ kiosk: true }, 'kiosk.enabled', true],
    [{ pairing: true }, 'kiosk.pairing', true],
    [{ json: true, config: '/x.json' }, 'server.port', 7343], // other options are ignored
  ])('flags %j set %s', (flags, path, expected) => {
    expect(get(resolved({}, BASE_ENV, flags), path)).toEqual(expected);
  });

  test('environment values are validated like the file, and errors name the variable', () => {
    const env = {
      ...BASE_ENV,
      TOKENBRIDGE_PORT: 'abc',
      TOKENBRIDGE_EXCLUSIVE: 'maybe',
      TOKENBRIDGE_ALLOW_ORIGINS: 'https://ok.example,*',
      TOKENBRIDGE_DRIVERS: 'hid,floppy',
      TOKENBRIDGE_LOG_LEVEL: 'loud',
    };
    expect(problems({}, env).sort()).toEqual(
      [
        'TOKENBRIDGE_PORT: expected an integer 0..65535, got "abc"',
        'TOKENBRIDGE_EXCLUSIVE: expected true or false, got "maybe"',
        'TOKENBRIDGE_ALLOW_ORIGINS: entry 2: wildcards are not allowed; list each origin exactly, got "*"',
        'TOKENBRIDGE_DRIVERS: entry 2: expected one of hid, usb, virtual, got "floppy"',
        'TOKENBRIDGE_LOG_LEVEL: expected one of trace, debug, info, warn, error, fatal, silent, got "loud"',
      ].sort(),
    );
  });

  test('flag values are validated too, and errors name the flag', () => {
    expect(
      problems({}, BASE_ENV, { port: '70000', allowOrigin: ['http://localhost:7343/path'] }),
    ).toEqual([
      '--port: expected an integer 0..65535, got 70000',
      '--allow-origin: entry 1: an origin has no path, query or fragment, got "http://localhost:7343/path"',
    ]);
  });

  test('problems from the file, the environment and the flags are all reported together', () => {
    const lines = problems(
      at('server.port', 'x'),
      { ...BASE_ENV, TOKENBRIDGE_KIOSK: 'perhaps' },
      { logLevel: 'x' },
    );
    expect(lines.map((l) => l.split(':')[0])).toEqual(['FILE', 'TOKENBRIDGE_KIOSK', '--log-level']);
  });

  test('a cross-field problem names the key a layer set, or the other key when it set only that', () => {
    expect(problems({ otp: { hotpResyncWindow: 5 } })).toEqual([
      'FILE: otp.hotpResyncWindow: expected otp.hotpResyncWindow >= otp.hotpWindow, got 5 < 10',
    ]);
    expect(problems({ lockout: { baseMs: 4000000 } })).toEqual([
      'FILE: lockout.baseMs: expected lockout.maxMs >= lockout.baseMs, got 3600000 < 4000000',
    ]);
  });

  test('TOKENBRIDGE_CONFIG names the file when none is passed', () => {
    const file = files.write(at('server.port', 7000));
    expect(loadConfig({ env: { ...BASE_ENV, TOKENBRIDGE_CONFIG: file } }).server.port).toBe(7000);
    const other = files.write(at('server.port', 7001));
    expect(
      loadConfig({ file: other, env: { ...BASE_ENV, TOKENBRIDGE_CONFIG: file } }).server.port,
    ).toBe(7001);
  });

  test('with no file at all, defaults, environment and flags still apply', () => {
    const config = loadConfig({
      env: { ...BASE_ENV, TOKENBRIDGE_HOST: '::1' },
      flags: { port: 1234 },
    });
    expect(config.server).toMatchObject({ host: '::1', port: 1234 });
  });
});

describe('kiosk mode', () => {
  test('turns exclusive capture on and keeps pairing off by default', () => {
    const config = resolved({ kiosk: { enabled: true } });
    expect(config.drivers.exclusive).toBe(true);
    expect(config.kiosk.pairing).toBe(false);
  });

  test('an explicit setting in the file wins over the kiosk defaults', () => {
    const config = resolved({
      kiosk: { enabled: true, pairing: true },
      drivers: { exclusive: false },
    });
    expect(config.drivers.exclusive).toBe(false);
    expect(config.kiosk.pairing).toBe(true);
  });

  test('kiosk mode switched on by the environment or a flag applies its defaults too', () => {
    expect(resolved({}, { ...BASE_ENV, TOKENBRIDGE_KIOSK: '1' }).drivers.exclusive).toBe(true);
    expect(resolved({}, BASE_ENV, { kiosk: true }).drivers.exclusive).toBe(true);
  });

  test('an explicit exclusive=false from the environment wins in kiosk mode', () => {
    const env = { ...BASE_ENV, TOKENBRIDGE_EXCLUSIVE: 'false' };
    expect(resolved({ kiosk: { enabled: true } }, env).drivers.exclusive).toBe(false);
  });

  test('kiosk mode switched off by a flag leaves the normal defaults', () => {
    expect(
      resolved({ kiosk: { enabled: true } }, BASE_ENV, { kiosk: false }).drivers.exclusive,
    ).toBe(false);
  });
});

describe('paths under systemd', () => {
  const systemd = {
    STATE_DIRECTORY: '/var/lib/tokenbridge',
    RUNTIME_DIRECTORY: '/run/tokenbridge',
    CREDENTIALS_DIRECTORY: '/run/credentials/tokenbridge.service',
  };

  test('the registry goes to $STATE_DIRECTORY and the key comes from the credential when present', () => {
    const config = loadConfig({
      env: systemd,
      fileExists: (p) => p === `${systemd.CREDENTIALS_DIRECTORY}/tokenbridge.key`,
    });
    expect(config.store).toMatchObject({
      path: '/var/lib/tokenbridge/tokens.sqlite',
      keyFile: '/run/credentials/tokenbridge.service/tokenbridge.key',
    });
    expect(config.drivers.emulatorSocket).toBe('/run/tokenbridge/emulator.sock');
  });

  test('without the credential file, the key file stays in the state directory', () => {
    const config = loadConfig({ env: systemd, fileExists: () => false });
    expect(config.store.keyFile).toBe('/var/lib/tokenbridge/seed.key');
  });

  const credentialExists = (p: string) => p === `${systemd.CREDENTIALS_DIRECTORY}/tokenbridge.key`;

  test.each([
    ['a flag', { flags: { keyFile: '/etc/k' } }],
    ['the environment', { env: { ...systemd, TOKENBRIDGE_KEY_FILE: '/etc/k' } }],
  ])('an explicit key file in %s wins over the credential', (_, layer) => {
    const config = loadConfig({ env: systemd, ...layer, fileExists: credentialExists });
    expect(config.store.keyFile).toBe('/etc/k');
  });

  test("inside the unit the credential replaces the config file's key file (the same key, for the CLI)", () => {
    const file = files.write({ store: { keyFile: '/etc/tokenbridge/seed.key' } });
    const inUnit = loadConfig({ env: systemd, file, fileExists: credentialExists });
    expect(inUnit.store.keyFile).toBe('/run/credentials/tokenbridge.service/tokenbridge.key');
    // The CLI, outside the unit, reads the file the config names.
    expect(loadConfig({ env: {}, file, fileExists: () => false }).store.keyFile).toBe(
      '/etc/tokenbridge/seed.key',
    );
  });
});
