import { z } from 'zod';
import { describeValue } from './describe';
import {
  MAX_HOTP_RESYNC_WINDOW,
  MAX_HOTP_WINDOW,
  MAX_TOTP_RESYNC_STEPS,
  MAX_TOTP_WINDOW,
} from '../otp';
import { DRIVER_NAMES } from '../../drivers';
import { parseVirtualSpec } from '../../drivers/virtual/spec';
import {
  accountField,
  boolField,
  connectionField,
  enumField,
  enumNumberField,
  hostField,
  intField,
  listField,
  nodeNameField,
  numberField,
  optionalPathField,
  originField,
  parsedStringField,
  pathField,
  usbIdField,
} from './fields';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
/** How the daemon tells who connects: `auto` is `uid` on Linux, `capability` elsewhere. */
export const PEER_CHECKS = ['auto', 'uid', 'capability'] as const;

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

/**
 * The configuration file's shape: every section and key, with its bounds. Objects are strict, so a
 * misspelt key is an error rather than a silently ignored setting.
 */
export const configSchema = z.strictObject({
  server: z.strictObject({
    host: hostField(),
    // 0 asks the kernel for a free port (tests, QA runs); the page URL printed names the real one.
    port: intField(0, 65535),
    allowOrigins: listField(originField(), 100),
    // Who may connect, besides the daemon's own user (Linux; docs/security.md).
    peerCheck: enumField(PEER_CHECKS),
    allowUsers: listField(accountField(), 64),
    allowGroups: listField(accountField(), 64),
    capabilityFile: pathField(),
    // Fan-out is benchmarked at 500 clients; the cap stops a runaway page from opening thousands.
    maxClients: intField(1, 10_000),
    rateLimit: z.strictObject({
      perSecond: intField(1, 10_000),
      burst: intField(1, 10_000),
    }),
    controlSocket: pathField(),
  }),
  drivers: z.strictObject({
    enabled: listField(enumField(DRIVER_NAMES), DRIVER_NAMES.length).refine(
      (names) => names.length > 0 && new Set(names).size === names.length,
      { message: `expected 1..${DRIVER_NAMES.length} distinct driver names` },
    ),
    exclusive: boolField(),
    pollIntervalMs: intField(100, MINUTE_MS),
    extraUsbIds: listField(usbIdField(), 64),
    virtual: listField(parsedStringField('a virtual token spec', parseVirtualSpec), 64),
    emulatorSocket: pathField(),
    // Each virtual token keeps its slots and counters in <virtualStateDir>/<serial>.json.
    virtualStateDir: pathField(),
    virtualFresh: boolField(),
  }),
  otp: z.strictObject({
    // hotp-verify refuses a look-ahead of 0: the stored counter itself must be tried.
    hotpWindow: intField(1, MAX_HOTP_WINDOW),
    hotpResyncWindow: intField(1, MAX_HOTP_RESYNC_WINDOW),
    totpWindow: intField(0, MAX_TOTP_WINDOW),
    totpResyncSteps: intField(0, MAX_TOTP_RESYNC_STEPS),
  }),
  lockout: z.strictObject({
    maxFailures: intField(1, 100),
    baseMs: intField(1000, DAY_MS),
    maxMs: intField(1000, 7 * DAY_MS),
    multiplier: numberField(1, 10),
  }),
  // What a page that is not signed on may try before it is slowed (docs/security.md).
  guessing: z.strictObject({
    perConnection: intField(1, 1000),
    lookupsPerConnection: intField(1, 1000),
    lookupsPerHour: intField(1, 100_000),
  }),
  users: z.strictObject({
    maxTokensPerUser: intField(1, 100),
  }),
  store: z.strictObject({
    path: pathField(),
    url: connectionField(),
    keyFile: pathField(),
    passwordFile: optionalPathField(),
    nodeName: nodeNameField(),
    poolSize: intField(1, 100),
    connectTimeoutMs: intField(100, MINUTE_MS),
    statementTimeoutMs: intField(100, MINUTE_MS),
  }),
  log: z.strictObject({
    level: enumField(LOG_LEVELS),
  }),
  // Setting up a key from the page ("Set up this token") and the default of `keys program`.
  enroll: z.strictObject({
    kind: enumField(['hotp', 'yubiotp']),
    slot: intField(1, 2),
    digits: enumNumberField([6, 8]),
    touchTimeoutMs: intField(5000, 10 * MINUTE_MS),
  }),
  kiosk: z.strictObject({
    enabled: boolField(),
    pairing: boolField(),
    idleResetMs: intField(5000, HOUR_MS),
  }),
});

