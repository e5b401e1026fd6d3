import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { UsageError } from '../../core';
import { deviceIdFor } from '../../devices';
import {
  cryptoRandom,
  ENROLL_KINDS,
  pskcExport,
  PSKC_KEY_BYTES,
  type EnrollKind,
  type EnrollOutcome,
  type EnrollStep,
  type NewCredential,
} from '../../enroll';
import type { Runtime } from '../../runtime';
import { infoFor, type VirtualToken } from '../../../drivers/virtual';
import { EXIT_FAILURE, ExitStatus, type CliIo } from '../io';
import { keyCommand, openKey, readAccessCode, slotOption, type KeyFlags } from '../keys-common';
import { choiceOption } from '../options';
import { printJson } from '../output';
import { withRuntime } from '../with-runtime';

interface ProgramFlags extends KeyFlags {
  slot?: 1 | 2;
  digits?: '6' | '8';
  tokenId?: boolean;
  force?: boolean;
  export?: string;
  exportKeyFile?: string;
}

const KIND_NAMES: Readonly<Record<EnrollKind, string>> = {
  hotp: 'OATH-HOTP',
  yubiotp: 'Yubico OTP',
  chalresp: 'HMAC-SHA1 challenge-response',
};

/** `tokenbridge keys program KIND`: a fresh credential into a slot, verified and registered. */
export function registerProgram(keys: Command, io: CliIo): void {
  keyCommand(
    keys
      .command('program')
      .description(
        'Write a fresh credential into a slot of a key (slot 2 by default), read its first OTP back ' +
          '(touch the key when asked) or its answer to a challenge, verify it, and register the token, ' +
          'in one step. The seed is never shown. A configured slot is refused without --force.',
      )
      .argument(
        '<kind>',
        `what to set up: ${ENROLL_KINDS.join(', ')}`,
        choiceOption('kind', ENROLL_KINDS),
      ),
  )
    .option('--slot <n>', 'the slot: 1 or 2 (default: enroll.slot, 2)', slotOption('--slot'))
    .option(
      '--digits <n>',
      'OATH-HOTP digits: 6 or 8 (default: enroll.digits, 6)',
      choiceOption('--digits', ['6', '8'] as const),
    )
    .option('--token-id', 'OATH-HOTP: type the OATH token id (ubhe + serial) before the code')
    .option('--force', 'overwrite a configured slot, and replace a registered serial')
    .option(
      '--export <file>',
      'also write the new OATH-HOTP seed to FILE as PSKC (RFC 6030), encrypted',
    )
    .option(
      '--export-key-file <file>',
      'the 16-byte AES key (32 hex digits) the PSKC export is encrypted with',
    )
    .action((kind: EnrollKind, flags: ProgramFlags & Record<string, unknown>) =>
      withRuntime(io, flags, (runtime) => program(runtime, kind, flags, io)),
    );
}

async function program(
  runtime: Runtime,
  kind: EnrollKind,
  flags: ProgramFlags,
  io: CliIo,
): Promise<void> {
  const exportTo = exportTarget(kind, flags);
  const accessCode = readAccessCode(flags.accessCode);
  const slot = flags.slot ?? (runtime.config.enroll.slot as 1 | 2);
  const digits =
    flags.digits === undefined
      ? (runtime.config.enroll.digits as 6 | 8)
      : flags.digits === '8'
        ? 8
        : 6;
  if (flags.tokenId && kind !== 'hotp') throw new UsageError('--token-id: only for hotp');
  const { device } = await openKey(runtime, flags);
  const enroller = await runtime.enroller();
  const touch = virtualTouch(io, runtime.drivers().virtualTokens, device.id, slot);
  const say = (line: string) => io.stderr.write(`${line}\n`);
  let outcome: EnrollOutcome;
  try {
    outcome = await enroller.enroll(
      {
        deviceId: device.id,
        kind,
        slot,
        digits,
        tokenId: flags.tokenId ?? false,
        ...(accessCode ? { accessCode } : {}),
        force: flags.force ?? false,
        source: 'cli',
        ...(exportTo ? { exportCredential: exportTo } : {}),
      },
      (step) => {
        const line = stepLine(step, slot, kind);
        if (line) say(line);
        if (step === 'touch') touch.start();
        else touch.stop();
      },
    );
  } finally {
    touch.stop();
  }
  report(io, flags, outcome, device.serial, KIND_NAMES[kind]);
}

