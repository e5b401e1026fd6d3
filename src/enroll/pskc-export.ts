import { createCipheriv, createHmac } from 'node:crypto';
import { ValidationError } from '../core';
import type { RandomBytes } from './credentials';
import type { NewCredential } from './types';

/**
 * RFC 6030 PSKC for one new OATH-HOTP seed, encrypted with a pre-shared AES-128 key (section
 * 6.1): the seed as XML Encryption aes128-cbc with the IV in front, a MAC key that travels
 * encrypted under the same key, and an HMAC-SHA256 ValueMAC over IV ‖ ciphertext. `tokens import
 * FILE --format pskc --key HEX` reads it back.
 */
export const PSKC_NS = 'urn:ietf:params:xml:ns:keyprov:pskc';
const XMLDSIG_NS = 'http://www.w3.org/2000/09/xmldsig#';
const XMLENC_NS = 'http://www.w3.org/2001/04/xmlenc#';
const AES128_CBC = 'http://www.w3.org/2001/04/xmlenc#aes128-cbc';
const HMAC_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#hmac-sha256';
const HOTP_ALGORITHM = 'urn:ietf:params:xml:ns:keyprov:pskc:hotp';
export const PSKC_KEY_BYTES = 16; // AES-128
const MAC_KEY_BYTES = 32; // HMAC-SHA256
const IV_BYTES = 16;

export function pskcExport(
  credential: NewCredential,
  preSharedKey: Uint8Array,
  random: RandomBytes,
): string {
  if (credential.kind !== 'hotp') {
    throw new ValidationError('PSKC export carries OATH-HOTP seeds only');
  }
  if (preSharedKey.length !== PSKC_KEY_BYTES) {
    throw new ValidationError(
      `export key: expected ${PSKC_KEY_BYTES} bytes (AES-128), got ${preSharedKey.length}`,
    );
  }
  const macKey = random(MAC_KEY_BYTES);
  const sealedMacKey = encrypt(preSharedKey, macKey, random(IV_BYTES));
  const sealedSecret = encrypt(preSharedKey, credential.secret, random(IV_BYTES));
  const valueMac = createHmac('sha256', macKey).update(sealedSecret).digest();
  macKey.fill(0);
  const serial = escapeXml(credential.serial);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<KeyContainer Version="1.0" xmlns="${PSKC_NS}" xmlns:ds="${XMLDSIG_NS}" xmlns:xenc="${XMLENC_NS}">`,
    '  <EncryptionKey>',
    '    <ds:KeyName>tokenbridge export key</ds:KeyName>',
    '  </EncryptionKey>',
    `  <MACMethod Algorithm="${HMAC_SHA256}">`,
    '    <MACKey>',
    `      <xenc:EncryptionMethod Algorithm="${AES128_CBC}"/>`,
    `      <xenc:CipherData><xenc:CipherValue>${base64(sealedMacKey)}</xenc:CipherValue></xenc:CipherData>`,
    '    </MACKey>',
    '  </MACMethod>',
    '  <KeyPackage>',
    '    <DeviceInfo>',
    '      <Manufacturer>Yubico</Manufacturer>',
    `      <SerialNo>${serial}</SerialNo>`,
    '    </DeviceInfo>',
    `    <Key Id="${serial}:${credential.slot}" Algorithm="${HOTP_ALGORITHM}">`,
    '      <Issuer>tokenbridge</Issuer>',
    '      <AlgorithmParameters>',
    `        <ResponseFormat Length="${credential.digits}" Encoding="DECIMAL"/>`,
    '      </AlgorithmParameters>',
    '      <Data>',
    '        <Secret>',
    '          <EncryptedValue>',
    `            <xenc:EncryptionMethod Algorithm="${AES128_CBC}"/>`,
    `            <xenc:CipherData><xenc:CipherValue>${base64(sealedSecret)}</xenc:CipherValue></xenc:CipherData>`,
    '          </EncryptedValue>',
    `          <ValueMAC>${base64(valueMac)}</ValueMAC>`,
    '        </Secret>',
    `        <Counter><PlainValue>${credential.counter}</PlainValue></Counter>`,
    '      </Data>',
    '    </Key>',
    '  </KeyPackage>',
    '</KeyContainer>',
    '',
  ].join('\n');
}

/** IV ‖ AES-128-CBC(PKCS#7) of `plain`, as XML Encryption carries it. */
function encrypt(key: Uint8Array, plain: Uint8Array, iv: Uint8Array): Uint8Array {
  const cipher = createCipheriv('aes-128-cbc', key, iv);
  return new Uint8Array(Buffer.concat([iv, cipher.update(plain), cipher.final()]));
}

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64');
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
