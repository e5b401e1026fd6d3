import type { Command } from 'commander';
import { counted, ErrorCode, StoreError } from '../../core';
import type { Runtime } from '../../runtime';
import { AUDIT_EVENTS } from '../../tokens/audit';
import { compareSerials } from '../../tokens/serial-order';
import type { AuditEvent, RegistryStore, TokenRecord, TokenOutcome } from '../../tokens';
import { addConfigOptions, commandConfig, type ConfigScope } from '../config-options';
import { DaemonLink } from '../daemon-link';
import { controlError } from '../../daemon/control-protocol';
import { choiceOption, intOption } from '../options';
import { printJson, printTable } from '../output';
import { ExitStatus, EXIT_FAILURE, type CliIo } from '../io';
import { withRuntime } from '../with-runtime';

interface JsonFlag {
  json?: boolean;
}

/** The audit's `source` for everything done from the command line. */
const SOURCE = 'cli';
const MAX_LIST = 1_000_000;

/**
 * `tokenbridge tokens ...`: the registry from the command line. The `import` subcommand is added
 * by tokens-import.ts, which finds this command by its name.
 */
export function register(program: Command, io: CliIo): void {
  const tokens = program
    .command('tokens')
    .description(
      'The token registry: list, inspect, verify, resync, unlock, unpair, delete, rekey.',
    );

  sub(
    tokens,
    'list',
    'List tokens in serial order: shorter serials first, then as text (4242 before 100001).',
  )
    .option('--user <user>', 'only the tokens paired to this user')
    .option('--after <serial>', 'start after this serial (paging)')
    .option('--limit <n>', 'at most this many', intOption('--limit', 1, MAX_LIST), 1000)
    .action((flags: JsonFlag & { user?: string; after?: string; limit: number }) =>
      withStore(flags, io, async (store) => {
        const after = flags.after;
        const records = flags.user
          ? (await store.tokensOf(flags.user))
              .filter((r) => after === undefined || compareSerials(r.serial, after) > 0)
              .slice(0, flags.limit)
          : await store.list({
              limit: flags.limit,
              ...(flags.after ? { afterSerial: flags.after } : {}),
            });
        if (flags.json) return printJson(io.stdout, records);
        printTable(io.stdout, LIST_COLUMNS, records.map(listRow));
      }),
    );

  sub(tokens, 'show', 'Show one token (never its seed).')
    .argument('<serial>')
    .action((serial: string, flags: JsonFlag) =>
      withStore(flags, io, async (store) => {
        const record = await store.get(serial);
        if (!record) throw notFound(serial);
        if (flags.json) return printJson(io.stdout, record);
        for (const [key, value] of Object.entries(showFields(record))) {
          io.stdout.write(`${(key + ':').padEnd(14)}${value}\n`);
        }
      }),
    );

  sub(tokens, 'verify', 'Verify a passcode. Exits 0 when accepted, 1 when not (saying why).', [
    'store',
    'server.controlSocket',
  ])
    .argument('<serial>')
    .argument('<otp>')
    .option(
      '--daemon',
      'let the running daemon verify it (its registry, windows and lockout), over its control socket',
    )
    .action((serial: string, otp: string, flags: JsonFlag & { daemon?: boolean }) =>
      flags.daemon
        ? verifyWithDaemon(io, serial, otp, flags)
        : withRuntime(io, flags, async (runtime) => {
            const verifier = await runtime.verifier();
            report(io, serial, await verifier.verify(serial, otp, { source: SOURCE }), flags.json);
          }),
    );

  sub(tokens, 'resync', 'Resynchronise with two consecutive passcodes. Exits 0 when accepted.')
    .argument('<serial>')
    .argument('<otp1>')
    .argument('<otp2>', 'the next passcode after otp1')
    .action((serial: string, otp1: string, otp2: string, flags: JsonFlag) =>
      withRuntime(io, flags, async (runtime) => {
        const verifier = await runtime.verifier();
        report(
          io,
          serial,
          await verifier.resync(serial, otp1, otp2, { source: SOURCE }),
          flags.json,
        );
      }),
    );

  sub(tokens, 'unlock', 'Clear a lockout and the failure count.')
    .argument('<serial>')
    .action((serial: string, flags: JsonFlag) =>
      withStore(flags, io, async (store) => {
        if (!(await store.unlock(serial, { source: SOURCE }))) throw notFound(serial);
        if (flags.json) return printJson(io.stdout, { serial, unlocked: true });
        io.stdout.write(`unlocked ${serial}\n`);
      }),
    );

  sub(tokens, 'pair', 'Pair a token to a user (at most one user per token).')
    .argument('<serial>')
    .argument('<user>')
    .action((serial: string, user: string, flags: JsonFlag) =>
      withStore(flags, io, async (store) => {
        const record = await store.pair(serial, user, { source: SOURCE });
        if (flags.json) return printJson(io.stdout, record);
        io.stdout.write(`paired ${serial} to ${user}\n`);
      }),
    );

  sub(tokens, 'unpair', 'Unpair a token from its user.')
    .argument('<serial>')
    .action((serial: string, flags: JsonFlag) =>
      withStore(flags, io, async (store) => {
        const user = await store.unpair(serial, { source: SOURCE });
        if (flags.json) return printJson(io.stdout, { serial, user });
        io.stdout.write(user ? `unpaired ${serial} from ${user}\n` : `${serial} was not paired\n`);
      }),
    );

  sub(tokens, 'delete', 'Delete a token and its seed (the audit keeps its history).')
    .argument('<serial>')
    .action((serial: string, flags: JsonFlag) =>
      withStore(flags, io, async (store) => {
        if (!(await store.delete(serial, { source: SOURCE }))) throw notFound(serial);
        if (flags.json) return printJson(io.stdout, { serial, deleted: true });
        io.stdout.write(`deleted ${serial}\n`);
      }),
    );

  sub(tokens, 'rekey', 'Re-encrypt every seed under a new key, then install it as the key file.')
    .option('--new-key <path>', 'a 32-byte key file to move to (default: a fresh random key)')
    .action((flags: JsonFlag & { newKey?: string }) =>
      withStore(flags, io, async (store) => {
        const { from, to, tokens: count } = await store.rekey({ source: SOURCE }, flags.newKey);
        if (flags.json)
          return printJson(io.stdout, { from, to, tokens: count, keyFile: store.keyFile });
        io.stdout.write(
          `moved ${counted(count, 'seed')} from key ${from} to key ${to} (${store.keyFile})\n`,
        );
      }),
    );

  sub(tokens, 'audit', 'Show the audit trail, oldest first.')
    .option('--serial <serial>', 'only this token')
    .option('--user <user>', 'only this user')
    .option('--event <event>', AUDIT_EVENTS.join('|'), choiceOption('--event', AUDIT_EVENTS))
    .option('--limit <n>', 'at most this many, newest', intOption('--limit', 1, 10_000), 100)
    .action(
      (flags: JsonFlag & { serial?: string; user?: string; event?: AuditEvent; limit: number }) =>
        withStore(flags, io, async (store) => {
          const entries = (
            await store.audit({
              ...(flags.serial ? { serial: flags.serial } : {}),
              ...(flags.user ? { user: flags.user } : {}),
              ...(flags.event ? { event: flags.event } : {}),
              limit: flags.limit,
              newestFirst: true,
            })
          ).reverse();
          if (flags.json) return printJson(io.stdout, entries);
          printTable(
            io.stdout,
            AUDIT_COLUMNS,
            entries.map((e) => ({
              ...e,
              at: new Date(e.at).toISOString(),
              detail: JSON.stringify(e.detail),
            })),
          );
        }),
    );
}

