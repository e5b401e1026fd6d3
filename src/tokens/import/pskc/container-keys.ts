import { mayShow, shownValue } from '../../../core';
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
  /**
   * What the container declares that protects its secrets ('EncryptionKey', 'MACMethod' or both),
   * or undefined for a plaintext container. Declared protection binds every Secret to it.
   */
  readonly protectedContainer: string | undefined;
}

/** What unlocking a container takes, known before any secret is asked for (the CLI's prompt). */
export interface ContainerNeeds {
  readonly needs: 'key' | 'password' | undefined;
  /** The pre-shared key's KeyName, to show when asking for it. */
  readonly keyName: string | undefined;
  readonly protectedContainer: string | undefined;
}

export function containerNeeds(container: XmlNode): ContainerNeeds {
  const encryptionKey = child(container, 'EncryptionKey');
  const macMethod = child(container, 'MACMethod');
  const declared = [
    ...(encryptionKey !== undefined ? ['EncryptionKey'] : []),
    ...(macMethod !== undefined ? ['MACMethod'] : []),
  ];
  const derived = child(encryptionKey, 'DerivedKey') !== undefined;
  return {
    needs: derived ? 'password' : declared.length > 0 ? 'key' : undefined,
    keyName: textOf(child(encryptionKey, 'KeyName')),
    protectedContainer: declared.length > 0 ? declared.join(' and ') : undefined,
  };
}

const PBKDF2_SUFFIX = '#pbkdf2'; // PKCS #5 v2.0 schema: ...pkcs-5v2-0#pbkdf2

export function resolveContainerKeys(container: XmlNode, secrets: PskcSecrets): ContainerKeys {
  const { protectedContainer } = containerNeeds(container);
  const encryptionKeyNode = child(container, 'EncryptionKey');
  const derived = child(encryptionKeyNode, 'DerivedKey');
  let encryptionKey: Uint8Array | undefined = secrets.key;
  let wrongKeyHint = 'wrong --key';
  if (encryptionKey === undefined && derived !== undefined) {
    if (secrets.password === undefined) {
      throw new ImportError(
        'KeyContainer/EncryptionKey/DerivedKey',
        'the file is encrypted with a password-derived key: pass --password-file FILE (or --password)',
      );
    }
    encryptionKey = deriveKey(derived, secrets.password);
    wrongKeyHint = 'wrong --password';
  } else if (encryptionKey === undefined && encryptionKeyNode !== undefined) {
    const name = textOf(child(encryptionKeyNode, 'KeyName'));
    throw new ImportError(
      'KeyContainer/EncryptionKey',
      `the file is encrypted with a pre-shared key${name && mayShow(name) ? ` (${JSON.stringify(name)})` : ''}: pass --pskc-key-file FILE (or --key HEX)`,
    );
  }
  const macMethod = child(container, 'MACMethod');
  if (macMethod === undefined)
    return { encryptionKey, mac: undefined, wrongKeyHint, protectedContainer };
  const where = 'KeyContainer/MACMethod';
  const hash = macHash(attr(macMethod, 'Algorithm'), where);
  const macKeyNode = child(macMethod, 'MACKey');
  if (macKeyNode === undefined) throw new ImportError(`${where}/MACKey`, 'missing');
  if (encryptionKey === undefined) {
    throw new ImportError(
      `${where}/MACKey`,
      'the MAC key is encrypted: pass --pskc-key-file FILE or --password-file FILE',
    );
  }
  const cipher = cipherOf(macKeyNode, `${where}/MACKey/EncryptionMethod`);
  const blob = decodeBase64(
    textOf(path(macKeyNode, 'CipherData', 'CipherValue')),
    `${where}/MACKey/CipherData/CipherValue`,
  );
  const key = decryptCbc(cipher, encryptionKey, blob, `${where}/MACKey`, wrongKeyHint);
  return { encryptionKey, mac: { hash, key }, wrongKeyHint, protectedContainer };
}

export function cipherOf(encrypted: XmlNode, location: string): CipherSpec {
  const method = child(encrypted, 'EncryptionMethod');
  const uri = attr(method, 'Algorithm');
  if (uri === undefined) throw new ImportError(location, 'Algorithm missing');
  const cipher = CIPHERS[uri];
  if (!cipher) {
    throw new ImportError(
      location,
      `unsupported encryption ${shownValue(uri)} (expected aes128-cbc, aes192-cbc or aes256-cbc)`,
    );
  }
  return cipher;
}

function macHash(uri: string | undefined, location: string): string {
  const hash = uri === undefined ? undefined : HMACS[uri];
  if (!hash) {
    throw new ImportError(
      location,
      `unsupported MAC algorithm ${shownValue(uri ?? '')} (expected hmac-sha1 or hmac-sha2)`,
    );
  }
  return hash;
}

function deriveKey(derived: XmlNode, password: string): Uint8Array {
  const where = 'KeyContainer/EncryptionKey/DerivedKey/KeyDerivationMethod';
  const method = child(derived, 'KeyDerivationMethod');
  const uri = attr(method, 'Algorithm') ?? '';
  if (!uri.toLowerCase().endsWith(PBKDF2_SUFFIX)) {
    throw new ImportError(where, `unsupported key derivation ${shownValue(uri)} (expected PBKDF2)`);
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
  if (!prf) throw new ImportError(`${p}/PRF`, `unsupported PRF ${shownValue(prfUri ?? '')}`);
  return pbkdf2(password, salt, iterations, keyBytes, prf);
}

function positiveInt(text: string | undefined, location: string): number {
  const t = (text ?? '').trim();
  if (!/^\d{1,10}$/.test(t) || Number(t) < 1) {
    throw new ImportError(location, `expected a positive integer, got ${shownValue(t)}`);
  }
  return Number(t);
}
