import {
  bytesEqual,
  isModhex,
  modhexDecode,
  modhexEncode,
  toHex,
  UsageError,
} from '../../src/core';
import { OTP_PRODUCTS } from '../../src/core';
import {
  DEFAULT_PACING_MS,
  DEFAULT_SERIAL,
  DEFAULT_USAGE_COUNTER,
  defaultAesKey,
  defaultHotpSecret,
  defaultPrivateId,
  serialPublicId,
} from './defaults';
import { type FirmwareVersion, MODEL_DEFAULTS, VIRTUAL_MODELS, type VirtualModel } from './models';

/**
 * A virtual token spec: `KIND[:key=value,...]`, e.g. `yubikey`, `hotp:serial=123456,digits=8`,
 * `yubico:model=neo,pacing=0`.
 *
 * KIND
 *   hotp     slot 1 OATH-HOTP
 *   yubico   slot 1 Yubico OTP
 *   yubikey  slot 1 Yubico OTP, slot 2 OATH-HOTP
 *   blank    no slot programmed (pgmSeq 0, no VALID bits)
 *
 * Keys (every one optional; the defaults are deterministic from the serial, see defaults.ts)
 *   serial=N            1..99999999 (default 7050602)
 *   model=M             yk5 | yk4 | neo | standard | plus (default yk5): PID and firmware
 *   pid=HEX             USB product id, one of the OTP PIDs (default: the model's)
 *   fw=X.Y.Z            firmware version in the status report (default: the model's)
 *   serial-hidden=on|off  the serial command is rejected, as with SERIAL_API_VISIBLE unset
 *   secret=HEX          OATH-HOTP seed, 1..64 bytes (default derived from the serial)
 *   counter=N           OATH-HOTP moving factor of the next press (default 0)
 *   digits=6|8          OATH-HOTP code length (default 6)
 *   token-id=on|off     type the OATH token id (ubhe + serial as 8 BCD digits) first (default off)
 *   aes-key=HEX         Yubico OTP AES-128 key, 16 bytes (default derived from the serial)
 *   private-id=HEX      Yubico OTP private id, 6 bytes (default derived from the serial)
 *   public-id=MODHEX    Yubico OTP public id, 1..16 bytes (default modhex(ff 00 ‖ serial BE32))
 *   usage=N             Yubico OTP usage counter at the first plug-in, 1..32767 (default 1)
 *   enter=on|off        append Enter after the OTP (APPEND_CR, default on)
 *   keypad=on|off       type digits on the numeric keypad (USE_NUMERIC_KEYPAD, default off)
 *   pacing=MS           delay between keyboard reports, 0..1000 (default 2)
 *   state=PATH|off      where the token keeps its slots and counters between runs (default: the
 *                       runtime's virtual state folder, <serial>.json); off keeps nothing
 */
export const VIRTUAL_KINDS = ['hotp', 'yubico', 'yubikey', 'blank'] as const;
export type VirtualKind = (typeof VIRTUAL_KINDS)[number];

export interface HotpSlotSpec {
  readonly type: 'hotp';
  readonly secret: Uint8Array;
  readonly counter: number;
  readonly digits: 6 | 8;
  readonly tokenId: boolean;
}

export interface YubicoSlotSpec {
  readonly type: 'yubico';
  readonly publicId: Uint8Array;
  readonly privateId: Uint8Array;
  readonly aesKey: Uint8Array;
  readonly usage: number;
}

export type SlotSpec = HotpSlotSpec | YubicoSlotSpec;

export interface VirtualTokenSpec {
  readonly kind: VirtualKind;
  readonly serial: number;
  readonly serialHidden: boolean;
  readonly model: VirtualModel;
  readonly productId: number;
  readonly firmware: FirmwareVersion;
  readonly slot1: SlotSpec | null;
  readonly slot2: SlotSpec | null;
  readonly appendEnter: boolean;
  readonly numericKeypad: boolean;
  readonly pacingMs: number;
  /** `state=`: a state file, or 'off'; undefined leaves it to whoever makes the token. */
  readonly state?: string;
}

