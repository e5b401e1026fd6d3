import type { ApiDevice, PairingStepResult, ServerEvent, VerifyOutcome } from '../api';
import type { Logger } from '../core';
import type { DeviceEvent, DeviceManager } from '../devices';
import type { FlowOutcome, PairingState } from '../flows';
import type { Flows } from '../runtime';
import type { ApiBackend, BackendEventListener, ConnectionContext, HelloInfo } from '../server';
import type { TokenStore } from '../tokens';
import { forwardDeviceEvents, toApiDevice } from './backend-devices';

export interface FlowBackendDeps {
  /** The runtime's flows: pairing and sign-on over its store and verifier. */
  readonly flows: Flows;
  readonly store: TokenStore;
  readonly devices: DeviceManager;
  readonly logger: Logger;
  readonly version: string;
  /** False on a kiosk without pairing. */
  readonly pairing: boolean;
  /** Passed through in hello. */
  readonly kiosk?: { idleResetMs: number };
}

/** How often expired pairings are swept even when nobody touches them (their codes leave memory). */
const SWEEP_INTERVAL_MS = 60_000;

/**
 * The daemon's ApiBackend: device events to API events, pairing and sign-on requests to the flows,
 * flow outcomes to the API's outcomes, pairing.state events to the connection that owns the pairing.
 */
export function createFlowBackend(deps: FlowBackendDeps): ApiBackend & { close(): void } {
  const logger = deps.logger.child({ module: 'flow-backend' });
  const listeners = new Set<BackendEventListener>();
  const send = (event: ServerEvent, connectionId?: string) => {
    for (const listener of listeners) listener(event, connectionId);
  };
  const { pairings, signOn } = deps.flows;
  const offState = pairings.onState((owner, state) => send(pairingStateEvent(state), owner));

  // Which attached keys pair by a press: the registry knows them as Yubico OTP tokens.
  const taps = new Map<string, boolean>();
  const canTap = async (device: DeviceEvent): Promise<boolean> => {
    let tap = false;
    try {
      const record =
        device.serial === undefined ? null : await deps.store.get(String(device.serial));
      tap = record?.kind === 'yubico' && record.publicId !== null;
    } catch (err) {
      logger.warn({ error: err instanceof Error ? err.message : String(err) }, 'tap lookup failed');
    }
    if (deps.devices.devices().some((d) => d.id === device.id)) taps.set(device.id, tap);
    return tap;
  };
  const offTaps = deps.devices.on('detached', (d) => taps.delete(d.id));
  const stopDevices = forwardDeviceEvents(deps.devices, (event) => send(event), canTap);
  const sweeper = setInterval(() => pairings.sweep(), SWEEP_INTERVAL_MS);
  sweeper.unref();

  const listDevices = (): ApiDevice[] =>
    deps.devices.devices().map((d) => toApiDevice(d, taps.get(d.id) ?? false));

  return {
    hello(): HelloInfo {
      return {
        version: deps.version,
        devices: listDevices(),
        capabilities: {
          pairing: deps.pairing,
          tapPairing: deps.pairing,
          setup: deps.pairing && pairings.setupAvailable,
        },
        ...(deps.kiosk ? { kiosk: { idleResetMs: deps.kiosk.idleResetMs } } : {}),
      };
    },
    listDevices,
    pairingStart: async (ctx: ConnectionContext, user: string) =>
      stepResult(await pairings.start(ctx.connectionId, user)),
    pairingChooseHardwareToken: async (ctx, pairingId) =>
      stepResult(await pairings.chooseHardwareToken(ctx.connectionId, pairingId)),
    pairingSerial: async (ctx, pairingId, serial) =>
      stepResult(await pairings.serial(ctx.connectionId, pairingId, serial)),
    pairingVerify: async (ctx, pairingId, passcode) =>
      apiOutcome(await pairings.verify(ctx.connectionId, pairingId, passcode)),
    pairingSync: async (ctx, pairingId, passcode) =>
      apiOutcome(await pairings.sync(ctx.connectionId, pairingId, passcode)),
    pairingTap: async (ctx, pairingId, passcode) =>
      apiOutcome(await pairings.tap(ctx.connectionId, pairingId, passcode)),
    pairingSetup: async (ctx, pairingId, deviceId) =>
      stepResult(await pairings.setup(ctx.connectionId, pairingId, deviceId)),
    pairingCancel: async (ctx, pairingId) => ({
      cancelled: pairings.cancel(ctx.connectionId, pairingId),
    }),
    signonVerify: async (ctx, user, passcode) =>
      apiOutcome(await signOn.signOn(user, passcode, ctx.connectionId)),
    tokenUnpair: (_ctx, user, serial) => signOn.unpair(user, serial),
    async health() {
      let store: 'ok' | 'error' = 'ok';
      try {
        await deps.store.count();
      } catch (err) {
        store = 'error';
        logger.warn(
          { error: err instanceof Error ? err.message : String(err) },
          'store check failed',
        );
      }
      return { devices: deps.devices.devices().length, store };
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    connectionClosed(ctx) {
      pairings.dropOwner(ctx.connectionId);
    },
    close() {
      clearInterval(sweeper);
      offState();
      offTaps();
      stopDevices();
      pairings.clear();
      listeners.clear();
    },
  };
}

function stepResult(state: PairingState): PairingStepResult {
  return {
    pairingId: state.pairingId,
    step: state.step,
    ...(state.serial !== undefined ? { serial: state.serial } : {}),
    ...(state.setupOffer !== undefined ? { setupOffer: state.setupOffer } : {}),
  };
}

function pairingStateEvent(state: PairingState): ServerEvent {
  const step = state.setupStep === 'exporting' ? 'verifying' : state.setupStep;
  return {
    type: 'pairing.state',
    ...stepResult(state),
    ...(step !== undefined ? { setupStep: step } : {}),
  };
}

/**
 * The flow's outcome on the wire: the one step from the flows' words to the API's shape. The words
 * are the same (the compiler checks every refusal against the API's schema type); an acceptance
 * keeps its serial in the daemon and sends only the session token.
 */
function apiOutcome(outcome: FlowOutcome): VerifyOutcome {
  if (outcome.result !== 'accepted') return outcome;
  return { result: 'accepted', sessionToken: outcome.sessionToken };
}
