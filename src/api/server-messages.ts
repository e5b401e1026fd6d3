import { z } from 'zod';
import {
  ApiDevice,
  OtpFormat,
  PairingStep,
  RequestId,
  Serial,
  SessionToken,
  SetupOffer,
  SetupStep,
  User,
} from './fields';

// ---- events: `{ type, ... }`, never an id ----

export const HelloEvent = z.strictObject({
  type: z.literal('hello'),
  version: z.string(),
  protocol: z.string(),
  devices: z.array(ApiDevice),
  capabilities: z.strictObject({
    pairing: z.boolean(),
    tapPairing: z.boolean(),
    /** Blank keys can be set up from the page (pairing.setup). */
    setup: z.boolean(),
  }),
  /** Present on a kiosk: the page returns to its start after each sign-on and after this idle time. */
  kiosk: z.strictObject({ idleResetMs: z.number().int().min(1000) }).optional(),
});
export const DeviceAttachedEvent = z.strictObject({
  type: z.literal('device.attached'),
  device: ApiDevice,
});
export const DeviceDetachedEvent = z.strictObject({
  type: z.literal('device.detached'),
  device: ApiDevice,
});
/** An OTP captured from a button press; only allowed origins ever receive it. */
export const OtpEvent = z.strictObject({
  type: z.literal('otp'),
  deviceId: z.string().min(1).max(128),
  serial: Serial.optional(),
  format: OtpFormat,
  otp: z.string().min(6).max(64),
});
/** Where a pairing stands; the page shows the window for `step`. */
export const PairingStateEvent = z.strictObject({
  type: z.literal('pairing.state'),
  pairingId: z.string(),
  step: PairingStep,
  serial: Serial.optional(),
  /** At Hardware Token Pairing: a plugged key that is not registered and can be set up. */
  setupOffer: SetupOffer.optional(),
  /** While the step is `setup`: what the daemon is doing; `touch` asks for the key's button. */
  setupStep: SetupStep.optional(),
});

export const ServerEvent = z.discriminatedUnion('type', [
  HelloEvent,
  DeviceAttachedEvent,
  DeviceDetachedEvent,
  OtpEvent,
  PairingStateEvent,
]);
export type ServerEvent = z.infer<typeof ServerEvent>;

// ---- results of requests (the fields after `{ id, ok: true }`) ----

/** A passcode check is an outcome, not an error. */
export const VerifyOutcome = z.discriminatedUnion('result', [
  z.strictObject({ result: z.literal('accepted'), sessionToken: SessionToken.optional() }),
  z.strictObject({ result: z.literal('needs-next-passcode') }),
  z.strictObject({
    result: z.literal('rejected'),
    reason: z.enum(['wrong-passcode', 'replayed', 'out-of-window']),
    attemptsLeft: z.number().int().min(0),
  }),
  z.strictObject({ result: z.literal('locked'), retryAfterMs: z.number().int().min(0) }),
]);
export type VerifyOutcome = z.infer<typeof VerifyOutcome>;

export const PairingStepResult = z.strictObject({
  pairingId: z.string(),
  step: PairingStep,
  serial: Serial.optional(),
  setupOffer: SetupOffer.optional(),
});
export type PairingStepResult = z.infer<typeof PairingStepResult>;

/** The reply fields for each request type. */
export const RESULT_SCHEMAS = {
  ping: z.strictObject({ pong: z.literal(true) }),
  'devices.list': z.strictObject({ devices: z.array(ApiDevice) }),
  'pairing.start': PairingStepResult,
  'pairing.chooseHardwareToken': PairingStepResult,
  'pairing.serial': PairingStepResult,
  'pairing.verify': VerifyOutcome,
  'pairing.sync': VerifyOutcome,
  'pairing.tap': VerifyOutcome,
  'pairing.setup': PairingStepResult,
  'pairing.cancel': z.strictObject({ cancelled: z.boolean() }),
  'signon.verify': VerifyOutcome,
  'token.unpair': z.strictObject({ unpaired: z.literal(true), user: User, serial: Serial }),
} as const;
export type ResultOf<T extends keyof typeof RESULT_SCHEMAS> = z.infer<(typeof RESULT_SCHEMAS)[T]>;

// ---- replies: exactly one per request ----

export const ApiError = z.strictObject({
  code: z.string().regex(/^[A-Z][A-Z0-9_]*$/),
  message: z.string(),
});
export type ApiError = z.infer<typeof ApiError>;

/** `id` is null only when the request was too broken to carry one. */
export const ErrorReply = z.strictObject({
  id: RequestId.nullable(),
  ok: z.literal(false),
  error: ApiError,
});
export type ErrorReply = z.infer<typeof ErrorReply>;

/** Success: `{ id, ok: true }` merged with the request type's result (see RESULT_SCHEMAS). */
export const OkReply = z.looseObject({ id: RequestId, ok: z.literal(true) });
export type OkReply = z.infer<typeof OkReply>;

export const Reply = z.union([OkReply, ErrorReply]);
export type Reply = z.infer<typeof Reply>;

export const ServerMessage = z.union([ServerEvent, Reply]);
export type ServerMessage = z.infer<typeof ServerMessage>;