export const SPEC_KEYS = [
  'serial',
  'model',
  'pid',
  'fw',
  'serial-hidden',
  'secret',
  'counter',
  'digits',
  'token-id',
  'aes-key',
  'private-id',
  'public-id',
  'usage',
  'enter',
  'keypad',
  'pacing',
  'state',
] as const;
type SpecKey = (typeof SPEC_KEYS)[number];

const HOTP_KEYS: readonly SpecKey[] = ['secret', 'counter', 'digits', 'token-id'];
const YUBICO_KEYS: readonly SpecKey[] = ['aes-key', 'private-id', 'public-id', 'usage'];

export const MAX_SERIAL = 99_999_999; // the OATH token id holds the serial as 8 BCD digits
export const MAX_HOTP_COUNTER = 0xffff_ffff;
export const MAX_USAGE_COUNTER = 0x7fff; // bit 15 of useCtr is the TICKET_ACT_HIDRPT flag
export const MAX_PACING_MS = 1000;
const MAX_SECRET_BYTES = 64; // one HMAC-SHA1 block; longer keys are hashed by HMAC anyway
const MAX_PUBLIC_ID_BYTES = 16; // the `fixed` field of a slot

function bad(key: string, expected: string, got: string): UsageError {
  return new UsageError(`virtual spec: ${key}: expected ${expected}, got "${got}"`);
}

export function parseVirtualSpec(text: string): VirtualTokenSpec {
  const trimmed = text.trim();
  const colon = trimmed.indexOf(':');
  const kindText = (colon < 0 ? trimmed : trimmed.slice(0, colon)).trim();
  if (!(VIRTUAL_KINDS as readonly string[]).includes(kindText)) {
    throw bad('kind', VIRTUAL_KINDS.join(' | '), kindText);
  }
  const kind = kindText as VirtualKind;
  const values = parsePairs(colon < 0 ? '' : trimmed.slice(colon + 1));
  const hasHotp = kind === 'hotp' || kind === 'yubikey';
  const hasYubico = kind === 'yubico' || kind === 'yubikey';
  for (const key of values.keys()) {
    if (HOTP_KEYS.includes(key) && !hasHotp) {
      throw new UsageError(
        `virtual spec: ${key}: only for kinds with an OATH-HOTP slot (hotp, yubikey)`,
      );
    }
    if (YUBICO_KEYS.includes(key) && !hasYubico) {
      throw new UsageError(
        `virtual spec: ${key}: only for kinds with a Yubico OTP slot (yubico, yubikey)`,
      );
    }
  }

  const serial = intValue(values, 'serial', 1, MAX_SERIAL) ?? DEFAULT_SERIAL;
  const model = modelValue(values) ?? 'yk5';
  const defaults = MODEL_DEFAULTS[model];
  const hotp: HotpSlotSpec | null = hasHotp
    ? {
        type: 'hotp',
        secret: hexValue(values, 'secret', 1, MAX_SECRET_BYTES) ?? defaultHotpSecret(serial),
        counter: intValue(values, 'counter', 0, MAX_HOTP_COUNTER) ?? 0,
        digits: digitsValue(values) ?? 6,
        tokenId: switchValue(values, 'token-id') ?? false,
      }
    : null;
  const yubico: YubicoSlotSpec | null = hasYubico
    ? {
        type: 'yubico',
        publicId: publicIdValue(values) ?? serialPublicId(serial),
        privateId: hexValue(values, 'private-id', 6, 6) ?? defaultPrivateId(serial),
        aesKey: hexValue(values, 'aes-key', 16, 16) ?? defaultAesKey(serial),
        usage: intValue(values, 'usage', 1, MAX_USAGE_COUNTER) ?? DEFAULT_USAGE_COUNTER,
      }
    : null;
  return {
    kind,
    serial,
    serialHidden: switchValue(values, 'serial-hidden') ?? false,
    model,
    productId: pidValue(values) ?? defaults.productId,
    firmware: firmwareValue(values) ?? defaults.firmware,
    slot1: kind === 'hotp' ? hotp : yubico,
    slot2: kind === 'yubikey' ? hotp : null,
    appendEnter: switchValue(values, 'enter') ?? true,
    numericKeypad: switchValue(values, 'keypad') ?? false,
    pacingMs: intValue(values, 'pacing', 0, MAX_PACING_MS) ?? DEFAULT_PACING_MS,
    ...stateValue(values),
  };
}

