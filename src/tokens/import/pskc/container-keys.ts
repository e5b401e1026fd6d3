import { ImportError } from '../errors';
import {
  CIPHERS,
  DEFAULT_PRF,
  HMACS,
  MAX_PBKDF2_ITERATIONS,
  decodeBase64,
  decryptCbc,
  pbkdf2,
  type CipherSpec,
} from './crypto';
import { attr, child, path, textOf, type XmlNode } from './xml';

/** How the caller unlocks an encrypted PSKC file. */
export interface PskcSecrets {
  /** Pre-shared key (EncryptionKey/KeyName), or the already derived key. */
  readonly key?: Uint8Array;
  /** Password for EncryptionKey/DerivedKey (PBKDF2). */
  readonly password?: string;
}

/** The keys a container's encrypted values need; resolved once per file. */
export interface ContainerKeys {
  readonly encryptionKey: Uint8Array | undefined;
  readonly mac: { readonly hash: string; readonly key: Uint8Array } | undefined;
  /** What to tell the user when decryption fails. */
  readonly wrongKeyHint: string;
}

const PBKDF2_SUFFIX = '#pbkdf2'; // PKCS #5 v2.0 schema: ...pkcs-5v2-0#pbkdf2

export function resolveContainerKeys(container: XmlNode, secrets: PskcSecrets): ContainerKeys {
  const encryptionKeyNode = child(container, 'EncryptionKey');
  const derived = child(encryptionKeyNode, 'DerivedKey');
  let encryptionKey: Uint8Array | undefined = secrets.key;
  let wrongKeyHint = 'wrong --key';
  if (encryptionKey === undefined && derived !== undefined) {
    if (secrets.password === undefined) {
      throw new ImportError(
        'KeyContainer/EncryptionKey/DerivedKey',
        'the file is encrypted with a password-derived key: pass --password',
      );
    }
    encryptionKey = deriveKey(derived, secrets.password);
    wrongKeyHint = 'wrong --password';
  } else if (encryptionKey === undefined && encryptionKeyNode !== undefined) {
    const name = textOf(child(encryptionKeyNode, 'KeyName'));
    throw new ImportError(
      'KeyContainer/EncryptionKey',
      `the file is encrypted with a pre-shared key${name ? ` ("${name}")` : ''}: pass --key HEX`,
    );
  }
  const macMethod = child(container, 'MACMethod');
  if (macMethod === undefined) return { encryptionKey, mac: undefined, wrongKeyHint };
  const where = 'KeyContainer/MACMethod';
  const hash = macHash(attr(macMethod, 'Algorithm'), where);
  const macKeyNode = child(macMethod, 'MACKey');
  if (macKeyNode === undefined) throw new ImportError(`${where}/MACKey`, 'missing');
  if (encryptionKey === undefined) {
    throw new ImportError(
      `${where}/MACKey`,
      'the MAC key is encrypted: pass --key HEX or --password',
    );
  }
  const cipher = cipherOf(macKeyNode, `${where}/MACKey/EncryptionMethod`);
  const blob = decodeBase64(
    textOf(path(macKeyNode, 'CipherData', 'CipherValue')),
    `${where}/MACKey/CipherData/CipherValue`,
  );
  const key = decryptCbc(cipher, encryptionKey, blob, `${where}/MACKey`, wrongKeyHint);
  return { encryptionKey, mac: { hash, key }, wrongKeyHint };
}

export function cipherOf(encrypted: XmlNode, location: string): CipherSpec {
  const method = child(encrypted, 'EncryptionMethod');
  const uri = attr(method, 'Algorithm');
  if (uri === undefined) throw new ImportError(location, 'Algorithm missing');
  const cipher = CIPHERS[uri];
  if (!cipher) {
    throw new ImportError(
      location,
      `unsupported encryption "${uri}" (expected aes128-cbc, aes192-cbc or aes256-cbc)`,
    );
  }
  return cipher;
}

function macHash(uri: string | undefined, location: string): string {
  const hash = uri === undefined ? undefined : HMACS[uri];
  if (!hash) {
    throw new ImportError(
      location,
      `unsupported MAC algorithm "${uri ?? ''}" (expected hmac-sha1 or hmac-sha2)`,
    );
  }
  return hash;
}

function deriveKey(derived: XmlNode, password: string): Uint8Array {
  const where = 'KeyContainer/EncryptionKey/DerivedKey/KeyDerivationMethod';
  const method = child(derived, 'KeyDerivationMethod');
  const uri = attr(method, 'Algorithm') ?? '';
  if (!uri.toLowerCase().endsWith(PBKDF2_SUFFIX)) {
    throw new ImportError(where, `unsupported key derivation "${uri}" (expected PBKDF2)`);
  }
  const params = child(method, 'PBKDF2-params');
  if (params === undefined) throw new ImportError(`${where}/PBKDF2-params`, 'missing');
  const p = `${where}/PBKDF2-params`;
  const salt = decodeBase64(textOf(path(params, 'Salt', 'Specified')), `${p}/Salt/Specified`);
  const iterations = positiveInt(textOf(child(params, 'IterationCount')), `${p}/IterationCount`);
  if (iterations > MAX_PBKDF2_ITERATIONS) {
    throw new ImportError(
      `${p}/IterationCount`,
      `at most ${MAX_PBKDF2_ITERATIONS}, got ${iterations}`,
    );
  }
  const keyBytes = positiveInt(textOf(child(params, 'KeyLength')), `${p}/KeyLength`);
  if (keyBytes !== 16 && keyBytes !== 24 && keyBytes !== 32) {
    throw new ImportError(`${p}/KeyLength`, `expected 16, 24 or 32 bytes, got ${keyBytes}`);
  }
  const prfNode = child(params, 'PRF');
  const prfUri = attr(prfNode, 'Algorithm');
  const prf = prfUri === undefined ? DEFAULT_PRF : HMACS[prfUri];
  if (!prf) throw new ImportError(`${p}/PRF`, `unsupported PRF "${prfUri ?? ''}"`);
  return pbkdf2(password, salt, iterations, keyBytes, prf);
}

function positiveInt(text: string | undefined, location: string): number {
  const t = (text ?? '').trim();
  if (!/^\d{1,10}$/.test(t) || Number(t) < 1) {
    throw new ImportError(location, `expected a positive integer, got "${t}"`);
  }
  return Number(t);
}
