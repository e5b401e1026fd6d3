import { isAbsolute, resolve } from 'node:path';
import type { Clock, Logger } from '../core';
import type { ResolvedConfig } from '../config';
import {
  FileTokenStateStore,
  parseVirtualSpec,
  stateFileFor,
  type TokenStateStore,
  VirtualToken,
  type VirtualTokenSpec,
} from '../../drivers/virtual';

/** `state=off` in a spec: the token keeps nothing between runs. */
export const STATE_OFF = 'off';

/**
 * Where a virtual token made from the configuration keeps its state: the file its spec names
 * (`state=PATH`, relative to `cwd`), none for `state=off`, else `<drivers.virtualStateDir>/<serial>.json`.
 * `drivers.virtualFresh` (`--fresh`) ignores what the file holds; the next change replaces it.
 */
export function stateStoreFor(
  spec: VirtualTokenSpec,
  config: ResolvedConfig,
  cwd: string = process.cwd(),
): TokenStateStore | undefined {
  if (spec.state === STATE_OFF) return undefined;
  const file =
    spec.state === undefined
      ? stateFileFor(config.drivers.virtualStateDir, spec.serial)
      : isAbsolute(spec.state)
        ? spec.state
        : resolve(cwd, spec.state);
  return new FileTokenStateStore(file, { fresh: config.drivers.virtualFresh });
}

/** A virtual token from its spec text, with the state the configuration gives it. */
export function virtualTokenFor(
  text: string,
  config: ResolvedConfig,
  options: { readonly logger?: Logger; readonly clock?: Clock; readonly cwd?: string } = {},
): VirtualToken {
  const spec = parseVirtualSpec(text);
  const stateStore = stateStoreFor(spec, config, options.cwd);
  return new VirtualToken(spec, {
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
    ...(stateStore ? { stateStore } : {}),
  });
}
