import { loadConfig } from '../../../src/config';
import { describeConnection, parseConnectionString } from '../../../src/core';
import { BASE_ENV, problems, resolved } from './config-fixtures';

describe('PostgreSQL connection strings (both libpq forms)', () => {
  const good: Array<[string, object]> = [
    [
      'postgres://tb@db.lan:5433/tokens?sslmode=verify-full&sslrootcert=/etc/tb/ca.pem',
      {
        host: 'db.lan',
        port: 5433,
        database: 'tokens',
        user: 'tb',
        sslmode: 'verify-full',
        sslrootcert: '/etc/tb/ca.pem',
      },
    ],
    ['postgresql://db.lan/tokens', { host: 'db.lan', database: 'tokens', sslmode: 'prefer' }],
    ['postgres://tb@[::1]:5432/t', { host: '::1', port: 5432, user: 'tb', database: 't' }],
    ['postgres:///tokens?host=/run/postgresql', { host: '/run/postgresql', database: 'tokens' }],
    ['postgres://%2Frun%2Fpostgresql/tokens', { host: '/run/postgresql', database: 'tokens' }],
    [
      "host=db.lan port=5432 dbname=tokens user=tb sslmode=require application_name='kiosk one'",
      {
        host: 'db.lan',
        port: 5432,
        database: 'tokens',
        user: 'tb',
        sslmode: 'require',
        applicationName: 'kiosk one',
      },
    ],
    ["dbname='it\\'s' host=/tmp", { database: "it's", host: '/tmp' }],
  ];
  test.each(good)('%s', (text, target) => {
    const parsed = parseConnectionString(text);
    expect(parsed).toEqual({ ok: true, target: expect.objectContaining(target) });
  });

  const bad: Array<[string, RegExp]> = [
    ['postgres://tb:secret@db.lan/tokens', /password does not belong/],
    ['host=db.lan password=secret', /password does not belong/],
    ['host=db.lan passfile=/x', /password does not belong/],
    ['postgres://db.lan/t?sslmode=sometimes', /sslmode: expected one of disable, allow/],
    ['postgres://db.lan:0/t', /not a valid|port/],
    ['host=db.lan port=70000', /port: expected 1\.\.65535/],
    ['host=db.lan colour=blue', /unknown parameter "colour"/],
    ["host='db.lan", /unterminated quoted value/],
  ];
  test.each(bad)('refuses %s', (text, reason) => {
    const parsed = parseConnectionString(text);
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.reason).toMatch(reason);
    // A refusal never repeats the password it found.
    expect(!parsed.ok && parsed.reason).not.toContain('secret');
  });

  test('the description for logs names server and database, never a password', () => {
    const parsed = parseConnectionString('postgres://tb@db.lan/tokens?sslmode=verify-full');
    expect(parsed.ok && describeConnection(parsed.target)).toBe(
      'postgres db.lan:5432/tokens (sslmode verify-full)',
    );
  });
});

describe('--store and TOKENBRIDGE_STORE take a file or a connection string', () => {
  test('a connection string sets store.url; store.path keeps its value', () => {
    const config = resolved({}, BASE_ENV, { store: 'postgres://tb@db.lan/tokens' });
    expect(config.store.url).toBe('postgres://tb@db.lan/tokens');
    expect(config.store.path).toBe('/home/u/.local/state/tokenbridge/tokens.sqlite');
  });

  test('a file on the command line wins over a fleet database in the file', () => {
    const config = resolved({ store: { url: 'postgres://db.lan/t' } }, BASE_ENV, {
      store: 'local.sqlite',
    });
    expect(config.store).toMatchObject({ url: null, path: '/work/local.sqlite' });
  });

  test('the environment variable works the same way', () => {
    const env = { ...BASE_ENV, TOKENBRIDGE_STORE: 'host=db.lan dbname=t' };
    expect(loadConfig({ env, fileExists: () => false }).store.url).toBe('host=db.lan dbname=t');
  });

  test('a password in the connection string is refused, naming the flag', () => {
    expect(problems({}, BASE_ENV, { store: 'postgres://tb:hunter2@db.lan/t' })).toEqual([
      expect.stringMatching(/^--store: a password does not belong in the connection string/),
    ]);
    const inFile = problems({ store: { url: 'postgres://tb:hunter2@db.lan/t' } });
    expect(inFile.join('\n')).toMatch(/store\.url: a password does not belong/);
    expect(inFile.join('\n')).not.toContain('hunter2');
  });

  test('the password file comes from the systemd credential when systemd passes one', () => {
    const env = { CREDENTIALS_DIRECTORY: '/run/credentials/tokenbridge.service' };
    const config = loadConfig({
      env,
      fileExists: (p) => p === '/run/credentials/tokenbridge.service/tokenbridge.dbpass',
    });
    expect(config.store.passwordFile).toBe(
      '/run/credentials/tokenbridge.service/tokenbridge.dbpass',
    );
    expect(loadConfig({ env, fileExists: () => false }).store.passwordFile).toBeNull();
  });

  test('the node name defaults to the host name and is checked', () => {
    expect(resolved({}).store.nodeName).toMatch(/^[A-Za-z0-9._:-]{1,64}$/);
    expect(problems({ store: { nodeName: 'kiosk 1' } }).join()).toMatch(
      /store\.nodeName: expected 1\.\.64/,
    );
    expect(resolved({}, BASE_ENV, { nodeName: 'kiosk-7' }).store.nodeName).toBe('kiosk-7');
  });
});
