import type { Command } from 'commander';
import { createLogger, type LogLevel } from '../../core';
import { startDaemon } from '../../daemon/daemon';
import { version } from '../../../package.json';
import { addConfigOptions, commandConfig } from '../config-options';
import { HumanLogStream, humanTerminal } from '../human-log';
import { serveSummary } from '../serve-summary';
import type { CliIo } from '../io';
import { keyControl, lineControl, TokenControl } from '../virtual-keys';

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/** `tokenbridge serve`: the daemon, until SIGINT or SIGTERM. */
export function register(program: Command, io: CliIo): void {
  const serve = program
    .command('serve')
    .description(
      'Run the daemon: devices, registry, the pairing page and the WebSocket API. Prints the ' +
        'page URL when ready; stops cleanly on SIGINT or SIGTERM. With --virtual tokens, Enter ' +
        'presses the first one (2 touches it long: slot 2, u unplugs it, p plugs it back, q quits); ' +
        'without a terminal, stdin takes lines: press [N], long [N], unplug [N], plug [N], quit.',
    );
  addConfigOptions(serve).action((flags: Record<string, unknown>) => runServe(flags, io));
}

async function runServe(flags: Record<string, unknown>, io: CliIo): Promise<void> {
  const { config } = commandConfig(io, flags);
  // A person at a terminal reads a summary and a line per event; a pipe or journald, JSON lines.
  const human = humanTerminal(io.stdout, io.env) ? new HumanLogStream(io.stdout) : undefined;
  const logger = createLogger({
    level: config.log.level as LogLevel,
    destination: human ?? io.stdout,
  });

  let stop!: () => void;
  const stopping = new Promise<void>((resolve) => (stop = resolve));
  for (const signal of SIGNALS) process.once(signal, stop);
  let stopInput: (() => void) | undefined;
  try {
    const daemon = await startDaemon({ config, logger, env: io.env });
    if (human) {
      const lines = serveSummary({
        url: daemon.url,
        version,
        drivers: daemon.devices.driverStatus(),
        devices: daemon.devices.devices(),
        controlSocket: daemon.controlSocket,
        emulatorSocket: daemon.virtual?.socketPath,
      });
      io.stdout.write(lines.join('\n') + '\n');
      human.open();
    } else {
      for (const token of daemon.virtualTokens) {
        const serial = token.spec.serialHidden ? 'serial hidden' : `serial ${token.spec.serial}`;
        io.stdout.write(`virtual token attached: ${token.spec.kind}, ${serial}\n`);
      }
      io.stdout.write(`tokenbridge is ready: open ${daemon.url}\n`);
    }
    if (daemon.access.peerCheck === 'capability')
      io.stdout.write(
        'this daemon cannot tell which local user connects: open the page with the link `tokenbridge url` prints (it carries the install capability)\n',
      );
    if (daemon.virtualTokens.length > 0) {
      // A newcomer with no hardware presses the virtual token's button from this terminal.
      const control = new TokenControl(daemon.virtual, daemon.virtualTokens, io);
      stopInput =
        io.stdin.isTTY && io.stdin.setRawMode
          ? keyControl(io, control, stop)
          : lineControl(io, control, stop);
    }
    await stopping;
    await daemon.close();
  } finally {
    stopInput?.();
    for (const signal of SIGNALS) process.removeListener(signal, stop);
  }
}
