import type { Digits, HashAlgorithm, Period } from '../../../otp';
import type { ImportedToken } from '../../types';
import { shownValue } from '../../../core';
import { ImportError } from '../errors';
import { checkSeed, parseSerial } from '../fields';
import { cipherOf, type ContainerKeys } from './container-keys';
import { decodeBase64, decryptCbc, macMatches } from './crypto';
import { attr, child, path, textOf, type XmlNode } from './xml';

/**
 * One KeyPackage of an RFC 6030 container: a DeviceInfo (Manufacturer, SerialNo) and one Key whose
 * Algorithm is HOTP or TOTP. PIN keys (Algorithm ...:pin, the PIN of another key) are not tokens:
 * null. In a container that declares encryption or a MAC, the Secret must be encrypted and its
 * ValueMAC must match; a plaintext Secret there is a downgrade and refuses the file.
 */
const ALGORITHM = /^urn:ietf:params:xml:ns:keyprov:pskc[:#](hotp|totp|pin)$/i;
export function parseKeyPackage(
  pkg: XmlNode,
  index: number,
  keys: ContainerKeys,
): ImportedToken | null {
  const serialNo = textOf(path(pkg, 'DeviceInfo', 'SerialNo'));
  const key = child(pkg, 'Key');
  const keyId = attr(key, 'Id');
  const origin = `KeyPackage #${index}${serialNo ? ` (SerialNo ${serialNo})` : keyId ? ` (Key Id ${keyId})` : ''}`;
  if (key === undefined) throw new ImportError(origin, 'Key: missing');
  const at = (sub: string) => `${origin}/Key${sub}`;
  const uri = attr(key, 'Algorithm') ?? '';
  const algo = ALGORITHM.exec(uri);
  if (!algo) {
    throw new ImportError(
      at(''),
      `unknown Algorithm ${shownValue(uri)} (expected the PSKC hotp or totp URN)`,
    );
  }
  const kind = algo[1]!.toLowerCase();
  if (kind === 'pin') return null;
  const serial = parseSerial(serialNo || keyId, `${origin}/DeviceInfo/SerialNo`);
  const digits = responseDigits(key, at);
  const algorithm = suiteHash(key, at);
  const data = child(key, 'Data');
  if (data === undefined) throw new ImportError(at('/Data'), 'missing');
  const secretNode = child(data, 'Secret');
  if (secretNode === undefined) throw new ImportError(at('/Data/Secret'), 'missing');
  const secret = checkSeed(secretBytes(secretNode, at('/Data/Secret'), keys), at('/Data/Secret'));
  const counter = intValue(child(data, 'Counter'), at('/Data/Counter'), keys, false);
  const time = intValue(child(data, 'Time'), at('/Data/Time'), keys, false);
  if (time !== undefined && time !== 0) {
    // Time carries T0 for TOTP; the engine counts steps from the Unix epoch.
    throw new ImportError(
      at('/Data/Time'),
      `only T0 = 0 (the Unix epoch) is supported, got ${time}`,
    );
  }
  if (kind === 'hotp') {
    return {
      serial,
      kind: 'hotp',
      algorithm,
      digits,
      period: 30,
      secret,
      counter: counter ?? 0,
      origin,
    };
  }
  const interval = intValue(child(data, 'TimeInterval'), at('/Data/TimeInterval'), keys, false);
  if (interval !== undefined && interval !== 30 && interval !== 60) {
    throw new ImportError(at('/Data/TimeInterval'), `expected 30 or 60 seconds, got ${interval}`);
  }
  const drift = intValue(child(data, 'TimeDrift'), at('/Data/TimeDrift'), keys, true);
  return {
    serial,
    kind: 'totp',
    algorithm,
    digits,
    period: (interval ?? 30) as Period,
    secret,
    drift: drift ?? 0,
    origin,
  };
}

function responseDigits(key: XmlNode, at: (s: string) => string): Digits {
  const format = path(key, 'AlgorithmParameters', 'ResponseFormat');
  if (format === undefined) return 6; // as privacyIDEA: a file without ResponseFormat means 6
  const where = at('/AlgorithmParameters/ResponseFormat');
  const encoding = attr(format, 'Encoding');
  if (encoding !== undefined && encoding.toUpperCase() !== 'DECIMAL') {
    throw new ImportError(
      where,
      `Encoding ${shownValue(encoding)} is not supported (expected DECIMAL)`,
    );
  }
  const length = attr(format, 'Length');
  if (length !== '6' && length !== '8') {
    throw new ImportError(where, `Length: expected 6 or 8 digits, got ${shownValue(length ?? '')}`);
  }
  return Number(length) as Digits;
}

/** Vendors name a SHA-2 variant in AlgorithmParameters/Suite ("HMAC-SHA256"); HOTP's is SHA-1. */
function suiteHash(key: XmlNode, at: (s: string) => string): HashAlgorithm {
  const suite = textOf(path(key, 'AlgorithmParameters', 'Suite'));
  if (suite === undefined || suite === '') return 'sha1';
  const s = suite.toLowerCase().replace(/[^a-z0-9]/g, '');
  if (s.endsWith('sha1')) return 'sha1';
  if (s.endsWith('sha256')) return 'sha256';
  if (s.endsWith('sha512')) return 'sha512';
  throw new ImportError(at('/AlgorithmParameters/Suite'), `unsupported suite ${shownValue(suite)}`);
}

/**
 * The Secret. Where the container declares protection (EncryptionKey or MACMethod), only an
 * EncryptedValue with a matching ValueMAC will do: a PlainValue beside them would let whoever
 * altered the file in transit plant a seed they know under a serial they choose.
 */
function secretBytes(node: XmlNode, where: string, keys: ContainerKeys): Uint8Array {
  if (keys.protectedContainer && child(node, 'EncryptedValue') === undefined)
    throw new ImportError(
      where,
      `not encrypted, but the KeyContainer declares ${keys.protectedContainer}: every Secret must be encrypted and carry a ValueMAC (the file may have been altered; nothing was imported)`,
    );
  return valueBytes(node, where, keys);
}

/** A Data value: PlainValue (base64 for Secret) or EncryptedValue with its ValueMAC. */
function valueBytes(node: XmlNode, where: string, keys: ContainerKeys): Uint8Array {
  const plain = child(node, 'PlainValue');
  if (plain !== undefined) return decodeBase64(textOf(plain), `${where}/PlainValue`);
  const encrypted = child(node, 'EncryptedValue');
  if (encrypted === undefined)
    throw new ImportError(where, 'expected PlainValue or EncryptedValue');
  return decryptValue(node, encrypted, where, keys);
}

function decryptValue(
  node: XmlNode,
  encrypted: XmlNode,
  where: string,
  keys: ContainerKeys,
): Uint8Array {
  const cipher = cipherOf(encrypted, `${where}/EncryptedValue/EncryptionMethod`);
  const blob = decodeBase64(
    textOf(path(encrypted, 'CipherData', 'CipherValue')),
    `${where}/EncryptedValue/CipherData/CipherValue`,
  );
  if (keys.encryptionKey === undefined) {
    throw new ImportError(
      `${where}/EncryptedValue`,
      'encrypted, but no key: pass --pskc-key-file FILE or --password-file FILE',
    );
  }
  // The MAC is checked before decrypting, so a tampered value never reaches the cipher.
  const macText = textOf(child(node, 'ValueMAC'));
  if (macText === undefined)
    throw new ImportError(`${where}/ValueMAC`, 'missing: every encrypted value must carry a MAC');
  if (keys.mac === undefined) {
    throw new ImportError(
      `${where}/ValueMAC`,
      'the KeyContainer has no MACMethod to check it with',
    );
  }
  const mac = decodeBase64(macText, `${where}/ValueMAC`);
  if (!macMatches(keys.mac.hash, keys.mac.key, blob, mac)) {
    throw new ImportError(
      `${where}/ValueMAC`,
      `does not match (${keys.wrongKeyHint}, or the file was altered)`,
    );
  }
  return decryptCbc(cipher, keys.encryptionKey, blob, `${where}/EncryptedValue`, keys.wrongKeyHint);
}

/** Counter, Time, TimeInterval, TimeDrift: decimal PlainValue, or an encrypted big-endian integer. */
function intValue(
  node: XmlNode | undefined,
  where: string,
  keys: ContainerKeys,
  signed: boolean,
): number | undefined {
  if (node === undefined) return undefined;
  const plain = child(node, 'PlainValue');
  let value: bigint;
  if (plain !== undefined) {
    const t = (textOf(plain) ?? '').trim();
    if (!(signed ? /^-?\d{1,16}$/ : /^\d{1,16}$/).test(t)) {
      throw new ImportError(
        `${where}/PlainValue`,
        `expected ${signed ? 'an' : 'a non-negative'} integer, got ${shownValue(t)}`,
      );
    }
    value = BigInt(t);
  } else {
    const encrypted = child(node, 'EncryptedValue');
    if (encrypted === undefined)
      throw new ImportError(where, 'expected PlainValue or EncryptedValue');
    const bytes = decryptValue(node, encrypted, where, keys);
    if (bytes.length === 0 || bytes.length > 8) {
      throw new ImportError(where, `expected a 1..8-byte integer, got ${bytes.length} bytes`);
    }
    value = BigInt('0x' + Buffer.from(bytes).toString('hex'));
    if (signed && bytes[0]! & 0x80) value -= 1n << BigInt(8 * bytes.length);
  }
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < -BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new ImportError(where, 'integer out of range');
  }
  return Number(value);
}
