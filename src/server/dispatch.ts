import { timingSafeEqual } from 'node:crypto';
import { ApiErrorCode, type ClientMessage, type VerifyOutcome } from '../api';
import type { ApiBackend, ConnectionContext } from './backend';

/** A refusal decided by the server itself (not the backend); becomes `{ ok: false, error }`. */
export class RequestRefused extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** What a connection remembers between requests: its pairings and who signed on through it. */
export class ConnectionSession {
  /** pairingId -> user, from this connection's pairing.start replies. */
  readonly pairingUsers = new Map<string, string>();
  /** user -> session token issued on sign-on ('' when the backend issued none). */
  readonly signedOn = new Map<string, string>();

  markSignedOn(user: string | undefined, outcome: VerifyOutcome): void {
    if (user !== undefined && outcome.result === 'accepted')
      this.signedOn.set(user, outcome.sessionToken ?? '');
  }

  mayUnpair(user: string, sessionToken: string | undefined): boolean {
    const issued = this.signedOn.get(user);
    if (issued === undefined) return false;
    if (issued === '') return true;
    if (sessionToken === undefined) return false;
    const a = Buffer.from(issued);
    const b = Buffer.from(sessionToken);
    return a.length === b.length && timingSafeEqual(a, b);
  }
}

/** Calls the backend for one validated request and returns the reply fields after `{id, ok}`. */
export async function dispatch(
  backend: ApiBackend,
  ctx: ConnectionContext,
  session: ConnectionSession,
  msg: ClientMessage,
): Promise<object> {
  switch (msg.type) {
    case 'ping':
      return { pong: true };
    case 'devices.list':
      return { devices: await backend.listDevices() };
    case 'pairing.start': {
      const result = await backend.pairingStart(ctx, msg.user);
      session.pairingUsers.set(result.pairingId, msg.user);
      return result;
    }
    case 'pairing.chooseHardwareToken':
      return backend.pairingChooseHardwareToken(ctx, msg.pairingId);
    case 'pairing.serial':
      return backend.pairingSerial(ctx, msg.pairingId, msg.serial);
    case 'pairing.verify':
    case 'pairing.sync':
    case 'pairing.tap': {
      const call =
        msg.type === 'pairing.verify'
          ? backend.pairingVerify
          : msg.type === 'pairing.sync'
            ? backend.pairingSync
            : backend.pairingTap;
      const outcome = await call.call(backend, ctx, msg.pairingId, msg.passcode);
      // A finished pairing signs the user on (the seed's green check), on this connection only.
      session.markSignedOn(session.pairingUsers.get(msg.pairingId), outcome);
      return outcome;
    }
    case 'pairing.setup':
      return backend.pairingSetup(ctx, msg.pairingId, msg.deviceId);
    case 'pairing.cancel': {
      const result = await backend.pairingCancel(ctx, msg.pairingId);
      session.pairingUsers.delete(msg.pairingId);
      return result;
    }
    case 'signon.verify': {
      const outcome = await backend.signonVerify(ctx, msg.user, msg.passcode);
      session.markSignedOn(msg.user, outcome);
      return outcome;
    }
    case 'token.unpair':
      if (!session.mayUnpair(msg.user, msg.sessionToken))
        throw new RequestRefused(
          ApiErrorCode.NOT_SIGNED_ON,
          'sign on as this user on this connection before unpairing',
        );
      await backend.tokenUnpair(ctx, msg.user, msg.serial);
      return { unpaired: true, user: msg.user, serial: msg.serial };
  }
}
