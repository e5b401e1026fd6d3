import { join } from 'node:path';
import { defaultConfig } from '../../src/config';
import { parseConnectionString, type Clock, type Logger } from '../../src/core';
import { SqliteTokenStore, type RegistryStore } from '../../src/tokens';
import { PostgresTokenStore } from '../../src/tokens/postgres/pg-store';
import { readPasswordFile } from '../../src/runtime/db-password';
import { createTestDatabase, type TestDatabase } from '../helpers/pg';
import { tempDir } from '../unit/tokens/registry-fixtures';

export interface StoreOpenOptions {
  readonly clock?: Clock;
  readonly logger?: Logger;
  readonly maxTokensPerUser?: number;
  readonly nodeName?: string;
  readonly keyFile?: string;
  readonly keyIsCredential?: boolean;
}

/**
 * One registry backend for the store contract: a fresh, empty registry per test (a file in a temp
 * folder, or a database of its own in the run's PostgreSQL cluster), opened as often as a test
 * likes (several opens are several daemons on the same registry).
 */
export interface StoreHarness {
  readonly name: 'sqlite' | 'postgres';
  setup(): Promise<void>;
  /** The temp folder of this test (the key file lives here for both backends). */
  readonly dir: string;
  open(options?: StoreOpenOptions): Promise<RegistryStore>;
  teardown(): Promise<void>;
}

function common(dir: string, options: StoreOpenOptions) {
  return {
    keyFile: options.keyFile ?? join(dir, 'keys', 'seed.key'),
    keyIsCredential: options.keyIsCredential ?? false,
    maxTokensPerUser: options.maxTokensPerUser ?? defaultConfig({}).users.maxTokensPerUser,
    nodeName: options.nodeName ?? 'test-node',
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
  };
}

class Base {
  protected folder: { dir: string; cleanup: () => void } | undefined;
  protected readonly opened: RegistryStore[] = [];
  get dir(): string {
    return this.folder!.dir;
  }
  protected async closeAll(): Promise<void> {
    for (const store of this.opened.splice(0)) await store.close().catch(() => undefined);
    this.folder?.cleanup();
  }
}

class SqliteHarness extends Base implements StoreHarness {
  readonly name = 'sqlite' as const;
  async setup(): Promise<void> {
    this.folder = tempDir();
  }
  async open(options: StoreOpenOptions = {}): Promise<RegistryStore> {
    const store = SqliteTokenStore.open({
      ...common(this.dir, options),
      path: join(this.dir, 'store.sqlite'),
    });
    this.opened.push(store);
    return store;
  }
  async teardown(): Promise<void> {
    await this.closeAll();
  }
}

class PostgresHarness extends Base implements StoreHarness {
  readonly name = 'postgres' as const;
  database: TestDatabase | undefined;
  async setup(): Promise<void> {
    this.folder = tempDir();
    this.database = await createTestDatabase();
  }
  async open(options: StoreOpenOptions = {}): Promise<RegistryStore> {
    const db = this.database!;
    const parsed = parseConnectionString(db.url);
    if (!parsed.ok) throw new Error(parsed.reason);
    const store = await PostgresTokenStore.open({
      ...common(this.dir, options),
      settings: {
        target: parsed.target,
        password: readPasswordFile(db.passwordFile),
        poolSize: 4,
        connectTimeoutMs: 5000,
        statementTimeoutMs: 5000,
        applicationName: 'tokenbridge-test',
      },
    });
    this.opened.push(store);
    return store;
  }
  async teardown(): Promise<void> {
    await this.closeAll();
    await this.database?.drop();
  }
}

/** Every backend the contract runs against, by name (`describe.each`). */
export function storeHarnesses(): Array<[string, StoreHarness]> {
  return [
    ['sqlite', new SqliteHarness()],
    ['postgres', new PostgresHarness()],
  ];
}
