import type { Command } from 'commander';
import { deleteKeySlot, keyInfo, swapKeySlots, type KeyInfo } from '../../enroll';
import type { ConfigWriteResult, SlotSummary } from '../../yubikey';
import { formatVersion } from '../../yubikey';
import { EXIT_FAILURE, ExitStatus, type CliIo } from '../io';
import {
  keyCommand,
  keyName,
  openKey,
  readAccessCode,
  slotOption,
  type KeyFlags,
} from '../keys-common';
import { printJson } from '../output';
import { withRuntime } from '../with-runtime';
import { registerProgram } from './keys-program';

/** `tokenbridge keys ...`: what a key's slots hold, and programming them. */
export function register(program: Command, io: CliIo): void {
  const keys = program
    .command('keys')
    .description(
      "A key's OTP slots: info, program (a fresh credential, verified and registered), delete, swap.",
    );

  keyCommand(
    keys.command('info').description("Show a key's serial, firmware, slots and registry record."),
  ).action((flags: KeyFlags & Record<string, unknown>) =>
    withRuntime(io, flags, async (runtime) => {
      const { devices, device } = await openKey(runtime, flags);
      const info = await keyInfo(devices, await runtime.store(), device);
      if (flags.json) printJson(io.stdout, infoJson(info));
      else printInfo(io, info);
    }),
  );

  registerProgram(keys, io);

  keyCommand(
    keys
      .command('delete')
      .description(
        "Delete a slot's configuration (the registry record, if any, stays: `tokens delete`).",
      ),
  )
    .requiredOption('--slot <n>', 'the slot to delete: 1 or 2', slotOption('--slot'))
    .action((flags: KeyFlags & { slot: 1 | 2 } & Record<string, unknown>) =>
      withRuntime(io, flags, async (runtime) => {
        const accessCode = readAccessCode(flags.accessCode);
        const { devices, device } = await openKey(runtime, flags);
        const store = await runtime.store();
        const result = await deleteKeySlot(devices, store, device, flags.slot, {
          source: 'cli',
          ...(accessCode ? { accessCode } : {}),
        });
        const record = device.serial === undefined ? null : await store.get(String(device.serial));
        const note =
          result.accepted && record !== null
            ? `token ${record.serial} (${record.kind}) is still in the registry: if it was this slot's credential, remove it with \`tokenbridge tokens delete ${record.serial}\``
            : undefined;
        finish(io, flags, result, `slot ${flags.slot} of ${keyName(device)} is deleted`, note);
      }),
    );

  keyCommand(
    keys.command('swap').description('Swap the configurations of slot 1 and slot 2.'),
  ).action((flags: KeyFlags & Record<string, unknown>) =>
    withRuntime(io, flags, async (runtime) => {
      const accessCode = readAccessCode(flags.accessCode);
      const { devices, device } = await openKey(runtime, flags);
      const result = await swapKeySlots(devices, await runtime.store(), device, {
        source: 'cli',
        ...(accessCode ? { accessCode } : {}),
      });
      finish(io, flags, result, `the slots of ${keyName(device)} are swapped`);
    }),
  );
}

function finish(
  io: CliIo,
  flags: KeyFlags,
  result: ConfigWriteResult,
  done: string,
  note?: string,
): void {
  if (flags.json) {
    printJson(
      io.stdout,
      result.accepted
        ? {
            accepted: true,
            programmingSequence: result.status.programmingSequence,
            ...(note ? { note } : {}),
          }
        : {
            accepted: false,
            reason: result.reason,
            keyState: result.keyState,
            message: result.message,
          },
    );
  }
  if (!result.accepted) {
    io.stderr.write(`tokenbridge: refused: ${result.message} (the key is ${result.keyState})\n`);
    throw new ExitStatus(EXIT_FAILURE);
  }
  if (!flags.json) {
    io.stdout.write(`Done: ${done}.\n`);
    if (note) io.stdout.write(`Note: ${note}.\n`);
  }
}

export function infoJson(info: KeyInfo): Record<string, unknown> {
  const { device, state, record } = info;
  return {
    id: device.id,
    driver: device.driver,
    model: device.model,
    serial: device.serial === undefined ? null : String(device.serial),
    firmware: formatVersion(state.version),
    programmingSequence: state.programmingSequence,
    slots: state.slots.map((s, i) => ({
      slot: i + 1,
      configured: s.configured ?? null,
      touchTriggered: s.touchTriggered ?? null,
    })),
    registry:
      record === null ? null : { kind: record.kind, user: record.user, digits: record.digits },
  };
}

function printInfo(io: CliIo, info: KeyInfo): void {
  const { device, state, record } = info;
  const out = (line: string) => io.stdout.write(`${line}\n`);
  out(`${keyName(device)}, firmware ${formatVersion(state.version)}, id ${device.id}`);
  out(`Programming sequence: ${state.programmingSequence}`);
  state.slots.forEach((s, i) => out(`Slot ${i + 1}: ${slotText(s)}`));
  if (device.serial === undefined)
    out('Registry: the serial is hidden, so the key cannot be registered');
  else if (record === null) out(`Registry: token ${device.serial} is not registered`);
  else
    out(
      `Registry: token ${record.serial}, ${record.kind}${record.user ? `, paired to ${record.user}` : ', not paired'}`,
    );
}

function slotText(s: SlotSummary): string {
  if (s.configured === undefined) return 'unknown (firmware before 2.1 does not say)';
  if (!s.configured) return 'empty';
  if (s.touchTriggered === undefined) return 'configured';
  return s.touchTriggered ? 'configured, types on a touch' : 'configured, challenge-response';
}
