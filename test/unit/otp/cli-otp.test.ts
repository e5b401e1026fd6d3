import { runTokenbridge } from '../../helpers/cli';
import { RFC4226_SECRET_ASCII, RFC4226_VECTORS } from '../../vectors/rfc4226';
import { RFC6238_SEEDS_ASCII, RFC6238_VECTORS } from '../../vectors/rfc6238';
import { YUBICO_OTP_VECTORS } from '../../vectors/yubico-otp';

const hex = (ascii: string) => Buffer.from(ascii, 'latin1').toString('hex');
const RFC4226_HEX = hex(RFC4226_SECRET_ASCII);

describe('tokenbridge otp hotp', () => {
  test.each(RFC4226_VECTORS)('counter $counter prints $otp', async ({ counter, otp }) => {
    const r = await runTokenbridge([
      'otp',
      'hotp',
      '--secret-hex',
      RFC4226_HEX,
      '--counter',
      String(counter),
    ]);
    expect(r).toEqual({ code: 0, stdout: `${otp}\n`, stderr: '' });
  });

  test('--json', async () => {
    const r = await runTokenbridge([
      'otp',
      'hotp',
      '--secret-hex',
      RFC4226_HEX,
      '--counter',
      '3',
      '--json',
    ]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      type: 'hotp',
      algorithm: 'sha1',
      digits: 6,
      counter: 3,
      otp: '969429',
    });
  });

  test('a 10-byte seed works with a warning', async () => {
    const r = await runTokenbridge([
      'otp',
      'hotp',
      '--secret-hex',
      '00'.repeat(10),
      '--counter',
      '0',
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\d{6}\n$/);
    expect(r.stderr).toBe(
      'tokenbridge: warning: the seed is 10 bytes; 16 or more is recommended\n',
    );
  });
});

describe('tokenbridge otp totp', () => {
  test.each(RFC6238_VECTORS)(
    '$algorithm at $time prints $otp',
    async ({ time, algorithm, otp }) => {
      const r = await runTokenbridge([
        'otp',
        'totp',
        '--secret-hex',
        hex(RFC6238_SEEDS_ASCII[algorithm]),
        '--time',
        String(time),
        '--digits',
        '8',
        '--algorithm',
        algorithm,
      ]);
      expect(r).toEqual({ code: 0, stdout: `${otp}\n`, stderr: '' });
    },
  );

  test('--json carries the step; --period 60 halves it', async () => {
    const r = await runTokenbridge([
      'otp',
      'totp',
      '--secret-hex',
      RFC4226_HEX,
      '--time',
      '1111111109',
      '--period',
      '60',
      '--json',
    ]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      type: 'totp',
      period: 60,
      time: 1111111109,
      step: 18518518,
      otp: expect.stringMatching(/^\d{6}$/),
    });
  });
});

describe('tokenbridge otp yubico decode', () => {
  test.each(YUBICO_OTP_VECTORS)('$name', async (v) => {
    const r = await runTokenbridge([
      'otp',
      'yubico',
      'decode',
      v.otp,
      '--aes-key',
      v.aesKey,
      '--json',
    ]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      ok: true,
      publicId: v.publicId,
      privateId: v.privateId,
      session: v.session,
      crc: v.crc,
    });
  });

  test('a wrong key exits 1 with one line', async () => {
    const v = YUBICO_OTP_VECTORS[0]!;
    const r = await runTokenbridge([
      'otp',
      'yubico',
      'decode',
      v.otp,
      '--aes-key',
      '00'.repeat(16),
    ]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      'tokenbridge: OTP does not decode: CRC mismatch (wrong AES key, or a mistyped OTP)\n',
    );
  });
});

describe('bad flags exit 2 with one line', () => {
  test.each([
    [['otp', 'hotp', '--secret-hex', RFC4226_HEX, '--counter', '-1'], /--counter: expected 0\.\./],
    [
      ['otp', 'hotp', '--secret-hex', RFC4226_HEX, '--counter', 'x'],
      /--counter: expected an integer/,
    ],
    [
      ['otp', 'hotp', '--secret-hex', RFC4226_HEX, '--counter', '0', '--digits', '7'],
      /--digits: expected one of 6, 8/,
    ],
    [
      ['otp', 'hotp', '--secret-hex', RFC4226_HEX, '--counter', '0', '--algorithm', 'md5'],
      /--algorithm/,
    ],
    [['otp', 'hotp', '--secret-hex', 'abc', '--counter', '0'], /--secret-hex: expected hex/],
    [
      ['otp', 'hotp', '--secret-hex', '0102030405', '--counter', '0'],
      /--secret-hex: expected 10\.\.64 bytes, got 5/,
    ],
    [['otp', 'hotp', '--secret-hex', RFC4226_HEX], /--counter/],
    [['otp', 'totp', '--secret-hex', RFC4226_HEX, '--time', '0', '--period', '45'], /--period/],
    [['otp', 'totp', '--secret-hex', RFC4226_HEX, '--time', '-5'], /--time/],
    [['otp', 'yubico', 'decode', 'cccc', '--aes-key', '0011'], /--aes-key: expected 16 bytes/],
    [['otp', 'yubico', 'decode', '--aes-key', '00'.repeat(16)], /otp/],
    [
      ['otp', 'yubico', 'decode', 'hello', '--aes-key', '00'.repeat(16)],
      /<otp>: expected 32 to 64/,
    ],
  ])('%j', async (args, message) => {
    const r = await runTokenbridge(args);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
  });

  test('--help works for each subcommand', async () => {
    for (const args of [
      ['otp', 'hotp'],
      ['otp', 'totp'],
      ['otp', 'yubico', 'decode'],
    ]) {
      const r = await runTokenbridge([...args, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('Usage: tokenbridge ' + args.join(' '));
    }
  });
});
