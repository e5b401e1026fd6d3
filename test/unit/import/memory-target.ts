import { ErrorCode, TokenBridgeError } from '../../../src/core';
import type { ImportTarget } from '../../../src/tokens/import';
import type {
  ImportedToken,
  ImportOptions,
  ImportSession,
  ImportSummary,
} from '../../../src/tokens/types';

/**
 * An in-memory ImportTarget with the session semantics of the contract (stage, commit or roll
 * back; a duplicate serial fails without --replace), so importFile is tested without SQLite. The
 * integration suite runs the same paths through the real store.
 */
export class MemoryImportTarget implements ImportTarget {
  readonly tokens = new Map<string, ImportedToken>();
  readonly sessions: Array<{
    options: ImportOptions;
    state: 'open' | 'committed' | 'rolled back';
  }> = [];

  async beginImport(options: ImportOptions): Promise<ImportSession> {
    const record = { options, state: 'open' as 'open' | 'committed' | 'rolled back' };
    this.sessions.push(record);
    const staged = new Map<string, ImportedToken>();
    let replaced = 0;
    return {
      add: async (token) => {
        if (record.state !== 'open') throw new Error('session closed');
        if (staged.has(token.serial) || this.tokens.has(token.serial)) {
          if (!options.replace) {
            throw new TokenBridgeError(
              ErrorCode.TOKEN_EXISTS,
              `serial ${token.serial} already exists`,
            );
          }
          replaced++;
        }
        staged.set(token.serial, token);
      },
      commit: async (): Promise<ImportSummary> => {
        record.state = 'committed';
        if (!options.dryRun) for (const [s, t] of staged) this.tokens.set(s, t);
        return { added: staged.size - replaced, replaced, dryRun: options.dryRun };
      },
      rollback: async () => {
        record.state = 'rolled back';
      },
    };
  }
}
