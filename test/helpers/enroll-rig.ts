import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConfigLayer } from '../../src/config';
import { silentLogger } from '../../src/core';
import type { EnrollListener, EnrollOutcome, EnrollRequest, KeyEnroller } from '../../src/enroll';
import { Runtime } from '../../src/runtime';
import type { RegistryStore } from '../../src/tokens';
import { parseVirtualSpec, VirtualDriver, VirtualToken } from '../../drivers/virtual';
import { testConfig } from './config';

export interface EnrollRig {
  readonly runtime: Runtime;
  readonly token: VirtualToken;
  readonly store: RegistryStore;
  readonly enroller: KeyEnroller;
  readonly deviceId: string;
  /** Enrolls the key; `touch` says what the person does when asked to touch it. */
  enroll(
    request?: Partial<EnrollRequest>,
    touch?: 'press' | 'nothing' | ((token: VirtualToken) => void),
    onStep?: EnrollListener,
  ): Promise<EnrollOutcome>;
  close(): Promise<void>;
}

/**
 * The runtime's real parts (device manager, SQLite store, verifier, enroller) over a virtual
 * driver the test holds, with one virtual key plugged in and opened.
 */
export async function openEnrollRig(spec: string, config: ConfigLayer = {}): Promise<EnrollRig> {
  const dir = mkdtempSync(join(tmpdir(), 'tb-enroll-'));
  const virtual = new VirtualDriver();
  const token = new VirtualToken(parseVirtualSpec(spec));
  virtual.attach(token);
  const runtime = new Runtime({
    config: testConfig(dir, config),
    logger: silentLogger(),
    env: {},
    drivers: [virtual],
  });
  const devices = runtime.devices();
  await devices.start();
  const [device] = devices.devices();
  if (!device) throw new Error('the virtual key was not opened');
  const store = await runtime.store();
  const enroller = await runtime.enroller();
  return {
    runtime,
    token,
    store,
    enroller,
    deviceId: device.id,
    enroll(request = {}, touch = 'press', onStep) {
      const full: EnrollRequest = {
        deviceId: device.id,
        kind: 'hotp',
        slot: 2,
        digits: 6,
        tokenId: false,
        force: false,
        source: 'test',
        ...request,
      };
      return enroller.enroll(full, (step) => {
        onStep?.(step);
        if (step !== 'touch' || touch === 'nothing') return;
        if (touch === 'press') void token.press(full.slot).catch(() => undefined);
        else touch(token);
      });
    },
    async close() {
      await runtime.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
