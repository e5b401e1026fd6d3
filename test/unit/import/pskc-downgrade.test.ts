import { readFileSync } from 'node:fs';
import {
  checkPskcSize,
  ImportError,
  parsePskc,
  pskcByteLimit,
  type PskcSecrets,
} from '../../../src/tokens/import';
import { splitPskc } from '../../../src/tokens/import/pskc/split';
import { RFC6030_PRESHARED_KEY_HEX, fixture } from '../../fixtures/import/vectors';
import { buildEncryptedPskc } from './pskc-builder';

const KEY = Buffer.from(RFC6030_PRESHARED_KEY_HEX, 'hex');
const SEED = Buffer.from('3132333435363738393031323334353637383930', 'hex');
const KNOWN = Buffer.alloc(20, 0x41); // the seed an attacker knows
const parse = (xml: string, secrets?: PskcSecrets, allowPlaintext = false) => [
  ...parsePskc(xml, secrets, { allowPlaintext }),
];

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ImportError);
    return (err as Error).message;
  }
  throw new Error('expected the file to be refused');
}

describe('PSKC cannot be downgraded', () => {
  test('an encrypted, MAC-protected file with one Secret replaced by a PlainValue is refused whole', () => {
    const xml = buildEncryptedPskc({
      key: KEY,
      packages: [
        { serial: 'G1', secret: SEED },
        { serial: 'PLANTED', secret: KNOWN, plainSecret: true },
        { serial: 'G3', secret: SEED },
      ],
    });
    expect(refusal(() => parse(xml, { key: KEY }))).toBe(
      'KeyPackage #2 (SerialNo PLANTED)/Key/Data/Secret: not encrypted, but the KeyContainer declares EncryptionKey and MACMethod: every Secret must be encrypted and carry a ValueMAC (the file may have been altered; nothing was imported)',
    );
    // --allow-plaintext does not make a protected container's plaintext Secret acceptable.
    expect(refusal(() => parse(xml, { key: KEY }, true))).toMatch(/PLANTED.*not encrypted/);
  });

  test('a PlainValue Secret is refused whichever protection the container declares', () => {
    // The EncryptionKey element taken out too: the MACMethod alone still binds every Secret.
    const macOnly = buildEncryptedPskc({
      key: KEY,
      packages: [{ serial: 'PLANTED', secret: KNOWN, plainSecret: true }],
    }).replace(/<EncryptionKey>.*?<\/EncryptionKey>/s, '');
    expect(refusal(() => parse(macOnly, { key: KEY }))).toMatch(
      /Secret: not encrypted, but the KeyContainer declares MACMethod/,
    );
  });

  test('a plaintext file given with a key or password is refused unless plaintext is allowed', () => {
    const plain = readFileSync(fixture('rfc6030-figure3.pskcxml'), 'utf8');
    for (const secrets of [{ key: KEY }, { password: 'hunter2' }])
      expect(refusal(() => parse(plain, secrets))).toBe(
        'KeyContainer: the file is not encrypted, but a key or password was given: it was expected encrypted and may have been replaced in transit (check it, then pass --allow-plaintext to import it as it is)',
      );
    expect(parse(plain, { key: KEY }, true).map((t) => t.serial)).toEqual(['987654321']);
    // Without a key a plaintext file is a plaintext file, as before.
    expect(parse(plain).map((t) => t.serial)).toEqual(['987654321']);
  });

  test('the untouched encrypted file imports', () => {
    const xml = buildEncryptedPskc({
      key: KEY,
      packages: [
        { serial: 'G1', secret: SEED },
        { serial: 'G2', secret: SEED },
      ],
    });
    expect(parse(xml, { key: KEY }).map((t) => t.serial)).toEqual(['G1', 'G2']);
  });
});

describe('splitPskc: KeyPackages one at a time, boundaries never fooled', () => {
  test('comments, CDATA, processing instructions and ">" in attributes do not move boundaries', () => {
    const xml = [
      '<?xml version="1.0"?>',
      '<p:KeyContainer xmlns:p="urn:x" Version="1.0">',
      '  <!-- <p:KeyPackage> in a comment -->',
      '  <p:EncryptionKey note="a > b"/>',
      '  <p:KeyPackage id="1"><![CDATA[</p:KeyPackage>]]></p:KeyPackage>',
      '  <?pi <p:KeyPackage>?>',
      '  <p:KeyPackage/>',
      '</p:KeyContainer>',
    ].join('\n');
    const split = splitPskc(xml);
    expect([...split.packages()]).toEqual([
      {
        text: '<p:KeyPackage id="1"><![CDATA[</p:KeyPackage>]]></p:KeyPackage>',
        line: 5,
        column: 3,
      },
      { text: '<p:KeyPackage/>', line: 7, column: 3 },
    ]);
    expect(split.header).not.toContain('<p:KeyPackage id');
    expect(split.header).toContain('<p:EncryptionKey note="a > b"/>');
  });

  test.each([
    [
      '<KeyContainer><KeyPackage></KeyContainer>',
      /line 1, column 27: not well-formed XML: <\/KeyContainer> does not close <KeyPackage>/,
    ],
    ['<KeyContainer><KeyPackage>', /<KeyPackage> is never closed/],
    ['<KeyContainer><!-- open', /unterminated comment/],
    ['<KeyContainer a="1><KeyPackage/></KeyContainer>', /unterminated attribute value/],
    ['<KeyContainer>< KeyPackage/></KeyContainer>', /a "<" that starts no tag/],
  ])('%s is refused', (xml, message) => {
    expect(() => splitPskc(xml)).toThrow(message);
  });
});

describe('the size bound is checked before a byte is read', () => {
  test.each<[number, number, number]>([
    [1024 * 2 ** 20, 24 * 2 ** 20, 250 * 2 ** 20],
    [8192 * 2 ** 20, 24 * 2 ** 20, 512 * 2 ** 20],
    [64 * 2 ** 20, 80 * 2 ** 20, 0],
  ])('heap limit %d, used %d: at most %d bytes', (limit, used, max) => {
    expect(pskcByteLimit({ heap_size_limit: limit, used_heap_size: used })).toBe(max);
  });

  test('a file over the bound is refused with what to do', () => {
    expect(() => checkPskcSize(64 * 2 ** 20, 16 * 2 ** 20)).toThrow(
      /^file: 64\.0 MiB is too large for a PSKC import here: at most 16\.0 MiB with a [\d.]+ MiB heap .*NODE_OPTIONS=--max-old-space-size/,
    );
    expect(() => checkPskcSize(16 * 2 ** 20, 16 * 2 ** 20)).not.toThrow();
  });
});