/** The shortest spec text that parses back to `spec`: the kind plus every non-default key. */
export function formatVirtualSpec(spec: VirtualTokenSpec): string {
  const defaults = parseVirtualSpec(`${spec.kind}:serial=${spec.serial},model=${spec.model}`);
  const pairs: string[] = [];
  const add = (key: SpecKey, value: string, differs: boolean) => {
    if (differs) pairs.push(`${key}=${value}`);
  };
  add('serial', String(spec.serial), spec.serial !== DEFAULT_SERIAL);
  add('model', spec.model, spec.model !== 'yk5');
  add('pid', spec.productId.toString(16).padStart(4, '0'), spec.productId !== defaults.productId);
  add('fw', spec.firmware.join('.'), spec.firmware.join('.') !== defaults.firmware.join('.'));
  add('serial-hidden', onOff(spec.serialHidden), spec.serialHidden);
  const hotp = findSlot(spec, 'hotp');
  const hotpDefault = findSlot(defaults, 'hotp');
  if (hotp && hotpDefault) {
    add('secret', toHex(hotp.secret), !bytesEqual(hotp.secret, hotpDefault.secret));
    add('counter', String(hotp.counter), hotp.counter !== 0);
    add('digits', String(hotp.digits), hotp.digits !== 6);
    add('token-id', onOff(hotp.tokenId), hotp.tokenId);
  }
  const yubico = findSlot(spec, 'yubico');
  const yubicoDefault = findSlot(defaults, 'yubico');
  if (yubico && yubicoDefault) {
    add('aes-key', toHex(yubico.aesKey), !bytesEqual(yubico.aesKey, yubicoDefault.aesKey));
    add(
      'private-id',
      toHex(yubico.privateId),
      !bytesEqual(yubico.privateId, yubicoDefault.privateId),
    );
    add(
      'public-id',
      modhexEncode(yubico.publicId),
      !bytesEqual(yubico.publicId, yubicoDefault.publicId),
    );
    add('usage', String(yubico.usage), yubico.usage !== DEFAULT_USAGE_COUNTER);
  }
  add('enter', onOff(spec.appendEnter), !spec.appendEnter);
  add('keypad', onOff(spec.numericKeypad), spec.numericKeypad);
  add('pacing', String(spec.pacingMs), spec.pacingMs !== DEFAULT_PACING_MS);
  if (spec.state !== undefined) add('state', spec.state, true);
  return pairs.length === 0 ? spec.kind : `${spec.kind}:${pairs.join(',')}`;
}

export function findSlot<T extends SlotSpec['type']>(
  spec: VirtualTokenSpec,
  type: T,
): Extract<SlotSpec, { type: T }> | undefined {
  for (const slot of [spec.slot1, spec.slot2]) {
    if (slot?.type === type) return slot as Extract<SlotSpec, { type: T }>;
  }
  return undefined;
}

function stateValue(values: Map<SpecKey, string>): { state?: string } {
  const text = values.get('state');
  if (text === undefined) return {};
  if (text === '' || text.includes('\0')) throw bad('state', 'a file path or off', text);
  return { state: text };
}

function onOff(on: boolean): string {
  return on ? 'on' : 'off';
}

function parsePairs(text: string): Map<SpecKey, string> {
  const values = new Map<SpecKey, string>();
  if (text === '') return values;
  for (const pair of text.split(',')) {
    const eq = pair.indexOf('=');
    if (eq < 0) throw bad('option', 'key=value', pair);
    const key = pair.slice(0, eq).trim();
    if (!(SPEC_KEYS as readonly string[]).includes(key)) {
      throw bad('key', `one of ${SPEC_KEYS.join(', ')}`, key);
    }
    if (values.has(key as SpecKey)) {
      throw new UsageError(`virtual spec: ${key}: given more than once`);
    }
    values.set(key as SpecKey, pair.slice(eq + 1).trim());
  }
  return values;
}

