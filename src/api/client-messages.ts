import { z } from 'zod';
import { PairingId, Passcode, RequestId, Serial, SessionToken, SetupOffer, User } from './fields';

/** Every request: `{ id, type, ...params }`; unknown fields are refused so typos surface. */
function request<T extends string, S extends z.ZodRawShape>(type: T, shape: S) {
  return z.strictObject({ id: RequestId, type: z.literal(type), ...shape });
}

export const PingRequest = request('ping', {});
export const DevicesListRequest = request('devices.list', {});
/** Registration window, Start. */
export const PairingStartRequest = request('pairing.start', { user: User });
/** Add a New Device window, Hardware Token. */
export const PairingChooseRequest = request('pairing.chooseHardwareToken', {
  pairingId: PairingId,
});
/** Hardware Token Pairing window: the serial printed on the back of the token. */
export const PairingSerialRequest = request('pairing.serial', {
  pairingId: PairingId,
  serial: Serial,
});
/** Verification window: one passcode. */
export const PairingVerifyRequest = request('pairing.verify', {
  pairingId: PairingId,
  passcode: Passcode,
});
/** Final Step window (Sync): the next passcode, to resynchronise a drifted counter. */
export const PairingSyncRequest = request('pairing.sync', {
  pairingId: PairingId,
  passcode: Passcode,
});
/** A Yubico OTP whose public id is registered pairs by a tap, without a typed serial. */
export const PairingTapRequest = request('pairing.tap', {
  pairingId: PairingId,
  passcode: Passcode,
});
/**
 * Hardware Token Pairing, Set up this token: the daemon writes a fresh credential into the plugged
 * key the setup offer named, reads its first OTP back (the person touches it when asked), registers
 * it, and answers with the Verification step.
 */
export const PairingSetupRequest = request('pairing.setup', {
  pairingId: PairingId,
  deviceId: SetupOffer.shape.deviceId,
});
export const PairingCancelRequest = request('pairing.cancel', { pairingId: PairingId });
export const SignonVerifyRequest = request('signon.verify', { user: User, passcode: Passcode });
/** Allowed only after a successful sign-on for `user` on the same connection. */
export const TokenUnpairRequest = request('token.unpair', {
  user: User,
  serial: Serial,
  sessionToken: SessionToken.optional(),
});

export const ClientMessage = z.discriminatedUnion('type', [
  PingRequest,
  DevicesListRequest,
  PairingStartRequest,
  PairingChooseRequest,
  PairingSerialRequest,
  PairingVerifyRequest,
  PairingSyncRequest,
  PairingTapRequest,
  PairingSetupRequest,
  PairingCancelRequest,
  SignonVerifyRequest,
  TokenUnpairRequest,
]);
export type ClientMessage = z.infer<typeof ClientMessage>;
export type ClientMessageType = ClientMessage['type'];
export type RequestOf<T extends ClientMessageType> = Extract<ClientMessage, { type: T }>;

export const CLIENT_MESSAGE_TYPES: readonly ClientMessageType[] = ClientMessage.options.map(
  (o) => o.shape.type.value,
);
