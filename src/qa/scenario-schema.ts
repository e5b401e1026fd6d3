import { z } from 'zod';
import { parseVirtualSpec } from '../../drivers/virtual';

/**
 * The shape of a QA scenario file (docs/qa.md). Objects are strict so that a misspelt key is an error
 * instead of a silently skipped check. Steps are validated one by one (see parse-scenario.ts) so that
 * an error names the step.
 */

/** Token, client and variable names: they appear in `${...}` references, so keep them plain. */
export const NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
export const Name = z
  .string()
  .regex(NAME_PATTERN, 'expected a name: a letter, then letters, digits, _ or -');

/** A dotted path into a reply or an event, e.g. `pairingId` or `error.code`. */
export const FieldPath = z
  .string()
  .regex(/^[A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*$/, 'expected a dotted field path such as error.code');

/** `save: { var: path }`: reply or event fields kept as variables for later `${var}`. */
export const SaveMap = z.record(Name, FieldPath);

const Milliseconds = (max: number) => z.number().int().min(0).max(max);

/** Longest single wait a step may ask for; a QA run is minutes, not hours. */
export const MAX_STEP_MS = 600_000;
/** How long expect-event waits when `within` is not given. */
export const DEFAULT_EVENT_WITHIN_MS = 2000;
/** How long expect-no-event watches when `within` is not given. */
export const DEFAULT_NO_EVENT_WITHIN_MS = 500;

const VirtualSpecText = z.string().superRefine((text, ctx) => {
  try {
    parseVirtualSpec(text);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: err instanceof Error ? err.message : String(err) });
  }
});

export const TokenDefinition = z.union([
  VirtualSpecText,
  z.strictObject({
    spec: VirtualSpecText,
    /** false: the token starts unplugged (a `plug` step brings it in, e.g. after a fault). */
    plugged: z.boolean().optional(),
  }),
]);
export type TokenDefinition = z.infer<typeof TokenDefinition>;

const Hex = z.string().regex(/^(?:[0-9a-fA-F]{2})+$/, 'expected hex digits in pairs');
const SerialText = z
  .union([z.string(), z.number().int().min(0)])
  .transform((v) => String(v))
  .pipe(z.string().regex(/^[A-Za-z0-9._:-]{1,50}$/, 'expected a serial: [A-Za-z0-9._:-]{1,50}'));

/** A registry entry: a token's own slot-1 credential (optionally with another counter or serial)... */
export const RegistryFromToken = z.strictObject({
  token: Name,
  serial: SerialText.optional(),
  /** HOTP: the registry's next expected counter (to put the token ahead of it, for a resync). */
  counter: z.number().int().min(0).optional(),
  /** Paired to this user before the run (otherwise the entry starts unpaired). */
  user: z.string().min(1).max(128).optional(),
});

/** ...or an explicit record, as an import file would carry it. */
export const RegistryRecord = z.strictObject({
  serial: SerialText,
  kind: z.enum(['hotp', 'totp', 'yubico']),
  secret: Hex,
  algorithm: z.enum(['sha1', 'sha256', 'sha512']).optional(),
  digits: z.union([z.literal(6), z.literal(8)]).optional(),
  period: z.union([z.literal(30), z.literal(60)]).optional(),
  counter: z.number().int().min(0).optional(),
  publicId: z
    .string()
    .regex(/^[cbdefghijklnrtuv]{2,32}$/, 'expected modhex')
    .optional(),
  privateId: Hex.optional(),
  user: z.string().min(1).max(128).optional(),
});

export const RegistryEntry = z.union([Name, RegistryFromToken, RegistryRecord]);
export type RegistryEntry = z.infer<typeof RegistryEntry>;

export const ClientDefinition = z.union([
  Name,
  z.strictObject({ name: Name, origin: z.string().url().optional() }),
]);

// ---- steps: `{ KIND: value, name?: "what this step checks" }` ----

