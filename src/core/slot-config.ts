import { crc16, crc16ResidueOk } from './crc16';
import { ValidationError } from './errors';
import {
  ACCESS_CODE_SIZE,
  CONFIG_CRC_COVERS,
  CONFIG_FIXED_SIZE,
  CONFIG_KEY_SIZE,
  CONFIG_OFFSET_ACC_CODE,
  CONFIG_OFFSET_CFG_FLAGS,
  CONFIG_OFFSET_CRC,
  CONFIG_OFFSET_EXT_FLAGS,
  CONFIG_OFFSET_FIXED,
  CONFIG_OFFSET_FIXED_SIZE,
  CONFIG_OFFSET_KEY,
  CONFIG_OFFSET_TKT_FLAGS,
  CONFIG_OFFSET_UID,
  CONFIG_SIZE,
  CONFIG_UID_SIZE,
  CONFIG_WRITE_SIZE,
} from './slot-config-wire';

/** The fields of a 52-byte slot configuration (config_st), as bytes and flag words. */
export interface SlotConfigFields {
  /** 0..16 bytes; fixedSize is its length. */
  readonly fixed: Uint8Array;
  readonly uid: Uint8Array;
  readonly key: Uint8Array;
  /** The access code the slot has once this configuration is written (zeros: none). */
  readonly accessCode: Uint8Array;
  readonly extFlags: number;
  readonly tktFlags: number;
  readonly cfgFlags: number;
}

export const NO_ACCESS_CODE: Uint8Array = new Uint8Array(ACCESS_CODE_SIZE);

/** The 52 bytes with their CRC. Sizes are checked; a short uid, key or code is an error. */
export function encodeSlotConfig(fields: SlotConfigFields): Uint8Array {
  exactly(fields.uid, CONFIG_UID_SIZE, 'uid');
  exactly(fields.key, CONFIG_KEY_SIZE, 'key');
  exactly(fields.accessCode, ACCESS_CODE_SIZE, 'access code');
  if (fields.fixed.length > CONFIG_FIXED_SIZE) {
    throw new ValidationError(
      `fixed: at most ${CONFIG_FIXED_SIZE} bytes fit in a slot, got ${fields.fixed.length}`,
    );
  }
  for (const [name, value] of [
    ['extFlags', fields.extFlags],
    ['tktFlags', fields.tktFlags],
    ['cfgFlags', fields.cfgFlags],
  ] as const) {
    if (!Number.isInteger(value) || value < 0 || value > 0xff) {
      throw new ValidationError(`${name}: expected a byte, got ${String(value)}`);
    }
  }
  const config = new Uint8Array(CONFIG_SIZE);
  config.set(fields.fixed, CONFIG_OFFSET_FIXED);
  config.set(fields.uid, CONFIG_OFFSET_UID);
  config.set(fields.key, CONFIG_OFFSET_KEY);
  config.set(fields.accessCode, CONFIG_OFFSET_ACC_CODE);
  config[CONFIG_OFFSET_FIXED_SIZE] = fields.fixed.length;
  config[CONFIG_OFFSET_EXT_FLAGS] = fields.extFlags;
  config[CONFIG_OFFSET_TKT_FLAGS] = fields.tktFlags;
  config[CONFIG_OFFSET_CFG_FLAGS] = fields.cfgFlags;
  // The configuration CRC is the complement (unlike the frame's), so a residue check works.
  const crc = ~crc16(config.subarray(0, CONFIG_CRC_COVERS)) & 0xffff;
  config[CONFIG_OFFSET_CRC] = crc & 0xff;
  config[CONFIG_OFFSET_CRC + 1] = crc >>> 8;
  return config;
}

export type DecodedSlotConfig =
  /** 52 zero bytes: "delete this slot" (yubikit delete_slot writes exactly that). */
  | { readonly kind: 'delete' }
  | { readonly kind: 'config'; readonly fields: SlotConfigFields }
  | { readonly kind: 'invalid'; readonly reason: string };

/** Reads a configuration as a key does: the all-zero delete, a CRC-checked config, or invalid. */
export function decodeSlotConfig(config: Uint8Array): DecodedSlotConfig {
  if (config.length !== CONFIG_SIZE) {
    return { kind: 'invalid', reason: `expected ${CONFIG_SIZE} bytes, got ${config.length}` };
  }
  if (config.every((b) => b === 0)) return { kind: 'delete' };
  if (!crc16ResidueOk(config)) return { kind: 'invalid', reason: 'configuration CRC mismatch' };
  const fixedSize = config[CONFIG_OFFSET_FIXED_SIZE]!;
  if (fixedSize > CONFIG_FIXED_SIZE) {
    return { kind: 'invalid', reason: `fixedSize ${fixedSize} exceeds ${CONFIG_FIXED_SIZE}` };
  }
  return {
    kind: 'config',
    fields: {
      fixed: config.slice(CONFIG_OFFSET_FIXED, CONFIG_OFFSET_FIXED + fixedSize),
      uid: config.slice(CONFIG_OFFSET_UID, CONFIG_OFFSET_UID + CONFIG_UID_SIZE),
      key: config.slice(CONFIG_OFFSET_KEY, CONFIG_OFFSET_KEY + CONFIG_KEY_SIZE),
      accessCode: config.slice(CONFIG_OFFSET_ACC_CODE, CONFIG_OFFSET_ACC_CODE + ACCESS_CODE_SIZE),
      extFlags: config[CONFIG_OFFSET_EXT_FLAGS]!,
      tktFlags: config[CONFIG_OFFSET_TKT_FLAGS]!,
      cfgFlags: config[CONFIG_OFFSET_CFG_FLAGS]!,
    },
  };
}

/** What SLOT_CONFIG/CONFIG2/UPDATE1/UPDATE2 carry: the configuration, then the current code. */
export function configWritePayload(
  config: Uint8Array,
  currentAccessCode: Uint8Array = NO_ACCESS_CODE,
): Uint8Array {
  exactly(config, CONFIG_SIZE, 'configuration');
  exactly(currentAccessCode, ACCESS_CODE_SIZE, 'current access code');
  const payload = new Uint8Array(CONFIG_WRITE_SIZE);
  payload.set(config);
  payload.set(currentAccessCode, CONFIG_SIZE);
  return payload;
}

/** The two parts of a configuration write payload, as the key reads them. */
export function splitConfigWrite(payload: Uint8Array): {
  config: Uint8Array;
  currentAccessCode: Uint8Array;
} {
  return {
    config: payload.slice(0, CONFIG_SIZE),
    currentAccessCode: payload.slice(CONFIG_SIZE, CONFIG_WRITE_SIZE),
  };
}

function exactly(bytes: Uint8Array, size: number, what: string): void {
  if (!(bytes instanceof Uint8Array) || bytes.length !== size) {
    const got = bytes instanceof Uint8Array ? `${bytes.length} bytes` : typeof bytes;
    throw new ValidationError(`${what}: expected ${size} bytes, got ${got}`);
  }
}