/** A registry subcommand: the store flags (and --config) of every command, and --json. */
function sub(
  parent: Command,
  name: string,
  description: string,
  scopes: readonly ConfigScope[] = ['store'],
): Command {
  return addConfigOptions(parent.command(name).description(description), scopes).option(
    '--json',
    'print JSON',
  );
}

/** `tokens verify --daemon`: the running daemon verifies; no daemon is an error, not a fallback. */
async function verifyWithDaemon(
  io: CliIo,
  serial: string,
  otp: string,
  flags: JsonFlag,
): Promise<void> {
  const socket = commandConfig(io, flags).config.server.controlSocket;
  const link = await DaemonLink.connect(socket);
  if (!link) throw controlError(`--daemon: no daemon answers on ${socket}`);
  try {
    const { outcome } = await link.request('tokens.verify', { serial, otp });
    report(io, serial, outcome, flags.json);
  } finally {
    await link.close();
  }
}

/** Runs `fn` on the registry the configuration names (as `serve` opens it). */
function withStore(
  flags: object,
  io: CliIo,
  fn: (store: RegistryStore, runtime: Runtime) => Promise<void>,
): Promise<void> {
  return withRuntime(io, flags, async (runtime) => fn(await runtime.store(), runtime));
}

/** Prints a verify/resync outcome; anything but acceptance exits 1. */
function report(io: CliIo, serial: string, outcome: TokenOutcome, json: boolean | undefined): void {
  if (outcome.status === 'not-found') throw notFound(serial);
  if (json) printJson(io.stdout, outcome);
  else io.stdout.write(describeOutcome(serial, outcome) + '\n');
  if (outcome.status !== 'accepted') throw new ExitStatus(EXIT_FAILURE);
}

