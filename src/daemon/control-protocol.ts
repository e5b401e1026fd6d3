import { z } from 'zod';
import { ApiDevice, ApiError, RequestId, Serial, ServerEvent } from '../api';
import { ErrorCode, LineSplitter, TokenBridgeError } from '../core';
import type { AttachedDevice, DriverStatus } from '../devices';

/**
 * The control channel: line-delimited JSON over the daemon's Unix socket (`server.controlSocket`,
 * docs/control.md), for the command line on the same machine. The daemon says `hello` first; the
 * client sends requests with ids and gets exactly one reply to each; after a `watch` reply, the
 * events every page receives follow, as the WebSocket API spells them. Both ends validate every line
 * with these schemas.
 */
export const CONTROL_PROTOCOL_VERSION = 1;
/** A request is one short line. */
export const MAX_REQUEST_LINE = 4096;
/** A reply lists every attached device: far more room, still bounded. */
export const MAX_REPLY_LINE = 1 << 20;

/** One attached token as `devices` prints it: ids are hashes, never OS paths; serials are text. */
export const ControlDevice = z.strictObject({
  id: z.string().min(1).max(128),
  driver: z.string().min(1).max(32),
  model: z.string().min(1).max(128),
  vendorId: z.number().int().min(0).max(0xffff),
  productId: z.number().int().min(0).max(0xffff),
  serial: Serial.nullable(),
  firmware: z.string().max(32).nullable(),
  interfaceNumber: z.number().int().min(0).max(255),
  access: z.enum(['exclusive', 'shared']),
});
export type ControlDevice = z.infer<typeof ControlDevice>;

export const ControlDriver = z.strictObject({
  name: z.string().min(1).max(32),
  available: z.boolean(),
  reason: z.string().max(1024).optional(),
  fix: z.string().max(1024).optional(),
  hotplug: z.enum(['events', 'polling']).optional(),
});
export type ControlDriver = z.infer<typeof ControlDriver>;

/** A token's verification outcome, as the verifier answers it (src/tokens/outcome.ts). */
export const ControlOutcome = z.discriminatedUnion('status', [
  z.strictObject({
    status: z.literal('accepted'),
    serial: Serial,
    matched: z.number().int(),
    drift: z.number().int(),
  }),
  z.strictObject({ status: z.literal('needs-next-passcode'), serial: Serial }),
  z.strictObject({
    status: z.literal('rejected'),
    serial: Serial,
    reason: z.enum(['wrong', 'replayed', 'malformed', 'not-consecutive']),
    attemptsLeft: z.number().int().min(0),
    lockedUntil: z.number().int().nullable(),
  }),
  z.strictObject({
    status: z.literal('locked'),
    serial: Serial,
    until: z.number().int(),
    retryAfterMs: z.number().int().min(0),
  }),
  z.strictObject({ status: z.literal('not-found') }),
]);
export type ControlOutcome = z.infer<typeof ControlOutcome>;

// ---- daemon -> client ----

export const ControlHello = z.strictObject({
  type: z.literal('hello'),
  protocol: z.literal(CONTROL_PROTOCOL_VERSION),
  version: z.string().max(64),
  pid: z.number().int().min(1),
  /** The page the daemon serves. */
  url: z.string().max(256),
});
export type ControlHello = z.infer<typeof ControlHello>;

/** The fields after `{ id, ok: true }`, per request type. */
export const CONTROL_RESULTS = {
  devices: z.strictObject({ drivers: z.array(ControlDriver), devices: z.array(ControlDevice) }),
  watch: z.strictObject({ devices: z.array(ApiDevice) }),
  'tokens.verify': z.strictObject({ outcome: ControlOutcome }),
} as const;
export type ControlRequestType = keyof typeof CONTROL_RESULTS;
export type ControlResult<T extends ControlRequestType> = z.infer<(typeof CONTROL_RESULTS)[T]>;

export const ControlErrorReply = z.strictObject({
  id: RequestId.nullable(),
  ok: z.literal(false),
  error: ApiError,
});

/** Any line the daemon sends: hello, a reply (checked against its request later), or an event. */
export const ControlDaemonLine = z.union([
  ControlHello,
  ControlErrorReply,
  z.looseObject({ id: RequestId, ok: z.literal(true) }),
  ServerEvent,
]);
export type ControlDaemonLine = z.infer<typeof ControlDaemonLine>;

// ---- client -> daemon ----

export const ControlRequest = z.discriminatedUnion('type', [
  z.strictObject({ id: RequestId, type: z.literal('devices') }),
  /** Events from now on; the reply lists what is attached. */
  z.strictObject({ id: RequestId, type: z.literal('watch') }),
  z.strictObject({
    id: RequestId,
    type: z.literal('tokens.verify'),
    serial: Serial,
    otp: z.string().min(1).max(128),
  }),
]);
export type ControlRequest = z.infer<typeof ControlRequest>;

export function controlError(message: string, cause?: unknown): TokenBridgeError {
  return new TokenBridgeError(ErrorCode.CONTROL_CHANNEL, message, { cause });
}

export function controlLines(maxLength: number): LineSplitter {
  return new LineSplitter(maxLength, (max) =>
    controlError(`control line longer than ${max} characters`),
  );
}

/** Parses one line; the error names the field that was wrong, never echoes the line. */
export function decodeControlLine<T>(schema: z.ZodType<T>, line: string): T {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw controlError('control message is not JSON');
  }
  const result = schema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue?.path.length ? issue.path.join('.') : 'message';
    throw controlError(`bad control message: ${where}: ${issue?.message ?? 'invalid'}`);
  }
  return result.data;
}

export function encodeControlLine(message: object): string {
  return JSON.stringify(message) + '\n';
}

/** What `devices` shows for one attached token. */
export function controlDeviceOf(device: AttachedDevice): ControlDevice {
  return {
    id: device.id,
    driver: device.driver,
    model: device.model,
    vendorId: device.vendorId,
    productId: device.productId,
    serial: device.serial === undefined ? null : String(device.serial),
    firmware: device.firmware ?? null,
    interfaceNumber: device.interfaceNumber,
    access: device.access,
  };
}

export function controlDriverOf(status: DriverStatus): ControlDriver {
  return {
    name: status.name,
    available: status.available,
    ...(status.reason !== undefined ? { reason: status.reason } : {}),
    ...(status.fix !== undefined ? { fix: status.fix } : {}),
    ...(status.hotplug !== undefined ? { hotplug: status.hotplug } : {}),
  };
}
