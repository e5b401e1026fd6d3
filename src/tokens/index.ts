export * from './types';
export * from './store';
export * from './audit';
export * from './lockout';
export { SeedCipher, SEED_NONCE_BYTES, type SealedSeed } from './seed-cipher';
export {
  keyIdOf,
  loadSeedKey,
  publishKeyFile,
  readExistingKeyFile,
  SEED_KEY_BYTES,
  type SeedKey,
} from './seed-key';
export {
  isValidSerial,
  SERIAL_PATTERN,
  SERIAL_RULE,
  validateImportedToken,
} from './validate-token';
export * from './registry';
export { SqliteTokenStore, type SqliteTokenStoreOptions } from './sqlite/sqlite-store';
export { MIGRATIONS, SCHEMA_VERSION } from './sqlite/schema';
export { pendingKeyPath } from './rekey-key';
export * from './outcome';
export * from './serial-order';
export { TokenVerifier, type TokenVerifierOptions, type VerifyContext } from './verifier';