function stepLine(step: EnrollStep, slot: number, kind: EnrollKind): string | undefined {
  switch (step) {
    case 'programming':
      return `Writing a new ${KIND_NAMES[kind]} credential into slot ${slot}…`;
    case 'touch':
      return kind === 'chalresp'
        ? 'Checking its answer to a challenge (touch the key if it blinks)…'
        : `Touch the key now (slot ${slot}${slot === 2 ? ': a long touch on a real key' : ''}), so it types its first OTP.`;
    case 'registering':
      return 'Verified. Registering the token…';
    case 'restoring':
      return 'Something failed: putting the slot back…';
    default:
      return undefined;
  }
}

function report(
  io: CliIo,
  flags: ProgramFlags,
  outcome: EnrollOutcome,
  serial: number | undefined,
  kindName: string,
): void {
  if (flags.json) printJson(io.stdout, outcomeJson(outcome));
  if (outcome.result === 'enrolled') {
    if (!flags.json) {
      const registered =
        outcome.record === null
          ? 'it answered a challenge as expected (challenge-response keys are not registered: tokenbridge verifies OTPs)'
          : `its first OTP was verified and token ${outcome.serial} is registered`;
      io.stdout.write(
        `Slot ${outcome.slot} of key ${serial} now holds a new ${kindName} credential; ${registered}.\n`,
      );
    }
    return;
  }
  const what = outcome.result === 'refused' ? 'refused' : `setup failed at ${outcome.step}`;
  io.stderr.write(`tokenbridge: ${what}: ${outcome.message}\n`);
  throw new ExitStatus(EXIT_FAILURE);
}

export function outcomeJson(outcome: EnrollOutcome): Record<string, unknown> {
  switch (outcome.result) {
    case 'enrolled':
      return {
        result: 'enrolled',
        serial: outcome.serial,
        slot: outcome.slot,
        kind: outcome.kind,
        registered: outcome.record !== null,
        checkedBy: outcome.checkedBy,
        ...(outcome.record
          ? {
              record: {
                kind: outcome.record.kind,
                digits: outcome.record.digits,
                publicId: outcome.record.publicId,
              },
            }
          : {}),
      };
    case 'refused':
      return { result: 'refused', code: outcome.code, message: outcome.message };
    case 'failed':
      return { ...outcome };
  }
}

/** `--export FILE` with its key, checked before anything is written; the writer for the enroller. */
function exportTarget(
  kind: EnrollKind,
  flags: ProgramFlags,
): ((credential: NewCredential) => Promise<void>) | undefined {
  if (flags.export === undefined) {
    if (flags.exportKeyFile !== undefined)
      throw new UsageError('--export-key-file: only with --export FILE');
    return undefined;
  }
  if (kind !== 'hotp') throw new UsageError('--export: PSKC carries OATH-HOTP seeds only (hotp)');
  if (flags.exportKeyFile === undefined) {
    throw new UsageError(
      '--export: name the key to encrypt it with (--export-key-file FILE): a seed is never written in the clear',
    );
  }
  const file = flags.export;
  if (existsSync(file))
    throw new UsageError(`--export: ${file} exists; choose a new file (it is never overwritten)`);
  const key = readExportKey(flags.exportKeyFile);
  return async (credential) => {
    const xml = pskcExport(credential, key, cryptoRandom);
    // 0600 and never over an existing file: it carries a seed, however encrypted.
    writeFileSync(file, xml, { mode: 0o600, flag: 'wx' });
  };
}

function readExportKey(file: string): Uint8Array {
  let text: string;
  try {
    text = readFileSync(file, 'utf8').trim();
  } catch (err) {
    throw new UsageError(
      `--export-key-file: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  if (!new RegExp(`^[0-9a-fA-F]{${PSKC_KEY_BYTES * 2}}$`).test(text)) {
    throw new UsageError(
      `--export-key-file: ${file} must hold ${PSKC_KEY_BYTES} bytes as ${PSKC_KEY_BYTES * 2} hex digits, it holds ${text.length} characters`,
    );
  }
  return new Uint8Array(Buffer.from(text, 'hex'));
}

/**
 * A `--virtual` key in this process has no finger on it: while the setup asks for a touch, each
 * line on stdin (Enter) touches it. A real key is simply touched.
 */
function virtualTouch(io: CliIo, tokens: readonly VirtualToken[], deviceId: string, slot: 1 | 2) {
  const token = tokens.find((t) => deviceIdFor(infoFor(t)) === deviceId);
  let lines: ReturnType<typeof createInterface> | undefined;
  return {
    start() {
      if (!token || lines) return;
      io.stderr.write('(a virtual key: press Enter, or send a line, to touch it)\n');
      lines = createInterface({ input: io.stdin, terminal: false });
      lines.on('line', () => void token.press(slot).catch(() => undefined));
    },
    stop() {
      lines?.close();
      lines = undefined;
    },
  };
}
