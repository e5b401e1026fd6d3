import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { closeSync, constants as fsConstants, openSync, unlinkSync } from 'node:fs';

const STAGING_FILE_MODE = 0o600; // seeds are sealed there, but the file is ours alone all the same

/** Where staging files live: beside the registry, so they share its folder's privacy. */
export function stagingPathFor(registryPath: string): string {
  return `${registryPath}.import-${process.pid}-${randomBytes(4).toString('hex')}`;
}

/**
 * A scratch database for an import or a copy: created new (never an existing file), private, with
 * `schema`, inside an open transaction. No journal and no sync: the registry's own commit is what
 * makes the work durable.
 */
export function openStagingFile(stagingPath: string, schema: string): Database.Database {
  closeSync(
    openSync(
      stagingPath,
      fsConstants.O_RDWR | fsConstants.O_CREAT | fsConstants.O_EXCL,
      STAGING_FILE_MODE,
    ),
  );
  const staging = new Database(stagingPath);
  staging.pragma('journal_mode = OFF');
  staging.pragma('synchronous = OFF');
  staging.exec(schema);
  return staging;
}

/** Closes the scratch database if it is open and deletes its file if there is one. */
export function discardStagingFile(
  staging: Database.Database | undefined,
  stagingPath: string,
): void {
  try {
    if (staging?.open) staging.close();
  } finally {
    try {
      unlinkSync(stagingPath);
    } catch {
      // never created, or gone already
    }
  }
}
