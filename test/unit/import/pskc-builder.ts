import { createCipheriv, createHmac, pbkdf2Sync } from 'node:crypto';

/**
 * Builds encrypted PSKC documents for tests, with the layout of RFC 6030 Figures 6 and 7:
 * AES-CBC with the IV in front, the MAC key encrypted under the same key, ValueMAC = HMAC over
 * IV || ciphertext. Knobs let a test break exactly one thing.
 */
export interface BuildOptions {
  readonly cipher?: 'aes128-cbc' | 'aes192-cbc' | 'aes256-cbc';
  readonly key: Buffer;
  readonly macKey?: Buffer;
  readonly macHash?: 'sha1' | 'sha256';
  readonly pbkdf2?: { salt: Buffer; iterations: number };
  readonly packages: ReadonlyArray<{
    serial: string;
    secret: Buffer;
    kind?: 'hotp' | 'totp';
    counter?: number;
    /** Encrypt the counter too (8-byte big-endian). */
    encryptCounter?: boolean;
    /** Flip one bit of the ValueMAC. */
    badMac?: boolean;
    /** Leave the ValueMAC out. */
    noMac?: boolean;
    /** A PlainValue Secret in this otherwise protected container (the downgrade of issue 11). */
    plainSecret?: boolean;
  }>;
}

const NODE: Record<string, string> = {
  'aes128-cbc': 'aes-128-cbc',
  'aes192-cbc': 'aes-192-cbc',
  'aes256-cbc': 'aes-256-cbc',
};
const MAC_URI: Record<string, string> = {
  sha1: 'http://www.w3.org/2000/09/xmldsig#hmac-sha1',
  sha256: 'http://www.w3.org/2001/04/xmldsig-more#hmac-sha256',
};

export function buildEncryptedPskc(o: BuildOptions): string {
  const cipher = o.cipher ?? 'aes128-cbc';
  const macKey = o.macKey ?? Buffer.alloc(20, 0x5a);
  const macHash = o.macHash ?? 'sha1';
  const uri = `http://www.w3.org/2001/04/xmlenc#${cipher}`;
  let iv = 0;
  const encrypt = (plain: Buffer): Buffer => {
    const ivBytes = Buffer.alloc(16, ++iv);
    const c = createCipheriv(NODE[cipher]!, o.key, ivBytes);
    return Buffer.concat([ivBytes, c.update(plain), c.final()]);
  };
  const encryptedValue = (plain: Buffer, badMac = false, noMac = false) => {
    const blob = encrypt(plain);
    const mac = createHmac(macHash, macKey).update(blob).digest();
    if (badMac) mac.writeUInt8(mac.readUInt8(0) ^ 0x01, 0);
    return `<EncryptedValue>
            <xenc:EncryptionMethod Algorithm="${uri}"/>
            <xenc:CipherData><xenc:CipherValue>${blob.toString('base64')}</xenc:CipherValue></xenc:CipherData>
          </EncryptedValue>${noMac ? '' : `\n          <ValueMAC>${mac.toString('base64')}</ValueMAC>`}`;
  };
  const encryptionKey = o.pbkdf2
    ? `<EncryptionKey>
    <xenc11:DerivedKey>
      <xenc11:KeyDerivationMethod Algorithm="http://www.rsasecurity.com/rsalabs/pkcs/schemas/pkcs-5v2-0#pbkdf2">
        <pkcs5:PBKDF2-params>
          <Salt><Specified>${o.pbkdf2.salt.toString('base64')}</Specified></Salt>
          <IterationCount>${o.pbkdf2.iterations}</IterationCount>
          <KeyLength>${o.key.length}</KeyLength>
          <PRF/>
        </pkcs5:PBKDF2-params>
      </xenc11:KeyDerivationMethod>
    </xenc11:DerivedKey>
  </EncryptionKey>`
    : `<EncryptionKey><ds:KeyName>Pre-shared-key</ds:KeyName></EncryptionKey>`;
  const packages = o.packages
    .map((p) => {
      const counter =
        p.counter === undefined
          ? ''
          : p.encryptCounter
            ? `<Counter>${encryptedValue(bigEndian8(p.counter))}</Counter>`
            : `<Counter><PlainValue>${p.counter}</PlainValue></Counter>`;
      return `  <KeyPackage>
    <DeviceInfo><Manufacturer>Test</Manufacturer><SerialNo>${p.serial}</SerialNo></DeviceInfo>
    <Key Algorithm="urn:ietf:params:xml:ns:keyprov:pskc:${p.kind ?? 'hotp'}">
      <AlgorithmParameters><ResponseFormat Length="6" Encoding="DECIMAL"/></AlgorithmParameters>
      <Data>
        <Secret>
          ${p.plainSecret ? `<PlainValue>${p.secret.toString('base64')}</PlainValue>` : encryptedValue(p.secret, p.badMac, p.noMac)}
        </Secret>
        ${counter}
      </Data>
    </Key>
  </KeyPackage>`;
    })
    .join('\n');
  const macKeyBlob = encrypt(macKey).toString('base64');
  return `<?xml version="1.0" encoding="UTF-8"?>
<KeyContainer Version="1.0" xmlns="urn:ietf:params:xml:ns:keyprov:pskc"
    xmlns:ds="http://www.w3.org/2000/09/xmldsig#" xmlns:xenc="http://www.w3.org/2001/04/xmlenc#"
    xmlns:xenc11="http://www.w3.org/2009/xmlenc11#"
    xmlns:pkcs5="http://www.rsasecurity.com/rsalabs/pkcs/schemas/pkcs-5v2-0#">
  ${encryptionKey}
  <MACMethod Algorithm="${MAC_URI[macHash]}">
    <MACKey>
      <xenc:EncryptionMethod Algorithm="${uri}"/>
      <xenc:CipherData><xenc:CipherValue>${macKeyBlob}</xenc:CipherValue></xenc:CipherData>
    </MACKey>
  </MACMethod>
${packages}
</KeyContainer>
`;
}

export function deriveTestKey(
  password: string,
  salt: Buffer,
  iterations: number,
  bytes: number,
): Buffer {
  return pbkdf2Sync(password, salt, iterations, bytes, 'sha1');
}

function bigEndian8(n: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n));
  return b;
}