type DeepReadonly<T> = T extends readonly (infer U)[]
  ? readonly DeepReadonly<U>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

export type DeepPartial<T> = T extends readonly unknown[]
  ? T
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> }
    : T;

/** The configuration the daemon runs with: every key present, validated, defaults applied. */
export type ResolvedConfig = DeepReadonly<z.output<typeof configSchema>>;

/** One layer (file, environment, flags): any subset of the keys. */
export type ConfigLayer = DeepPartial<z.output<typeof configSchema>>;

/** The same shape with every key optional at every depth, still strict. */
function partialOf(schema: z.ZodType): z.ZodType {
  if (schema instanceof z.ZodObject) {
    const shape: Record<string, z.ZodType> = {};
    for (const [key, field] of Object.entries(schema.shape as Record<string, z.ZodType>))
      shape[key] = partialOf(field).optional();
    return z.strictObject(shape, { error: objectError });
  }
  return schema;
}

function objectError(issue: { input?: unknown; code?: string }): string | undefined {
  // Unknown keys are reported by the loader with the list of known ones; this covers wrong types.
  if (issue.code === 'invalid_type') return `expected an object, got ${describeValue(issue.input)}`;
  return undefined;
}

export const layerSchema = partialOf(configSchema) as z.ZodType<ConfigLayer>;

/** Cross-field rules, checked once the layers are merged. */
export interface CrossCheck {
  readonly path: string;
  readonly other: string;
  readonly holds: (config: ResolvedConfig) => boolean;
  readonly message: (config: ResolvedConfig) => string;
}

export const CROSS_CHECKS: readonly CrossCheck[] = [
  atLeast('otp.hotpResyncWindow', 'otp.hotpWindow', (c) => [
    c.otp.hotpResyncWindow,
    c.otp.hotpWindow,
  ]),
  atLeast('otp.totpResyncSteps', 'otp.totpWindow', (c) => [
    c.otp.totpResyncSteps,
    c.otp.totpWindow,
  ]),
  atLeast('lockout.maxMs', 'lockout.baseMs', (c) => [c.lockout.maxMs, c.lockout.baseMs]),
];

/** `path` must be at least `other`: a resync search narrower than the window, a ceiling below its base. */
function atLeast(
  path: string,
  other: string,
  values: (c: ResolvedConfig) => [number, number],
): CrossCheck {
  return {
    path,
    other,
    holds: (c) => values(c)[0] >= values(c)[1],
    message: (c) => `expected ${path} >= ${other}, got ${values(c)[0]} < ${values(c)[1]}`,
  };
}

/** The dotted path of every leaf key, in schema order (the docs table follows it). */
export function leafPaths(schema: z.ZodType = configSchema, prefix = ''): string[] {
  if (!(schema instanceof z.ZodObject)) return [prefix];
  return Object.entries(schema.shape as Record<string, z.ZodType>).flatMap(([key, field]) =>
    leafPaths(field, prefix ? `${prefix}.${key}` : key),
  );
}

/** The keys an object at `path` accepts, for "unknown key" messages; undefined when not an object. */
export function knownKeysAt(path: readonly PropertyKey[]): string[] | undefined {
  let schema: z.ZodType = configSchema;
  for (const key of path) {
    if (!(schema instanceof z.ZodObject)) return undefined;
    const next = (schema.shape as Record<string, z.ZodType>)[String(key)];
    if (!next) return undefined;
    schema = next;
  }
  return schema instanceof z.ZodObject ? Object.keys(schema.shape) : undefined;
}
