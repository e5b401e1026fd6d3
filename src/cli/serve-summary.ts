import type { AttachedDevice, DriverStatus } from '../devices';

export interface ServeFacts {
  readonly url: string;
  readonly version: string;
  readonly drivers: readonly DriverStatus[];
  readonly devices: readonly AttachedDevice[];
  readonly controlSocket: string | undefined;
  readonly emulatorSocket: string | undefined;
}

/**
 * What `serve` says to a person on a terminal once it is ready: the page first, then the drivers,
 * the tokens attached, and where the command line reaches it. Events follow, a line each.
 */
export function serveSummary(facts: ServeFacts): string[] {
  const drivers = facts.drivers.map((d) =>
    d.available ? d.name : `${d.name} (unavailable: ${d.reason ?? 'unknown reason'})`,
  );
  const tokens = facts.devices.map(
    (d) => `${d.model}, serial ${d.serial ?? 'hidden'} (${d.driver})`,
  );
  const sockets = [
    ...(facts.controlSocket ? [`control ${facts.controlSocket}`] : []),
    ...(facts.emulatorSocket ? [`emulator ${facts.emulatorSocket}`] : []),
  ];
  return [
    `tokenbridge is ready: open ${facts.url}`,
    `  version  ${facts.version}`,
    `  drivers  ${drivers.join(', ') || 'none'}`,
    `  tokens   ${tokens.join('; ') || 'none attached yet'}`,
    ...(sockets.length > 0 ? [`  sockets  ${sockets.join(', ')}`] : []),
  ];
}
