import type { RequestOf } from '../api/client-messages';
import { Passcode, Serial, User } from '../api/fields';
import type { z } from 'zod';
import {
  canSubmit,
  formOpen,
  type Field,
  type FormName,
  type OtpEvent,
  type PageState,
  type RequestType,
} from './state';

/** A request the page is about to send: its type and the fields after `{ id, type }`. */
export type PageRequest = {
  [K in RequestType]: { readonly type: K; readonly params: Omit<RequestOf<K>, 'id' | 'type'> };
}[RequestType];

export type Submission =
  | { readonly ok: true; readonly request: PageRequest }
  | { readonly ok: false; readonly field: Field; readonly text: string };

type Check = { ok: true; value: string } | { ok: false; field: Field; text: string };

function check(schema: z.ZodType<string>, field: Field, raw: string, empty: string): Check {
  const value = raw.trim();
  if (value === '') return { ok: false, field, text: empty };
  const parsed = schema.safeParse(field === 'passcode' ? value.replace(/\s+/g, '') : value);
  if (parsed.success) return { ok: true, value: parsed.data };
  const what: Record<Field, string> = {
    user: 'A user name is 1 to 128 printable characters.',
    serial: 'A serial number is letters, digits, dots, colons, dashes or underscores.',
    passcode: 'A passcode is 6 or 8 digits, or the long code a YubiKey types.',
    unpairSerial: 'A serial number is letters, digits, dots, colons, dashes or underscores.',
  };
  return { ok: false, field, text: what[field] };
}

/**
 * What submitting a window's form sends, checked with the API's own field schemas first so a typo is
 * explained beside its field instead of coming back as a refused message. Undefined when the window
 * has nothing to send or the page cannot send now.
 */
export function submission(state: PageState, form: FormName = 'main'): Submission | undefined {
  if (!formOpen(state, form) || state.busy !== undefined) return undefined;
  const f = state.fields;
  const user = () => check(User, 'user', f.user, 'Enter your user name.');
  const passcode = () =>
    check(Passcode, 'passcode', f.passcode, 'Enter the passcode from your token.');
  const pairingId = state.pairingId;
  const ok = (request: PageRequest): Submission => ({ ok: true, request });
  if (form === 'unpair') {
    const session = state.session;
    if (session === undefined) return undefined;
    const serial = check(Serial, 'unpairSerial', f.unpairSerial, 'Enter the serial to unpair.');
    if (!serial.ok) return serial;
    return ok({
      type: 'token.unpair',
      params: {
        user: session.user,
        serial: serial.value,
        ...(session.sessionToken !== undefined ? { sessionToken: session.sessionToken } : {}),
      },
    });
  }
  switch (state.window) {
    case 'signon': {
      const u = user();
      if (!u.ok) return u;
      const p = passcode();
      if (!p.ok) return p;
      return ok({ type: 'signon.verify', params: { user: u.value, passcode: p.value } });
    }
    case 'registration': {
      const u = user();
      return u.ok ? ok({ type: 'pairing.start', params: { user: u.value } }) : u;
    }
    case 'choose-device':
      if (pairingId === undefined) return undefined;
      return ok({ type: 'pairing.chooseHardwareToken', params: { pairingId } });
    case 'serial': {
      if (pairingId === undefined) return undefined;
      const s = check(Serial, 'serial', f.serial, 'Enter the serial number of your token.');
      return s.ok ? ok({ type: 'pairing.serial', params: { pairingId, serial: s.value } }) : s;
    }
    case 'setup': {
      const offer = state.setupOffer;
      if (pairingId === undefined || offer === undefined) return undefined;
      return ok({ type: 'pairing.setup', params: { pairingId, deviceId: offer.deviceId } });
    }
    case 'verification':
    case 'final-step': {
      if (pairingId === undefined) return undefined;
      const p = passcode();
      if (!p.ok) return p;
      const type = state.window === 'verification' ? 'pairing.verify' : 'pairing.sync';
      return ok({ type, params: { pairingId, passcode: p.value } });
    }
    case 'done':
      return undefined;
  }
}

/**
 * A Yubico OTP tapped while the person is choosing a device or typing a serial pairs the token by
 * its public id, when the daemon offers it: no serial to type.
 */
export function tapRequest(state: PageState, event: OtpEvent): PageRequest | undefined {
  if (!state.tapPairing || event.format !== 'yubico' || state.pairingId === undefined) return;
  if (state.window !== 'choose-device' && state.window !== 'serial') return;
  if (!canSubmit(state)) return;
  return { type: 'pairing.tap', params: { pairingId: state.pairingId, passcode: event.otp } };
}
