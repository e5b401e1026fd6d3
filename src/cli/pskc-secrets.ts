import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { hexProblem, UsageError } from '../core';
import type { PskcSecrets, PskcSecretSource } from '../tokens/import';
import type { CliIo } from './io';
import { canPrompt, promptSecret } from './secret-prompt';

const PSKC_KEY_BYTES = [16, 24, 32]; // AES-128/192/256
/** A key or password file is a few bytes; anything this large is the wrong file. */
const MAX_SECRET_FILE_BYTES = 4096;

/** The PSKC secret flags of `tokens import`. */
export interface PskcSecretFlags {
  readonly key?: string;
  readonly password?: string;
  readonly pskcKeyFile?: string;
  readonly passwordFile?: string;
}

/**
 * Where the key or password for an encrypted PSKC file comes from: a file (`--pskc-key-file`,
 * `--password-file`), else the terminal (asked without echo once the file says which it needs),
 * else the argv forms, which still work but warn: every user of the machine can read them in
 * /proc/PID/cmdline for as long as the import runs. Undefined: nothing given and no terminal.
 */
export async function pskcSecretsFrom(
  flags: PskcSecretFlags,
  io: CliIo,
  file: string,
): Promise<PskcSecrets | PskcSecretSource | undefined> {
  const given = (
    [
      ['--key', flags.key],
      ['--password', flags.password],
      ['--pskc-key-file', flags.pskcKeyFile],
      ['--password-file', flags.passwordFile],
    ] as const
  ).filter(([, value]) => value !== undefined);
  if (given.length > 1)
    throw new UsageError(`${given.map(([flag]) => flag).join(' and ')}: give one, not both`);
  if (flags.key !== undefined) {
    warnArgv(io, '--key', '--pskc-key-file FILE');
    return { key: keyFromHex(flags.key, '--key') };
  }
  if (flags.password !== undefined) {
    warnArgv(io, '--password', '--password-file FILE');
    return { password: checkedPassword(flags.password, '--password') };
  }
  if (flags.pskcKeyFile !== undefined)
    return {
      key: keyFromHex(readSecretFile(flags.pskcKeyFile), `--pskc-key-file ${flags.pskcKeyFile}`),
    };
  if (flags.passwordFile !== undefined) {
    const text = readSecretFile(flags.passwordFile).replace(/\r?\n$/, '');
    return { password: checkedPassword(text, `--password-file ${flags.passwordFile}`) };
  }
  if (!canPrompt(io)) return undefined;
  const name = basename(file);
  return async (needs, keyName) => {
    if (needs === 'password')
      return {
        password: checkedPassword(
          await promptSecret(io, `PSKC password for ${name}: `),
          'the password',
        ),
      };
    const label = keyName !== undefined && /^[\w .-]{1,40}$/.test(keyName) ? ` "${keyName}"` : '';
    const typed = await promptSecret(io, `PSKC pre-shared key${label} for ${name} (hex): `);
    return { key: keyFromHex(typed, 'the key typed') };
  };
}

function warnArgv(io: CliIo, flag: string, instead: string): void {
  io.stderr.write(
    `tokenbridge: warning: ${flag} is visible to every user of this machine (/proc/PID/cmdline) while the import runs; use ${instead}, or give neither and type it when asked\n`,
  );
}

/**
 * Hex with any spacing or line breaks, of one of the sizes (default: a PSKC pre-shared key's 16, 24
 * or 32 bytes). Never echoed.
 */
export function keyFromHex(
  text: string,
  what: string,
  sizes: readonly number[] = PSKC_KEY_BYTES,
): Uint8Array {
  const clean = text.replace(/\s+/g, '');
  if (!/^(?:[0-9a-fA-F]{2})+$/.test(clean))
    throw new UsageError(`${what}: expected hex digits in pairs, got ${hexProblem(clean)}`);
  const key = Buffer.from(clean, 'hex');
  if (!sizes.includes(key.length)) {
    const named =
      sizes.length === 1 ? `${sizes[0]}` : `${sizes.slice(0, -1).join(', ')} or ${sizes.at(-1)}`;
    throw new UsageError(`${what}: expected ${named} bytes, got ${key.length}`);
  }
  return new Uint8Array(key);
}

function checkedPassword(password: string, what: string): string {
  if (password === '') throw new UsageError(`${what}: empty`);
  return password;
}

/** A key or password file's text (a few bytes: a larger file is the wrong one). */
export function readSecretFile(path: string): string {
  let text: Buffer;
  try {
    text = readFileSync(path);
  } catch (err) {
    throw new UsageError(
      `${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  if (text.length > MAX_SECRET_FILE_BYTES)
    throw new UsageError(`${path}: ${text.length} bytes is not a key or password file`);
  return text.toString('utf8');
}
