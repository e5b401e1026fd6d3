import type { Command } from 'commander';
import { UsageError, ValidationError } from '../../core';
import {
  decodeYubicoOtp,
  generateHotp,
  generateTotp,
  timeStep,
  validateSeed,
  type Digits,
  type HashAlgorithm,
  type Period,
} from '../../otp';
import { addConfigOptions, commandConfig } from '../config-options';
import { choiceOption, hexOption, intOption } from '../options';
import { virtualSecrets, virtualSecretsText } from '../virtual-secrets';
import { printJson } from '../output';
import type { CliIo } from '../io';

const ALGORITHMS: readonly HashAlgorithm[] = ['sha1', 'sha256', 'sha512'];
const MAX_UNIX_SECONDS = Math.floor(Number.MAX_SAFE_INTEGER / 1000);
const AES_KEY_BYTES = 16;

interface CodeOptions {
  secretHex: string;
  digits: Digits;
  algorithm: HashAlgorithm;
  json?: boolean;
}

/** `tokenbridge otp hotp|totp|yubico decode`: a passcode calculator for QA. */
export function register(program: Command, io: CliIo): void {
  const otp = program
    .command('otp')
    .description(
      "Passcode calculator for QA: HOTP and TOTP codes, Yubico OTP decoding, a virtual token's secrets.",
    );

  withCodeOptions(otp.command('hotp'))
    .description('Print the HOTP code (RFC 4226) for a seed and counter.')
    .requiredOption(
      '--counter <n>',
      'the counter',
      intOption('--counter', 0, Number.MAX_SAFE_INTEGER),
    )
    .action((opts: CodeOptions & { counter: number }) => {
      const params = { secret: seedFrom(opts.secretHex, io), ...shapeOf(opts) };
      const code = generateHotp(params, opts.counter);
      if (opts.json)
        printJson(io.stdout, { type: 'hotp', ...shapeOf(opts), counter: opts.counter, otp: code });
      else io.stdout.write(code + '\n');
    });

  withCodeOptions(otp.command('totp'))
    .description('Print the TOTP code (RFC 6238) for a seed at a given time (now by default).')
    .option('--time <unix|now>', 'unix time in seconds, or now', timeOption, 'now' as const)
    .option(
      '--period <seconds>',
      'time step: 30 or 60',
      (v: string) => Number(choiceOption('--period', ['30', '60'])(v)) as Period,
      30 as Period,
    )
    .action((opts: CodeOptions & { time: number | 'now'; period: Period }) => {
      const params = {
        secret: seedFrom(opts.secretHex, io),
        ...shapeOf(opts),
        period: opts.period,
      };
      const time = opts.time === 'now' ? Math.floor(Date.now() / 1000) : opts.time;
      const nowMs = time * 1000;
      const code = generateTotp(params, nowMs);
      if (opts.json) {
        printJson(io.stdout, {
          type: 'totp',
          ...shapeOf(opts),
          period: opts.period,
          time,
          step: timeStep(nowMs, opts.period),
          otp: code,
        });
      } else io.stdout.write(code + '\n');
    });

  otp
    .command('yubico')
    .description('Yubico OTP tools.')
    .command('decode')
    .description('Decrypt a Yubico OTP and print its fields.')
    .argument('<otp>', 'the OTP as typed (modhex; uppercase and Dvorak are repaired)')
    .requiredOption('--aes-key <hex>', 'the 16-byte AES key as hex', hexOption('--aes-key'))
    .option('--json', 'print JSON')
    .action((text: string, opts: { aesKey: string; json?: boolean }) => {
      const key = Buffer.from(opts.aesKey, 'hex');
      if (key.length !== AES_KEY_BYTES) {
        throw new UsageError(`--aes-key: expected ${AES_KEY_BYTES} bytes, got ${key.length}`);
      }
      const decoded = decodeYubicoOtp(text, new Uint8Array(key));
      if (!decoded.ok && decoded.reason === 'malformed') {
        throw new UsageError('<otp>: expected 32 to 64 modhex characters');
      }
      if (!decoded.ok) {
        throw new ValidationError(
          'OTP does not decode: CRC mismatch (wrong AES key, or a mistyped OTP)',
        );
      }
      if (opts.json) return printJson(io.stdout, decoded);
      for (const [key, value] of Object.entries(decoded)) {
        if (key !== 'ok') io.stdout.write(`${(key + ':').padEnd(11)}${String(value)}\n`);
      }
    });

  const virtual = otp
    .command('virtual')
    .description(
      "Show a virtual token's slots and their secrets (derived from the serial unless the spec " +
        'gives them) and the code its next press types, for QA: as its state file has them (the ' +
        'counters the last run left, a slot `keys program` wrote), else as the spec makes them. ' +
        'These are test secrets.',
    )
    .argument('<spec>', 'token spec, e.g. hotp or yubikey:serial=123456 (docs/virtual-devices.md)');
  // The token's state, as serve and emulate keep it.
  addConfigOptions(virtual, ['drivers.virtualStateDir', 'drivers.virtualFresh'])
    .option('--json', 'print JSON')
    .action(async (specText: string, opts: { json?: boolean } & Record<string, unknown>) => {
      const { config } = commandConfig(io, opts);
      // Loaded here: the other calculators need no driver code.
      const { virtualTokenFor } = await import('../../runtime/virtual-tokens');
      const secrets = virtualSecrets(virtualTokenFor(specText, config));
      if (opts.json) return printJson(io.stdout, secrets);
      io.stdout.write(virtualSecretsText(secrets).join('\n') + '\n');
    });
}

function timeOption(value: string): number | 'now' {
  return value === 'now' ? 'now' : intOption('--time', 0, MAX_UNIX_SECONDS)(value);
}

function withCodeOptions(cmd: Command): Command {
  return cmd
    .requiredOption(
      '--secret-hex <hex>',
      'the seed as hex (10..64 bytes)',
      hexOption('--secret-hex'),
    )
    .option(
      '--digits <n>',
      'code length: 6 or 8',
      (v: string) => Number(choiceOption('--digits', ['6', '8'])(v)) as Digits,
      6 as Digits,
    )
    .option(
      '--algorithm <name>',
      'HMAC hash: sha1, sha256 or sha512',
      choiceOption('--algorithm', ALGORITHMS),
      'sha1' as HashAlgorithm,
    )
    .option('--json', 'print JSON');
}

function shapeOf(opts: CodeOptions): { algorithm: HashAlgorithm; digits: Digits } {
  return { algorithm: opts.algorithm, digits: opts.digits };
}

/** The seed from --secret-hex, refused outside 10..64 bytes and flagged when weak. */
function seedFrom(hex: string, io: CliIo): Uint8Array {
  const secret = new Uint8Array(Buffer.from(hex, 'hex'));
  const check = validateSeed(secret);
  if (!check.ok) throw new UsageError(`--secret-hex: ${check.message.replace(/^seed: /, '')}`);
  if (check.weak) {
    io.stderr.write(
      `tokenbridge: warning: the seed is ${secret.length} bytes; 16 or more is recommended\n`,
    );
  }
  return secret;
}
