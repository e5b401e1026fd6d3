import type { Command } from 'commander';
import { storeKeysFor, withOverrides, type ResolvedConfig } from '../../config';
import { counted, ErrorCode, silentLogger, StoreError, UsageError } from '../../core';
import { Runtime } from '../../runtime';
import type { CopySummary, RegistryStore } from '../../tokens';
import { addConfigOptions, commandConfig } from '../config-options';
import { printJson } from '../output';
import { EXIT_FAILURE, ExitStatus, type CliIo } from '../io';
import { withRuntime } from '../with-runtime';

interface JsonFlag {
  json?: boolean;
}

/** `tokenbridge store migrate|check|copy`: the registry itself, SQLite file or fleet database. */
export function register(program: Command, io: CliIo): void {
  const store = program
    .command('store')
    .description(
      'The registry itself: its schema, its health, and copies between SQLite and PostgreSQL.',
    );

  addConfigOptions(
    store
      .command('migrate')
      .description(
        'Apply the schema migrations this tokenbridge has and the registry lacks (every start does it too, under a lock, so several daemons never run one twice). Refuses a newer schema.',
      ),
    ['store'],
  )
    .option('--json', 'print { location, version, applied }')
    .action((flags: JsonFlag) =>
      withRuntime(io, flags, async (runtime) => {
        const registry = await runtime.store();
        const { version, appliedNow } = await registry.schema();
        if (flags.json) {
          return printJson(io.stdout, {
            location: registry.location,
            version,
            applied: appliedNow,
          });
        }
        io.stdout.write(
          appliedNow.length > 0
            ? `${registry.location}: applied migration${appliedNow.length > 1 ? 's' : ''} ${appliedNow.join(', ')}; schema version ${version}\n`
            : `${registry.location}: schema version ${version}, up to date\n`,
        );
      }),
    );

  addConfigOptions(
    store
      .command('check')
      .description(
        'Check the registry: connection, TLS, integrity, schema version, key fingerprint. Exits 1 when a check fails.',
      ),
    ['store'],
  )
    .option('--json', 'print { location, ok, checks }')
    .action((flags: JsonFlag) =>
      withRuntime(io, flags, async (runtime) => {
        const registry = await runtime.store();
        const checks = await registry.check();
        const ok = checks.every((c) => c.ok);
        if (flags.json) printJson(io.stdout, { location: registry.location, ok, checks });
        else
          for (const c of checks)
            io.stdout.write(`${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${c.detail}\n`);
        if (!ok) throw new ExitStatus(EXIT_FAILURE);
      }),
    );

  addConfigOptions(
    store
      .command('copy')
      .argument(
        '<from>',
        'the registry to read: an SQLite file or a postgres:// URI / libpq string',
      )
      .argument('<to>', 'the registry to write into, the same way (created when it is a new file)')
      .description(
        'Copy every token (state, counters, pairings, sealed seeds) and the audit trail from one registry into another, all or nothing: a serial already in TO refuses the whole copy. Both use the configured seed key; seeds stay sealed on the way.',
      ),
    ['store'],
  )
    .option('--json', 'print { from, to, tokens, audit }')
    .action(async (from: string, to: string, flags: JsonFlag) => {
      const { config } = commandConfig(io, flags);
      const cwd = process.cwd();
      const source = runtimeFor(config, from, cwd, io);
      const target = runtimeFor(config, to, cwd, io);
      try {
        const [a, b] = [await source.store(), await target.store()];
        if (a.kind === b.kind && a.location === b.location) {
          throw new UsageError(`store copy: ${from} and ${to} are the same registry`);
        }
        const summary = await copyRegistry(a, b);
        if (flags.json) printJson(io.stdout, { from: a.location, to: b.location, ...summary });
        else
          io.stdout.write(
            `copied ${counted(summary.tokens, 'token')} and ${counted(summary.audit, 'audit row')} from ${a.location} to ${b.location}\n`,
          );
      } finally {
        await target.close();
        await source.close();
      }
    });
}

function runtimeFor(config: ResolvedConfig, text: string, cwd: string, io: CliIo): Runtime {
  const keys = storeKeysFor(text, cwd);
  return new Runtime({
    config: withOverrides(config, { store: keys }),
    logger: silentLogger(),
    env: io.env,
  });
}

/**
 * Every token, then the audit trail, read from one snapshot of `from` and published into `to` in
 * one step. The seeds move sealed: both sides must use the same key (the configured one).
 */
export async function copyRegistry(from: RegistryStore, to: RegistryStore): Promise<CopySummary> {
  const session = await to.beginCopy();
  const snapshot = await from.snapshot();
  try {
    for await (const token of snapshot.tokens()) {
      if (token.sealed.keyId !== to.keyId) {
        throw new StoreError(
          ErrorCode.KEY_FILE,
          `token ${token.record.serial} is sealed under key ${token.sealed.keyId}, but ${to.location} uses key ${to.keyId}: copy between registries of one key (rekey one first)`,
        );
      }
      await session.addToken(token);
    }
    for await (const entry of snapshot.audit()) await session.addAudit(entry);
    return await session.commit();
  } catch (err) {
    await session.rollback();
    throw err;
  } finally {
    await snapshot.close();
  }
}
