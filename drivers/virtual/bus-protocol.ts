import { z } from 'zod';
import { ErrorCode, LineSplitter as CoreLineSplitter, TokenBridgeError } from '../../src/core';

/**
 * The emulator bus: line-delimited JSON over a local Unix socket between the daemon (server) and an
 * emulator process (`tokenbridge emulate`, client) that runs a virtual token. The emulator announces
 * the token's USB identity (never its secrets); the daemon forwards feature reports as requests with
 * ids; the emulator streams keyboard input reports and plug/unplug events. Attaching is a handshake:
 * the daemon says `listening` when it has opened the token and hears its keystrokes (and again,
 * false, when it stops), and after a press the emulator asks `sync` whether every report since the
 * last sync was heard. Both ends validate every line with these schemas.
 */
export const BUS_PROTOCOL_VERSION = 2;
/** Longest line either end accepts, newline excluded: every message is far smaller. */
export const MAX_LINE_LENGTH = 4096;

const report = z.string().regex(/^[0-9a-f]{16}$/, 'an 8-byte report as 16 lowercase hex digits');
const requestId = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

export const DeviceIdentitySchema = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'a token id of [a-z0-9._-], up to 64'),
  vendorId: z.number().int().min(0).max(0xffff),
  productId: z.number().int().min(0).max(0xffff),
  model: z.string().min(1).max(64),
});
export type DeviceIdentity = z.infer<typeof DeviceIdentitySchema>;

/** Emulator -> daemon. */
export const EmulatorMessageSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('hello'),
    protocol: z.literal(BUS_PROTOCOL_VERSION),
    device: DeviceIdentitySchema,
    plugged: z.boolean(),
  }),
  z.object({
    type: z.literal('response'),
    id: requestId,
    ok: z.literal(true),
    report: report.optional(),
  }),
  z.object({
    type: z.literal('failure'),
    id: requestId,
    error: z.object({ code: z.string().max(64), message: z.string().max(512) }),
  }),
  z.object({ type: z.literal('input'), report }),
  z.object({ type: z.literal('plug'), plugged: z.boolean() }),
  /** Were the input reports since the previous sync all heard? Answered by `synced`. */
  z.object({ type: z.literal('sync'), id: requestId }),
]);
export type EmulatorMessage = z.infer<typeof EmulatorMessageSchema>;

/** Daemon -> emulator. */
export const DaemonMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('welcome'), protocol: z.literal(BUS_PROTOCOL_VERSION) }),
  z.object({ type: z.literal('refused'), message: z.string().max(512) }),
  z.object({ type: z.literal('set-feature'), id: requestId, report }),
  z.object({ type: z.literal('get-feature'), id: requestId }),
  /**
   * The daemon has the token open and hears its keyboard reports (true), or no longer (false).
   * `plugs` counts the emulator's plug messages the daemon had handled: a `true` sent before the
   * emulator's latest unplug or plug is stale, and the emulator ignores it.
   */
  z.object({
    type: z.literal('listening'),
    listening: z.boolean(),
    plugs: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  }),
  /** `heard`: every input report since the previous sync reached a listening host. */
  z.object({ type: z.literal('synced'), id: requestId, heard: z.boolean() }),
]);
export type DaemonMessage = z.infer<typeof DaemonMessageSchema>;

export function busError(message: string, cause?: unknown): TokenBridgeError {
  return new TokenBridgeError(ErrorCode.EMULATOR_BUS, message, { cause });
}

/** Parses one line against a schema; the error names what was wrong, not the line (it may be long). */
export function decodeLine<T>(schema: z.ZodType<T>, line: string): T {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw busError('bus message is not JSON');
  }
  const result = schema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue?.path.length ? issue.path.join('.') : 'message';
    throw busError(`bad bus message: ${where}: ${issue?.message ?? 'invalid'}`);
  }
  return result.data;
}

export function encodeLine(message: EmulatorMessage | DaemonMessage): string {
  return JSON.stringify(message) + '\n';
}

/** The bus's lines: at most MAX_LINE_LENGTH characters, a longer one drops the peer. */
export class LineSplitter extends CoreLineSplitter {
  constructor() {
    super(MAX_LINE_LENGTH, (max) => busError(`bus line longer than ${max} characters`));
  }
}