const TokenRef = z
  .union([Name, z.strictObject({ token: Name })])
  .transform((v) => (typeof v === 'string' ? v : v.token));

const Press = z
  .union([
    Name,
    z.strictObject({ token: Name, slot: z.union([z.literal(1), z.literal(2)]).optional() }),
  ])
  .transform((v) =>
    typeof v === 'string' ? { token: v, slot: 1 as const } : { token: v.token, slot: v.slot ?? 1 },
  );

const Fault = z.discriminatedUnion('kind', [
  z.strictObject({
    token: Name,
    kind: z.literal('garbage'),
    count: z.number().int().min(1).max(1000),
  }),
  z.strictObject({ token: Name, kind: z.literal('crc-corruption') }),
  z.strictObject({ token: Name, kind: z.literal('stall'), ms: Milliseconds(10_000) }),
  z.strictObject({ token: Name, kind: z.literal('slow-typing'), perKeyMs: Milliseconds(1000) }),
  z.strictObject({
    token: Name,
    kind: z.literal('unplug-mid-transfer'),
    afterReports: z.number().int().min(0).max(1000).optional(),
  }),
]);

/** Fields to compare: nested objects match partially; `a.b` keys are paths. */
const Match = z.record(z.string().min(1), z.unknown());

const Send = z.strictObject({
  client: Name.optional(),
  type: z.string().min(1).max(64),
  params: z.record(z.string(), z.unknown()).optional(),
  save: SaveMap.optional(),
});

const ExpectReply = z.strictObject({
  client: Name.optional(),
  match: Match,
  save: SaveMap.optional(),
});

const ExpectEvent = z.strictObject({
  client: Name.optional(),
  type: z.string().min(1).max(64),
  match: Match.optional(),
  within: Milliseconds(MAX_STEP_MS).optional(),
  save: SaveMap.optional(),
});

const ExpectNoEvent = z.strictObject({
  client: Name.optional(),
  type: z.string().min(1).max(64),
  match: Match.optional(),
  within: Milliseconds(MAX_STEP_MS).optional(),
});

const SetClock = z.union([
  z.strictObject({
    at: z.union([
      z.number().int().min(0),
      z.iso.datetime({ offset: true, message: 'expected an ISO 8601 date-time or Unix ms' }),
    ]),
  }),
  z.strictObject({
    advance: z
      .number()
      .int()
      .min(-MAX_STEP_MS * 1000)
      .max(MAX_STEP_MS * 1000),
  }),
]);

/** Each step kind and the schema of its value. */
export const STEP_SCHEMAS = {
  plug: TokenRef,
  unplug: TokenRef,
  press: Press,
  fault: Fault,
  'clear-faults': TokenRef,
  wait: Milliseconds(MAX_STEP_MS),
  send: Send,
  'expect-reply': ExpectReply,
  'expect-event': ExpectEvent,
  'expect-no-event': ExpectNoEvent,
  'set-clock': SetClock,
} as const;

export type StepKind = keyof typeof STEP_SCHEMAS;
export const STEP_KINDS = Object.keys(STEP_SCHEMAS) as StepKind[];

/** A validated step: its kind, its value, and an optional label for the report. */
export type Step = {
  [K in StepKind]: { kind: K; value: z.output<(typeof STEP_SCHEMAS)[K]>; label?: string };
}[StepKind];
export type StepOf<K extends StepKind> = Extract<Step, { kind: K }>;

/** The scenario minus its steps, which are validated one by one. */
export const ScenarioHeader = z.strictObject({
  name: z.string().min(1).max(200),
  description: z.string().max(2000).optional(),
  tokens: z.record(Name, TokenDefinition).optional(),
  registry: z.array(RegistryEntry).optional(),
  clients: z.array(ClientDefinition).min(1).optional(),
  /** Starting values for `${var}`. */
  variables: z.record(Name, z.union([z.string(), z.number(), z.boolean()])).optional(),
  steps: z.array(z.unknown()).min(1),
});
