import { readFileSync } from 'node:fs';
import { ImportError, parsePskc, type PskcSecrets } from '../../../src/tokens/import';
import {
  RFC6030_PASSWORD,
  RFC6030_PRESHARED_KEY_HEX,
  RFC6030_SECRET,
  SEED32_HEX,
  fixture,
} from '../../fixtures/import/vectors';
import { buildEncryptedPskc, deriveTestKey } from './pskc-builder';

const read = (name: string) => readFileSync(fixture(name), 'utf8');
const parse = (xml: string, secrets?: PskcSecrets) => [...parsePskc(xml, secrets)];
const ascii = (b: Uint8Array) => Buffer.from(b).toString('latin1');
const PRESHARED = Buffer.from(RFC6030_PRESHARED_KEY_HEX, 'hex');
const SEED = Buffer.from(RFC6030_SECRET);

function refusal(fn: () => unknown): ImportError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ImportError);
    return err as ImportError;
  }
  throw new Error('expected the file to be refused');
}

describe('PSKC importer: RFC 6030 examples', () => {
  test.each([
    ['rfc6030-figure3.pskcxml', undefined],
    ['rfc6030-figure6.pskcxml', { key: PRESHARED }],
    ['rfc6030-figure7.pskcxml', { password: RFC6030_PASSWORD }],
  ])('%s gives HOTP 987654321, 8 digits, the RFC secret', (name, secrets) => {
    const tokens = parse(read(name), secrets);
    expect(tokens).toHaveLength(1);
    expect(tokens[0]).toMatchObject({
      serial: '987654321',
      kind: 'hotp',
      algorithm: 'sha1',
      digits: 8,
      counter: 0,
      origin: 'KeyPackage #1 (SerialNo 987654321)',
    });
    expect(ascii(tokens[0]!.secret)).toBe(RFC6030_SECRET);
  });

  test('Figure 5: the PIN KeyPackage is not a token and is passed over', () => {
    const tokens = parse(read('rfc6030-figure5.pskcxml'));
    expect(tokens.map((t) => t.serial)).toEqual(['987654321']);
  });

  test('Figure 10: bulk provisioning yields every KeyPackage in order', () => {
    const tokens = parse(read('rfc6030-figure10.pskcxml'));
    expect(tokens.map((t) => t.origin)).toEqual([
      'KeyPackage #1 (SerialNo 654321)',
      'KeyPackage #2 (SerialNo 123456)',
      'KeyPackage #3 (SerialNo 9999999)',
      'KeyPackage #4 (SerialNo 9999999)',
    ]);
  });

  test('TOTP: Suite names the hash, TimeInterval the period, TimeDrift the drift', () => {
    const [t] = parse(read('pskc-totp.pskcxml'));
    expect(t).toMatchObject({
      serial: 'TT-0001',
      kind: 'totp',
      algorithm: 'sha256',
      digits: 8,
      period: 60,
      drift: -2,
    });
    expect(Buffer.from(t!.secret).toString('hex')).toBe(SEED32_HEX);
  });
});

