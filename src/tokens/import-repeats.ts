import { ErrorCode, StoreError } from '../core';
import type { ImportedToken } from './types';

/**
 * The serials and public ids one import has taken so far, for every store's import session: a
 * record that repeats one inside the file is refused as a repeat, naming where it came first, not
 * as "already in the registry" (a dry run would otherwise blame the registry for the file).
 */
export class ImportRepeats {
  private readonly serials = new Map<string, string>();
  private readonly publicIds = new Map<string, string>();

  /** Throws TOKEN_EXISTS when `token` repeats a serial or public id of this import. */
  check(token: ImportedToken): void {
    const first = this.serials.get(token.serial);
    if (first !== undefined)
      throw new StoreError(
        ErrorCode.TOKEN_EXISTS,
        `${token.origin}: serial ${token.serial} appears twice in this import (first at ${first})`,
      );
    const owner = token.publicId === undefined ? undefined : this.publicIds.get(token.publicId);
    if (owner !== undefined)
      throw new StoreError(
        ErrorCode.TOKEN_EXISTS,
        `${token.origin}: public id ${token.publicId} appears twice in this import (first at ${owner})`,
      );
    this.serials.set(token.serial, token.origin);
    if (token.publicId !== undefined) this.publicIds.set(token.publicId, token.origin);
  }
}
