import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { ACCESS_CODE_SIZE, ErrorCode, TokenBridgeError, UsageError } from '../core';
import type { DeviceEvent, DeviceManager } from '../devices';
import { chooseKey } from '../enroll';
import type { Runtime } from '../runtime';
import { addConfigOptions, type ConfigScope } from './config-options';
import { runningDaemonUrl } from './daemon-probe';
import { choiceOption } from './options';

/** The keys commands open the drivers and the registry, and look for a daemon at its address. */
export const KEYS_SCOPES: readonly ConfigScope[] = [
  'drivers',
  'store',
  'server.host',
  'server.port',
];

/** Longest wait for the first enumeration and the status and serial reads of what it found. */
const SETTLE_TIMEOUT_MS = 10_000;

export interface KeyFlags {
  device?: string;
  accessCode?: string;
  json?: boolean;
}

/** `--device`, `--access-code`, `--json` and the configuration flags every keys command takes. */
export function keyCommand(command: Command): Command {
  return addConfigOptions(command, KEYS_SCOPES)
    .option(
      '--device <id>',
      'the key to use, by the id `tokenbridge devices` shows (default: the only one)',
    )
    .option(
      '--access-code <file>',
      "a file holding the slot's access code as 12 hex digits (needed for a protected slot)",
    )
    .option('--json', 'print the outcome as JSON');
}

export const slotOption = (flag: string) => {
  const parse = choiceOption(flag, ['1', '2'] as const);
  return (value: string): 1 | 2 => (parse(value) === '1' ? 1 : 2);
};

/**
 * The key a command works on, opened by this process's own drivers. A running daemon holds the
 * keys (and would interleave its feature reports with ours), so then the command stops and says
 * where the daemon is instead.
 */
export async function openKey(
  runtime: Runtime,
  flags: KeyFlags,
): Promise<{ devices: DeviceManager; device: DeviceEvent }> {
  const daemon = await runningDaemonUrl(runtime.config);
  if (daemon !== undefined) {
    throw new TokenBridgeError(
      ErrorCode.DAEMON_RUNNING,
      `a tokenbridge daemon is running at ${daemon} and holds the keys: set the key up from its page (Set up this token), or stop the daemon first`,
    );
  }
  const devices = runtime.devices();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      devices.start(),
      new Promise((resolve) => {
        timer = setTimeout(resolve, SETTLE_TIMEOUT_MS);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
  return { devices, device: chooseKey(devices, flags.device) };
}

/** The access code in `file`: 6 bytes as 12 hex digits (whitespace around them is ignored). */
export function readAccessCode(file: string | undefined): Uint8Array | undefined {
  if (file === undefined) return undefined;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(
      `--access-code: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  const clean = text.trim();
  if (!/^[0-9a-fA-F]{12}$/.test(clean)) {
    // The file holds a secret: say what is wrong with it, never what it says.
    throw new UsageError(
      `--access-code: ${file} must hold ${ACCESS_CODE_SIZE} bytes as 12 hex digits, it holds ${clean.length} characters`,
    );
  }
  return new Uint8Array(Buffer.from(clean, 'hex'));
}

/** "key 7050602 (YubiKey 4/5)" */
export function keyName(device: DeviceEvent): string {
  return `key ${device.serial ?? `${device.id} (serial hidden)`} (${device.model})`;
}
