import type { Command } from 'commander';
import { connectEmulator } from '../../../drivers/virtual';
import { virtualTokenFor } from '../../runtime/virtual-tokens';
import { addConfigOptions, commandConfig } from '../config-options';
import { EmulatorSession, type EmulatorSessionOptions } from '../emulator-session';
import type { CliIo } from '../io';

/** `tokenbridge emulate SPEC`: a virtual token in this terminal, attached to a running daemon. */
export function register(program: Command, io: CliIo): void {
  const emulate = program
    .command('emulate')
    .description(
      'Run a virtual token attached to a running daemon. Keys: Enter presses the button (slot 1), ' +
        '2 presses slot 2, u unplugs, p plugs back, q quits. Without a terminal, reads the lines ' +
        'press, press 2, unplug, plug, quit. Prints ready once the daemon has opened the token and ' +
        'hears it; a press before that waits (queued), and a press is reported typed only when ' +
        'the daemon heard all of it. SPEC is KIND[:key=value,...], see docs/virtual-devices.md.',
    )
    .argument('<spec>', 'token spec, e.g. yubikey or hotp:serial=123456,digits=8');
  // The socket and the token's state: the token runs here, everything else is the daemon's.
  addConfigOptions(emulate, [
    'drivers.emulatorSocket',
    'drivers.virtualStateDir',
    'drivers.virtualFresh',
  ])
    .option('--reveal', 'print typed OTPs in full instead of redacted')
    .option('--json', 'one JSON object per event')
    .action(async (specText: string, opts: EmulatorSessionOptions & Record<string, unknown>) => {
      const { config } = commandConfig(io, opts);
      const token = virtualTokenFor(specText, config);
      const socketPath = config.drivers.emulatorSocket;
      const client = await connectEmulator(socketPath, token);
      await new EmulatorSession(io, token, client, opts).run(socketPath);
    });
}