export function describeOutcome(serial: string, outcome: TokenOutcome): string {
  switch (outcome.status) {
    case 'accepted':
      return `accepted: ${serial} matched ${outcome.matched} (drift ${outcome.drift})`;
    case 'needs-next-passcode':
      return `not accepted yet: ${serial} is out of sync; press the button again and run: tokenbridge tokens resync ${serial} OTP NEXT_OTP`;
    case 'locked':
      return `locked: ${serial} refuses passcodes for ${duration(outcome.retryAfterMs)} more (until ${iso(outcome.until)}); or run: tokenbridge tokens unlock ${serial}`;
    case 'rejected': {
      const why = REASONS[outcome.reason];
      const then =
        outcome.lockedUntil !== null
          ? `; ${serial} is now locked until ${iso(outcome.lockedUntil)}`
          : `; ${outcome.attemptsLeft} attempt${outcome.attemptsLeft === 1 ? '' : 's'} left before a lockout`;
      return `rejected: ${why}${then}`;
    }
    case 'not-found':
      return `no token with serial ${serial}`;
  }
}

const REASONS: Record<Extract<TokenOutcome, { status: 'rejected' }>['reason'], string> = {
  wrong: 'wrong passcode',
  replayed: 'passcode already used',
  malformed: 'not a passcode of this token (length or characters)',
  'not-consecutive': 'the two passcodes are not consecutive',
};

const LIST_COLUMNS = [
  { key: 'serial', title: 'SERIAL' },
  { key: 'kind', title: 'TYPE' },
  { key: 'digits', title: 'DIGITS' },
  { key: 'state', title: 'STATE' },
  { key: 'user', title: 'USER' },
  { key: 'failCount', title: 'FAILS' },
  { key: 'locked', title: 'LOCKED UNTIL' },
];

const AUDIT_COLUMNS = [
  { key: 'id', title: 'ID' },
  { key: 'at', title: 'TIME' },
  { key: 'event', title: 'EVENT' },
  { key: 'serial', title: 'SERIAL' },
  { key: 'user', title: 'USER' },
  { key: 'source', title: 'SOURCE' },
  { key: 'detail', title: 'DETAIL' },
];

function listRow(r: TokenRecord): Record<string, unknown> {
  return {
    ...r,
    digits: r.kind === 'yubico' ? null : r.digits,
    state: stateText(r),
    locked: r.lockedUntil !== null ? iso(r.lockedUntil) : null,
  };
}

function stateText(r: TokenRecord): string {
  if (r.kind === 'hotp') return `counter ${r.counter}`;
  if (r.kind === 'totp')
    return r.lastStep === null ? `drift ${r.drift}` : `step ${r.lastStep}, drift ${r.drift}`;
  return r.yubicoUsage === null ? 'unused' : `usage ${r.yubicoUsage}, session ${r.yubicoSession}`;
}

function showFields(r: TokenRecord): Record<string, string> {
  const when = (ms: number | null) => (ms === null ? '-' : iso(ms));
  return {
    serial: r.serial,
    type: r.kind,
    ...(r.kind === 'yubico'
      ? { 'public id': r.publicId ?? '-' }
      : {
          algorithm: r.algorithm,
          digits: String(r.digits),
          ...(r.kind === 'totp' ? { period: `${r.period} s` } : {}),
        }),
    state: stateText(r),
    user: r.user ?? '-',
    imported: when(r.importedAt),
    paired: when(r.pairedAt),
    'last used': when(r.lastUsedAt),
    failures: String(r.failCount),
    'locked until': when(r.lockedUntil),
    'key id': r.keyId,
  };
}

function notFound(serial: string): StoreError {
  return new StoreError(ErrorCode.TOKEN_NOT_FOUND, `no token with serial ${serial}`);
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function duration(ms: number): string {
  const s = Math.ceil(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)}m ${s % 60}s` : `${s}s`;
}
