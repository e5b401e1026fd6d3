import { ErrorCode, StoreError } from '../core';
import type { ImportedToken, ImportOptions } from './types';

/** Where an import found a serial before this record: in the registry, or earlier in the file. */
export interface SerialSeen {
  readonly inRegistry: boolean;
  /** The origin (`line 3`, a PSKC key's id) of this import's earlier record of the serial. */
  readonly firstAt: string | undefined;
}

/**
 * Every store's import session asks this before it stages a record: without --replace, a serial
 * the registry has is refused as such, and one the file repeats is refused as a repeat, naming
 * where it came first, not as "already in the registry" (a dry run would otherwise blame the
 * registry for the file).
 */
export function checkSerialFree(
  token: ImportedToken,
  seen: SerialSeen,
  options: ImportOptions,
): void {
  if (options.replace) return;
  if (seen.inRegistry)
    throw new StoreError(
      ErrorCode.TOKEN_EXISTS,
      `${token.origin}: serial ${token.serial} is already in the registry (use --replace to overwrite it)`,
    );
  if (seen.firstAt !== undefined)
    throw new StoreError(
      ErrorCode.TOKEN_EXISTS,
      `${token.origin}: serial ${token.serial} appears twice in this import (first at ${seen.firstAt}; use --replace to keep the last one)`,
    );
}

/** Refuses a record whose public id another serial has, in the registry or earlier in the file. */
export function checkPublicIdFree(token: ImportedToken, owner: string | undefined): void {
  if (owner !== undefined && owner !== token.serial)
    throw new StoreError(
      ErrorCode.TOKEN_EXISTS,
      `${token.origin}: public id ${token.publicId} already belongs to token ${owner}`,
    );
}