function intValue(
  values: Map<SpecKey, string>,
  key: SpecKey,
  min: number,
  max: number,
): number | undefined {
  const text = values.get(key);
  if (text === undefined) return undefined;
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw bad(key, `an integer ${min}..${max}`, text);
  }
  return n;
}

function switchValue(values: Map<SpecKey, string>, key: SpecKey): boolean | undefined {
  const text = values.get(key);
  if (text === undefined) return undefined;
  if (text === 'on') return true;
  if (text === 'off') return false;
  throw bad(key, 'on or off', text);
}

function hexValue(
  values: Map<SpecKey, string>,
  key: SpecKey,
  minBytes: number,
  maxBytes: number,
): Uint8Array | undefined {
  const text = values.get(key);
  if (text === undefined) return undefined;
  const size = minBytes === maxBytes ? `${minBytes}` : `${minBytes}..${maxBytes}`;
  const ok = /^(?:[0-9a-fA-F]{2})+$/.test(text);
  const length = text.length / 2;
  if (!ok || length < minBytes || length > maxBytes) {
    // The value may be a secret: say what was wrong with it, never echo it.
    throw new UsageError(
      `virtual spec: ${key}: expected ${size} bytes of hex (${2 * minBytes}${
        minBytes === maxBytes ? '' : `..${2 * maxBytes}`
      } hex digits), got ${ok ? `${length} bytes` : `${text.length} characters that are not hex pairs`}`,
    );
  }
  return new Uint8Array(Buffer.from(text, 'hex'));
}

function publicIdValue(values: Map<SpecKey, string>): Uint8Array | undefined {
  const text = values.get('public-id');
  if (text === undefined) return undefined;
  const lower = text.toLowerCase();
  if (!isModhex(lower) || lower.length < 2 || lower.length > 2 * MAX_PUBLIC_ID_BYTES) {
    throw bad(
      'public-id',
      `2..${2 * MAX_PUBLIC_ID_BYTES} modhex characters (cbdefghijklnrtuv), in pairs`,
      text,
    );
  }
  return modhexDecode(lower);
}

function digitsValue(values: Map<SpecKey, string>): 6 | 8 | undefined {
  const text = values.get('digits');
  if (text === undefined) return undefined;
  if (text === '6') return 6;
  if (text === '8') return 8;
  throw bad('digits', '6 or 8', text);
}

function modelValue(values: Map<SpecKey, string>): VirtualModel | undefined {
  const text = values.get('model');
  if (text === undefined) return undefined;
  if (!(VIRTUAL_MODELS as readonly string[]).includes(text)) {
    throw bad('model', VIRTUAL_MODELS.join(' | '), text);
  }
  return text as VirtualModel;
}

function pidValue(values: Map<SpecKey, string>): number | undefined {
  const text = values.get('pid');
  if (text === undefined) return undefined;
  const m = /^(?:0x)?([0-9a-fA-F]{1,4})$/.exec(text);
  const pid = m ? parseInt(m[1]!, 16) : NaN;
  if (!OTP_PRODUCTS.some((p) => p.productId === pid)) {
    const pids = OTP_PRODUCTS.map((p) => p.productId.toString(16).padStart(4, '0')).join(', ');
    throw bad('pid', `an OTP product id in hex (${pids})`, text);
  }
  return pid;
}

function firmwareValue(values: Map<SpecKey, string>): FirmwareVersion | undefined {
  const text = values.get('fw');
  if (text === undefined) return undefined;
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  const parts = m ? [Number(m[1]), Number(m[2]), Number(m[3])] : [];
  if (parts.length !== 3 || parts.some((p) => p > 0xff)) {
    throw bad('fw', 'a version X.Y.Z with each part 0..255', text);
  }
  return [parts[0]!, parts[1]!, parts[2]!];
}
