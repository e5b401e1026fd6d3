import type { ImportedToken } from '../../types';
import { shownValue } from '../../../core';
import { ImportError } from '../errors';
import {
  containerNeeds,
  resolveContainerKeys,
  type ContainerNeeds,
  type PskcSecrets,
} from './container-keys';
import { parseKeyPackage } from './key-package';
import { splitPskc, type SplitDocument } from './split';
import { attr, child, parseXmlDocument, refuseDeclarations, type XmlNode } from './xml';

/**
 * RFC 6030 PSKC: a KeyContainer of KeyPackages. The document is refused whole for any bad package
 * (the caller rolls back), for a declared protection that one Secret lacks (a downgrade), and for
 * a key or password given to a plaintext file (it was expected encrypted: it may have been
 * replaced in transit) unless the operator says plaintext is fine. KeyPackages are parsed one at a
 * time (split.ts), so memory stays near the file's size.
 */
const SUPPORTED_VERSION = '1.0';

export interface PskcOptions {
  /** Import a plaintext file although a key or password was given (`--allow-plaintext`). */
  readonly allowPlaintext?: boolean;
}

/** A container opened far enough to tell what unlocking it needs, before any secret is asked for. */
export interface OpenedPskc extends ContainerNeeds {
  readonly container: XmlNode;
  readonly split: SplitDocument;
}

export function openPskc(xml: string): OpenedPskc {
  refuseDeclarations(xml);
  const split = splitPskc(xml);
  const doc = parseXmlDocument(split.header);
  const container = child(doc, 'KeyContainer');
  if (container === undefined || typeof container === 'string') {
    throw new ImportError('document', 'no KeyContainer element: not a PSKC file');
  }
  const version = attr(container, 'Version');
  if (version !== undefined && version !== SUPPORTED_VERSION) {
    throw new ImportError(
      'KeyContainer',
      `Version ${shownValue(version)} is not supported (expected 1.0)`,
    );
  }
  if (split.packageCount === 0) throw new ImportError('KeyContainer', 'no KeyPackage elements');
  return { container, split, ...containerNeeds(container) };
}

/**
 * The tokens in document order. The container-level checks and the key derivation run at once (so
 * a wrong password fails before an import session opens); the packages are parsed as iterated.
 */
export function pskcTokens(
  opened: OpenedPskc,
  secrets: PskcSecrets = {},
  options: PskcOptions = {},
): Generator<ImportedToken> {
  const given = secrets.key !== undefined || secrets.password !== undefined;
  if (given && opened.protectedContainer === undefined && options.allowPlaintext !== true)
    throw new ImportError(
      'KeyContainer',
      'the file is not encrypted, but a key or password was given: it was expected encrypted and may have been replaced in transit (check it, then pass --allow-plaintext to import it as it is)',
    );
  const keys = resolveContainerKeys(opened.container, secrets);
  return (function* () {
    let index = 0;
    for (const slice of opened.split.packages()) {
      index++;
      const doc = parseXmlDocument(slice.text, `KeyPackage #${index} (line ${slice.line})`);
      const pkg = child(doc, 'KeyPackage');
      if (pkg === undefined) throw new ImportError(`KeyPackage #${index}`, 'empty');
      const token = parseKeyPackage(pkg, index, keys);
      if (token) yield token;
    }
  })();
}

/** The whole document at once (tests, small inputs); files go through importFile. */
export function* parsePskc(
  xml: string,
  secrets: PskcSecrets = {},
  options: PskcOptions = {},
): Generator<ImportedToken> {
  yield* pskcTokens(openPskc(xml), secrets, options);
}
