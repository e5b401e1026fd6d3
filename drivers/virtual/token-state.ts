import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import {
  decodeSlotConfig,
  encodeSlotConfig,
  fromHex,
  toHex,
  ValidationError,
} from '../../src/core';
import type { SlotConfig } from './slot-model';
import type { SlotCounters } from './slots';

/**
 * What a virtual token keeps in its "flash" between runs, as a real key does: the programming
 * sequence, each slot's configuration and the counters it moved. It holds the slots' secrets, so
 * the file is the token's own (mode 0600, in a 0700 folder) like the seed key.
 */
export interface SavedTokenState {
  readonly serial: number;
  /**
   * Which factory configuration the key started from (factoryIdOf its spec): a spec with other
   * slots is another key, and its state file is not this one's.
   */
  readonly factory: string;
  readonly programmingSequence: number;
  readonly slots: readonly [SavedSlot | null, SavedSlot | null];
}

export interface SavedSlot {
  readonly config: SlotConfig;
  readonly counters: SlotCounters;
}

/** Where a token's state lives: loaded once when the token is made, saved on every change. */
export interface TokenStateStore {
  /** The file, for messages. */
  readonly location: string;
  load(): SavedTokenState | undefined;
  save(state: SavedTokenState): void;
}

export const STATE_FILE_VERSION = 1;
const FILE_MODE = 0o600; // holds the slots' secrets
const DIR_MODE = 0o700;

const hex = z.string().regex(/^(?:[0-9a-f]{2})*$/, 'hex');
const counter = z.number().int().min(0).max(0xffff_ffff);
const SlotSchema = z.strictObject({
  config: hex.length(104),
  longSecret: hex.max(128).optional(),
  counter,
  usage: counter.max(0x7fff),
  session: counter.max(0xff),
});
const FileSchema = z.strictObject({
  version: z.literal(STATE_FILE_VERSION),
  serial: z.number().int().min(1),
  factory: z.string().regex(/^[0-9a-f]{16}$/, '16 hex digits'),
  programmingSequence: z.number().int().min(0).max(0xff),
  slots: z.tuple([SlotSchema.nullable(), SlotSchema.nullable()]),
});

/** The default file of a token: `<dir>/<serial>.json`. */
export function stateFileFor(dir: string, serial: number): string {
  return join(dir, `${serial}.json`);
}

/** The state as JSON text (secrets as hex: the file is as private as the key file). */
export function encodeTokenState(state: SavedTokenState): string {
  const file = {
    version: STATE_FILE_VERSION,
    serial: state.serial,
    factory: state.factory,
    programmingSequence: state.programmingSequence,
    slots: state.slots.map((slot) =>
      slot === null
        ? null
        : {
            config: toHex(encodeSlotConfig(slot.config.fields)),
            ...(slot.config.longSecret ? { longSecret: toHex(slot.config.longSecret) } : {}),
            counter: slot.counters.counter,
            usage: slot.counters.usage,
            session: slot.counters.session,
          },
    ),
  };
  return JSON.stringify(file, null, 2) + '\n';
}

/** Parses a state file; `where` names it in errors (never a secret). */
export function decodeTokenState(text: string, where: string): SavedTokenState {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ValidationError(`${where}: not JSON (delete it, or start over with --fresh)`);
  }
  const parsed = FileSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ValidationError(
      `${where}: ${issue?.path.join('.') || 'file'}: ${issue?.message ?? 'invalid'} (delete it, or start over with --fresh)`,
    );
  }
  const slot = (saved: z.infer<typeof SlotSchema> | null, n: number): SavedSlot | null => {
    if (saved === null) return null;
    const decoded = decodeSlotConfig(fromHex(saved.config));
    if (decoded.kind !== 'config') {
      throw new ValidationError(`${where}: slots.${n}.config: not a slot configuration`);
    }
    return {
      config: {
        fields: decoded.fields,
        ...(saved.longSecret ? { longSecret: fromHex(saved.longSecret) } : {}),
      },
      counters: { counter: saved.counter, usage: saved.usage, session: saved.session },
    };
  };
  const file = parsed.data;
  return {
    serial: file.serial,
    factory: file.factory,
    programmingSequence: file.programmingSequence,
    slots: [slot(file.slots[0], 0), slot(file.slots[1], 1)],
  };
}

/**
 * A state file, written whole to a temporary name and renamed over the old one, so a crash leaves
 * the previous state or the new one, never half of either. `fresh` ignores what is there (it is
 * replaced on the first save).
 */
export class FileTokenStateStore implements TokenStateStore {
  constructor(
    readonly location: string,
    private readonly options: { readonly fresh?: boolean } = {},
  ) {}

  load(): SavedTokenState | undefined {
    if (this.options.fresh) return undefined;
    let text: string;
    try {
      text = readFileSync(this.location, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new ValidationError(
        `${this.location}: cannot read the virtual token's state: ${(err as Error).message}`,
      );
    }
    return decodeTokenState(text, this.location);
  }

  save(state: SavedTokenState): void {
    mkdirSync(dirname(this.location), { recursive: true, mode: DIR_MODE });
    const temporary = `${this.location}.${process.pid}.tmp`;
    writeFileSync(temporary, encodeTokenState(state), { mode: FILE_MODE });
    renameSync(temporary, this.location);
  }
}