describe('PSKC importer: encryption', () => {
  test.each([
    ['aes128-cbc', 16],
    ['aes192-cbc', 24],
    ['aes256-cbc', 32],
  ] as const)('%s with a pre-shared key, encrypted counter included', (cipher, bytes) => {
    const key = Buffer.alloc(bytes, 0x42);
    const xml = buildEncryptedPskc({
      cipher,
      key,
      macHash: 'sha256',
      packages: [
        { serial: 'A1', secret: SEED, counter: 7, encryptCounter: true },
        { serial: 'A2', secret: Buffer.alloc(32, 9), counter: 3 },
      ],
    });
    const tokens = parse(xml, { key });
    expect(tokens.map((t) => [t.serial, t.counter])).toEqual([
      ['A1', 7],
      ['A2', 3],
    ]);
    expect(ascii(tokens[0]!.secret)).toBe(RFC6030_SECRET);
  });

  test('a password-derived key (PBKDF2, HMAC-SHA1 PRF by default)', () => {
    const salt = Buffer.from('0102030405060708', 'hex');
    const key = deriveTestKey('hunter2', salt, 500, 32);
    const xml = buildEncryptedPskc({
      cipher: 'aes256-cbc',
      key,
      pbkdf2: { salt, iterations: 500 },
      packages: [{ serial: 'P1', secret: SEED }],
    });
    expect(parse(xml, { password: 'hunter2' }).map((t) => t.serial)).toEqual(['P1']);
    expect(refusal(() => parse(xml, { password: 'hunter3' })).message).toMatch(
      /^KeyContainer\/MACMethod\/MACKey: cannot decrypt: wrong --password|ValueMAC: does not match \(wrong --password/,
    );
  });

  test('one bad ValueMAC refuses the whole file, naming the KeyPackage', () => {
    const xml = buildEncryptedPskc({
      key: PRESHARED,
      packages: [
        { serial: 'G1', secret: SEED },
        { serial: 'B2', secret: SEED, badMac: true },
      ],
    });
    const err = refusal(() => parse(xml, { key: PRESHARED }));
    expect(err.message).toBe(
      'KeyPackage #2 (SerialNo B2)/Key/Data/Secret/ValueMAC: does not match (wrong --key, or the file was altered)',
    );
  });

  test('an encrypted value without a ValueMAC is refused', () => {
    const xml = buildEncryptedPskc({
      key: PRESHARED,
      packages: [{ serial: 'N1', secret: SEED, noMac: true }],
    });
    expect(refusal(() => parse(xml, { key: PRESHARED })).message).toMatch(
      /KeyPackage #1 \(SerialNo N1\)\/Key\/Data\/Secret\/ValueMAC: missing/,
    );
  });

  test('Figure 6 with the wrong key, or a tampered ciphertext, is refused', () => {
    const wrong = Buffer.from(RFC6030_PRESHARED_KEY_HEX.replace(/^12/, '13'), 'hex');
    expect(refusal(() => parse(read('rfc6030-figure6.pskcxml'), { key: wrong })).message).toMatch(
      /wrong --key/,
    );
    const tampered = read('rfc6030-figure6.pskcxml').replace(
      'AAECAwQFBgcICQoLDA0OD+cI',
      'AAECAwQFBgcICQoLDA0OD+cJ',
    );
    expect(refusal(() => parse(tampered, { key: PRESHARED })).message).toMatch(
      /KeyPackage #1 \(SerialNo 987654321\)\/Key\/Data\/Secret\/ValueMAC: does not match/,
    );
  });

  test('Figure 7 with the wrong password is refused', () => {
    expect(
      refusal(() => parse(read('rfc6030-figure7.pskcxml'), { password: 'QWERTY' })).message,
    ).toMatch(/wrong --password/);
  });

  test('an encrypted file without --key or --password says which one it needs', () => {
    expect(refusal(() => parse(read('rfc6030-figure6.pskcxml'))).message).toBe(
      'KeyContainer/EncryptionKey: the file is encrypted with a pre-shared key: pass --pskc-key-file FILE (or --key HEX)',
    );
    expect(refusal(() => parse(read('rfc6030-figure7.pskcxml'))).message).toMatch(
      /pass --password/,
    );
  });

  test('a key of the wrong length for the cipher is refused', () => {
    expect(
      refusal(() => parse(read('rfc6030-figure6.pskcxml'), { key: Buffer.alloc(32) })).message,
    ).toMatch(/aes-128-cbc needs a 16-byte key, the encryption key has 32 bytes/);
  });
});

describe('PSKC importer: hostile and broken XML', () => {
  test('a billion-laughs file is refused before parsing', () => {
    expect(refusal(() => parse(read('billion-laughs.pskcxml'))).message).toBe(
      'PSKC document line 2: <!DOCTYPE> declarations are not allowed (entity expansion and external entities are refused)',
    );
  });

  test('an external entity file is refused and nothing is read', () => {
    expect(refusal(() => parse(read('external-entity.pskcxml'))).message).toMatch(
      /<!DOCTYPE> declarations are not allowed/,
    );
  });

  test('an ENTITY declaration without a DOCTYPE, or an undeclared entity, never expands', () => {
    expect(refusal(() => parse('<!ENTITY x "y"><KeyContainer/>')).message).toMatch(/<!ENTITY>/);
    const undeclared = read('rfc6030-figure3.pskcxml').replace('987654321', '&xxe;');
    expect(refusal(() => parse(undeclared)).message).toMatch(
      /SerialNo: serial: expected only the characters/,
    );
  });

  const swap = (from: string | RegExp, to: string) =>
    read('rfc6030-figure3.pskcxml').replace(from, to);
  test.each([
    ['<KeyContainer', /not well-formed XML/, '<KeyContainer><broken'],
    [
      'urn:ietf:params:xml:ns:keyprov:pskc:hotp',
      /KeyPackage #1 \(SerialNo 987654321\)\/Key: unknown Algorithm "urn:x:ocra"/,
      'urn:x:ocra',
    ],
    ['Length="8"', /ResponseFormat: Length: expected 6 or 8 digits, got "7"/, 'Length="7"'],
    ['Encoding="DECIMAL"', /Encoding "HEXADECIMAL" is not supported/, 'Encoding="HEXADECIMAL"'],
    ['MTIzNDU2Nzg5MDEyMzQ1Njc4OTA=', /Secret\/PlainValue: expected base64/, 'MTIz*NDU2'],
    ['MTIzNDU2Nzg5MDEyMzQ1Njc4OTA=', /Secret: seed: expected 10\.\.64 bytes, got 4/, 'MTIzNA=='],
    [
      '<PlainValue>0</PlainValue>',
      /Counter\/PlainValue: expected a non-negative integer, got "-1"/,
      '<PlainValue>-1</PlainValue>',
    ],
    ['Version="1.0"', /KeyContainer: Version "2.0" is not supported/, 'Version="2.0"'],
  ])('a broken field is refused with its path (%s)', (from, message, to) => {
    expect(refusal(() => parse(swap(from, to))).message).toMatch(message);
  });

  test('without DeviceInfo/SerialNo the Key Id is the serial', () => {
    const [t] = parse(swap('<SerialNo>987654321</SerialNo>', ''));
    expect(t).toMatchObject({ serial: '12345678', origin: 'KeyPackage #1 (Key Id 12345678)' });
  });

  test('a document without a KeyContainer or without KeyPackages is refused', () => {
    expect(refusal(() => parse('<Tokens/>')).message).toBe(
      'document: no KeyContainer element: not a PSKC file',
    );
    expect(
      refusal(() => parse('<KeyContainer Version="1.0"><EncryptionKey/></KeyContainer>')).message,
    ).toMatch(/KeyContainer/);
  });

  test('TOTP with T0 other than 0 or a 45 s step is refused', () => {
    const totp = read('pskc-totp.pskcxml');
    expect(
      refusal(() =>
        parse(totp.replace('<pskc:Time><pskc:PlainValue>0', '<pskc:Time><pskc:PlainValue>100')),
      ).message,
    ).toMatch(/Data\/Time: only T0 = 0/);
    expect(refusal(() => parse(totp.replace('>60<', '>45<'))).message).toMatch(
      /Data\/TimeInterval: expected 30 or 60 seconds, got 45/,
    );
  });
});
