import type { ClientMessageType } from '../api/client-messages';
import type { ApiDevice, SetupOffer, SetupStep } from '../api/fields';
import type { ResultOf, ServerEvent } from '../api/server-messages';
import { errorNotice, outcomeNotice, type Notice } from './messages';
import { offerUnplugged, openSetup, setupDone, setupProgress, withOffer } from './setup';

export type HelloEvent = Extract<ServerEvent, { type: 'hello' }>;
export type OtpEvent = Extract<ServerEvent, { type: 'otp' }>;

/** The windows of the page, in the order of the seed's pairing walk-through. */
export type WindowName =
  | 'signon'
  | 'registration'
  | 'choose-device'
  | 'serial'
  | 'setup'
  | 'verification'
  | 'final-step'
  | 'done';

/** The windows that belong to a pairing in progress (it is lost when the connection is). */
export const PAIRING_WINDOWS: readonly WindowName[] = [
  'choose-device',
  'serial',
  'setup',
  'verification',
  'final-step',
];

export type Field = 'user' | 'serial' | 'passcode' | 'unpairSerial';
export type Fields = Readonly<Record<Field, string>>;
export type RequestType = Exclude<ClientMessageType, 'ping' | 'devices.list'>;
export type Connection = 'connecting' | 'open' | 'unreachable';

/** How long a kiosk shows the green check before it returns to its start. */
export const KIOSK_DONE_MS = 4000;

export interface SignedOn {
  readonly user: string;
  readonly sessionToken?: string;
  readonly via: 'pairing' | 'signon';
  /** The token that was paired or signed on with, when the page knows it. */
  readonly serial?: string;
}

export interface PageState {
  readonly connection: Connection;
  /** When the next connection attempt starts (while unreachable). */
  readonly retryAt?: number;
  /** Whether a `hello` ever arrived: the first one picks the start window. */
  readonly everConnected: boolean;
  /** Where the page starts: sign-on for later visits and kiosks, registration on a first visit. */
  readonly home: 'signon' | 'registration';
  readonly version?: string;
  readonly pairingAllowed: boolean;
  readonly tapPairing: boolean;
  /** The daemon sets blank keys up (hello.capabilities.setup). */
  readonly setupAllowed: boolean;
  /** At Hardware Token Pairing: a plugged key that is not registered, offered for setup. */
  readonly setupOffer?: SetupOffer;
  /** While the daemon sets the key up: where it is. */
  readonly setupStep?: SetupStep;
  readonly kiosk?: { readonly idleResetMs: number };
  readonly devices: readonly ApiDevice[];
  readonly window: WindowName;
  readonly fields: Fields;
  readonly pairingId?: string;
  /** The serial being paired, once the daemon accepted it. */
  readonly pairingSerial?: string;
  /** The serial of the token whose button filled the passcode field. */
  readonly capturedFrom?: string;
  /** The token in use was unplugged mid-flow (its serial). */
  readonly unplugged?: string;
  /** The request in flight; submitting again meanwhile sends nothing. */
  readonly busy?: RequestType;
  readonly notice?: Notice;
  readonly lockedUntil?: number;
  readonly session?: SignedOn;
  /** A sign-on ended with the connection: the next hello asks to sign on again. */
  readonly sessionLost?: boolean;
  readonly doneAt?: number;
  readonly lastInputAt: number;
  readonly now: number;
}

/** A reply to one of the page's requests, typed by the request. */
export type ReplyAction = {
  [K in RequestType]: { readonly type: 'reply'; readonly request: K; readonly result: ResultOf<K> };
}[RequestType];

export type PageAction =
  | { readonly type: 'connecting' }
  | { readonly type: 'connected'; readonly hello: HelloEvent }
  | { readonly type: 'disconnected'; readonly retryAt: number }
  | { readonly type: 'event'; readonly event: Exclude<ServerEvent, HelloEvent> }
  | { readonly type: 'input'; readonly field: Field; readonly value: string }
  /** A key press or a click anywhere: someone is at the page (kiosk idle timer). */
  | { readonly type: 'activity' }
  | { readonly type: 'go'; readonly window: 'signon' | 'registration' }
  | { readonly type: 'cancel' }
  /** Set up this token, at Hardware Token Pairing. */
  | { readonly type: 'setup' }
  | { readonly type: 'signout' }
  | { readonly type: 'invalid'; readonly field: Field; readonly text: string }
  | { readonly type: 'sent'; readonly request: RequestType }
  | ReplyAction
  | {
      readonly type: 'failed';
      readonly request: RequestType;
      readonly error: { readonly code: string; readonly message: string };
    }
  | { readonly type: 'tick' };

const EMPTY_FIELDS: Fields = { user: '', serial: '', passcode: '', unpairSerial: '' };

export function initialState(now: number, home: PageState['home'] = 'registration'): PageState {
  return {
    connection: 'connecting',
    everConnected: false,
    home,
    pairingAllowed: true,
    tapPairing: false,
    setupAllowed: false,
    devices: [],
    window: home,
    fields: EMPTY_FIELDS,
    lastInputAt: now,
    now,
  };
}

/** The forms a window can submit: its main button, or the unpair form after a sign-on. */
export type FormName = 'main' | 'unpair';

/** Whether a form's buttons are usable: connected, and for passcodes not locked out. */
export function formOpen(state: PageState, form: FormName): boolean {
  return state.connection === 'open' && (form === 'unpair' || state.lockedUntil === undefined);
}

/** Whether the main form may send now: open, and nothing in flight. */
export function canSubmit(state: PageState): boolean {
  return formOpen(state, 'main') && state.busy === undefined;
}

/**
 * The whole page as a pure function: every connection change, server event, reply, keystroke and
 * clock tick goes through here; `now` is the time the action happened.
 */
export function reduce(state: PageState, action: PageAction, now: number): PageState {
  const at = { ...state, now };
  switch (action.type) {
    case 'connecting':
      return { ...at, connection: 'connecting', retryAt: undefined };
    case 'connected':
      return connected(at, action.hello);
    case 'disconnected': {
      // What is plugged in is unknown until the next hello lists it.
      const down: PageState = {
        ...at,
        connection: 'unreachable',
        retryAt: action.retryAt,
        busy: undefined,
        devices: [],
      };
      // A sign-on belongs to the connection: with it gone, the page must not say "signed on".
      if (at.session === undefined) return down;
      return {
        ...startOver(down),
        window: 'signon',
        sessionLost: true,
        notice: {
          kind: 'error',
          text: 'The connection to tokenbridge was lost, so you are signed out. Sign on again once it is back.',
        },
      };
    }
    case 'event':
      return onEvent({ ...at, lastInputAt: activity(at, action) }, action.event);
    case 'input':
      return {
        ...at,
        fields: { ...at.fields, [action.field]: action.value },
        capturedFrom: action.field === 'passcode' ? undefined : at.capturedFrom,
        // A lock belongs to one person's token: someone else's name lifts it from this page.
        lockedUntil: action.field === 'user' ? undefined : at.lockedUntil,
        lastInputAt: now,
      };
    case 'activity':
      return { ...at, lastInputAt: now };
    case 'go':
      if (action.window === 'registration' && !at.pairingAllowed) return at;
      return {
        ...at,
        window: action.window,
        capturedFrom: undefined,
        notice: undefined,
        lastInputAt: now,
      };
    case 'cancel':
      return {
        ...leavePairing(at),
        window: at.pairingAllowed ? 'registration' : 'signon',
        capturedFrom: undefined,
        notice: undefined,
        lastInputAt: now,
      };
    case 'setup':
      return { ...openSetup(at), lastInputAt: now };
    case 'signout':
      return { ...startOver(at), notice: { kind: 'info', text: 'You are signed out.' } };
    case 'invalid':
      return { ...at, notice: { kind: 'error', text: action.text, field: action.field } };
    case 'sent':
      return { ...at, busy: action.request, notice: undefined, lastInputAt: now };
    case 'reply':
      return onReply({ ...at, busy: undefined }, action);
    case 'failed':
      return onFailure({ ...at, busy: undefined }, action.request, action.error);
    case 'tick':
      return onTick(at);
  }
}

/** A button press on a token counts as someone at the desk; device comings and goings do not. */
function activity(state: PageState, action: { event: { type: string } }): number {
  return action.event.type === 'otp' ? state.now : state.lastInputAt;
}

function connected(state: PageState, hello: HelloEvent): PageState {
  const caps = {
    connection: 'open' as const,
    retryAt: undefined,
    everConnected: true,
    version: hello.version,
    pairingAllowed: hello.capabilities.pairing,
    tapPairing: hello.capabilities.tapPairing,
    setupAllowed: hello.capabilities.setup,
    kiosk: hello.kiosk,
    devices: hello.devices,
  };
  if (!state.everConnected) {
    const home = hello.kiosk || !hello.capabilities.pairing ? 'signon' : state.home;
    return { ...state, ...caps, home, window: home };
  }
  const next = { ...state, ...caps };
  // Pairings and sign-ons belong to the connection: after a reconnect they are gone server-side.
  if (state.pairingId !== undefined || PAIRING_WINDOWS.includes(state.window)) {
    return {
      ...leavePairing(next),
      window: next.pairingAllowed ? 'registration' : 'signon',
      notice: {
        kind: 'error',
        text: 'The connection to tokenbridge was lost, so the pairing was cancelled. Select Start to begin again.',
      },
    };
  }
  if (state.session !== undefined || state.sessionLost) {
    return {
      ...startOver(next),
      window: 'signon',
      sessionLost: undefined,
      notice: { kind: 'info', text: 'Connected again. Sign on once more to manage your tokens.' },
    };
  }
  if (state.window === 'registration' && !next.pairingAllowed)
    return { ...next, window: 'signon', notice: undefined };
  const back = state.connection === 'unreachable' ? 'Connected to tokenbridge again.' : undefined;
  return back === undefined ? next : { ...next, notice: { kind: 'info', text: back } };
}

function onEvent(state: PageState, event: Exclude<ServerEvent, HelloEvent>): PageState {
  switch (event.type) {
    case 'device.attached': {
      const devices = [...state.devices.filter((d) => d.id !== event.device.id), event.device];
      let next: PageState = { ...state, devices };
      if (state.window === 'serial' && state.fields.serial === '' && event.device.serial)
        next = { ...next, fields: { ...next.fields, serial: event.device.serial } };
      if (state.unplugged !== undefined && event.device.serial === state.unplugged)
        next = {
          ...next,
          unplugged: undefined,
          notice: { kind: 'info', text: `Token ${state.unplugged} is plugged in again.` },
        };
      return next;
    }
    case 'device.detached': {
      const devices = state.devices.filter((d) => d.id !== event.device.id);
      const serial = event.device.serial;
      const inUse = serial !== undefined && serial === tokenInUse(state);
      const left = offerUnplugged(state, event.device.id);
      if (!inUse) return { ...left, devices };
      return {
        ...left,
        devices,
        unplugged: serial,
        notice: {
          kind: 'error',
          text: `Your token (serial ${serial}) was unplugged. Plug it back in and press its button, or type the passcode it shows.`,
        },
      };
    }
    case 'otp':
      return onOtp(state, event);
    case 'pairing.state': {
      if (event.pairingId !== state.pairingId || event.step === 'done' || event.step === 'start')
        return state;
      // The daemon sends a step's event just before its reply: whichever comes first opens it.
      if (event.step === 'serial')
        return withOffer(enterSerialStep(state, event.serial), event.setupOffer);
      if (event.step === 'setup') return setupProgress(state, event.setupStep);
      if (event.step === 'verification') return enterVerificationStep(state, event.serial);
      if (event.step === 'final-step') return enterFinalStep(state);
      return { ...state, window: event.step };
    }
  }
}

/** The serial of the token the current window is about, if any. */
function tokenInUse(state: PageState): string | undefined {
  if (state.window === 'verification' || state.window === 'final-step') return state.pairingSerial;
  if (state.window === 'serial') return state.fields.serial || undefined;
  if (state.window === 'setup') return state.setupOffer?.serial;
  // At Sign on, the token whose button filled the passcode that is still there to send.
  if (state.window === 'signon') return state.fields.passcode ? state.capturedFrom : undefined;
  return undefined;
}

/** Whether the page offers pairing by a press: a pairing runs and a plugged key can do it. */
export function tapOffered(state: PageState): boolean {
  return (
    state.tapPairing &&
    state.pairingId !== undefined &&
    state.devices.some((d) => d.tapPairing === true)
  );
}

function onOtp(state: PageState, event: OtpEvent): PageState {
  const fill = (text: string): PageState => ({
    ...state,
    fields: { ...state.fields, passcode: event.otp },
    capturedFrom: event.serial,
    notice: { kind: 'info', text },
  });
  switch (state.window) {
    case 'signon':
      return fill('Passcode received from your token. Select Sign on.');
    case 'verification':
    case 'final-step': {
      const expected = state.pairingSerial;
      if (expected !== undefined && event.serial !== undefined && event.serial !== expected)
        return {
          ...state,
          notice: {
            kind: 'error',
            text: `That passcode came from another token (serial ${event.serial}). Press the button on token ${expected}.`,
          },
        };
      const button = state.window === 'verification' ? 'Verify' : 'Sync';
      return fill(`Passcode received from your token. Select ${button}.`);
    }
    case 'choose-device':
      // A tap pairs the token (main.ts sends it); remember which token, for the check and unpair.
      return event.format === 'yubico' ? { ...state, capturedFrom: event.serial } : state;
    case 'serial':
      if (event.format === 'yubico') return { ...state, capturedFrom: event.serial };
      if (state.fields.serial === '' && event.serial !== undefined)
        return { ...state, fields: { ...state.fields, serial: event.serial } };
      return state;
    default:
      return state;
  }
}

function onReply(state: PageState, action: ReplyAction): PageState {
  switch (action.request) {
    case 'pairing.start':
      return { ...state, pairingId: action.result.pairingId, window: 'choose-device' };
    case 'pairing.chooseHardwareToken':
      return withOffer(enterSerialStep(state, action.result.serial), action.result.setupOffer);
    case 'pairing.setup':
      return setupDone(enterVerificationStep(state, action.result.serial));
    case 'pairing.serial':
      return enterVerificationStep(state, action.result.serial);
    case 'pairing.verify':
    case 'pairing.sync':
    case 'pairing.tap':
    case 'signon.verify':
      return onOutcome(state, action);
    case 'pairing.cancel':
      return state;
    case 'token.unpair':
      return {
        ...state,
        fields: { ...state.fields, unpairSerial: '' },
        notice: {
          kind: 'success',
          text: `Token ${action.result.serial} is no longer paired to ${action.result.user}.`,
        },
      };
  }
}

/** Hardware Token Pairing, with the serial the daemon offers, the one typed, or the plugged one. */
function enterSerialStep(state: PageState, offered: string | undefined): PageState {
  const plugged = state.devices.find((d) => d.serial !== undefined)?.serial;
  const serial = offered ?? (state.fields.serial || plugged) ?? '';
  return { ...state, window: 'serial', fields: { ...state.fields, serial } };
}

/**
 * Verification with an empty passcode, entered once: when its event came first, the reply after it
 * keeps a passcode the token typed in between.
 */
function enterVerificationStep(state: PageState, offered: string | undefined): PageState {
  if (state.window === 'verification')
    return offered === undefined ? state : { ...state, pairingSerial: offered };
  return {
    ...state,
    window: 'verification',
    pairingSerial: offered ?? state.fields.serial,
    fields: { ...state.fields, passcode: '' },
    capturedFrom: undefined,
  };
}

/**
 * The Final Step with an empty passcode field (so the focus goes to it, not to Sync), entered
 * once: when its event came first, the reply after it keeps a passcode the token typed between.
 */
function enterFinalStep(state: PageState): PageState {
  if (state.window === 'final-step') return state;
  return {
    ...state,
    window: 'final-step',
    fields: { ...state.fields, passcode: '' },
    capturedFrom: undefined,
  };
}

type OutcomeAction = Extract<
  ReplyAction,
  { request: 'pairing.verify' | 'pairing.sync' | 'pairing.tap' | 'signon.verify' }
>;

function onOutcome(state: PageState, action: OutcomeAction): PageState {
  const outcome = action.result;
  const cleared = { ...state.fields, passcode: '' };
  const pairing = action.request !== 'signon.verify';
  if (outcome.result === 'accepted') {
    const serial = pairing ? (state.pairingSerial ?? state.capturedFrom) : state.capturedFrom;
    return {
      ...leavePairing(state),
      window: 'done',
      fields: { ...cleared, unpairSerial: serial ?? '' },
      session: {
        user: state.fields.user,
        via: pairing ? 'pairing' : 'signon',
        ...(outcome.sessionToken !== undefined ? { sessionToken: outcome.sessionToken } : {}),
        ...(serial !== undefined ? { serial } : {}),
      },
      doneAt: state.now,
      unplugged: undefined,
      notice: outcomeNotice(outcome, action.request),
    };
  }
  const next: PageState = {
    ...state,
    fields: cleared,
    capturedFrom: undefined,
    notice: outcomeNotice(outcome, action.request),
  };
  if (outcome.result === 'needs-next-passcode') {
    // Verify's reply after the Final Step's own event: the field may hold the next passcode by now.
    if (action.request === 'pairing.verify' && state.window === 'final-step')
      return { ...state, notice: next.notice };
    return { ...next, window: 'final-step' };
  }
  if (outcome.result === 'locked')
    return { ...next, lockedUntil: state.now + outcome.retryAfterMs };
  return next;
}

function onFailure(
  state: PageState,
  request: RequestType,
  error: { code: string; message: string },
): PageState {
  const notice = errorNotice(error, request, state);
  // The daemon forgot this pairing (expired, or moved on elsewhere): begin again at Start.
  if (error.code === 'PAIRING_NOT_FOUND' || error.code === 'PAIRING_WRONG_STEP')
    return { ...leavePairing(state), window: 'registration', notice };
  if (error.code === 'PAIRING_DISABLED')
    return { ...leavePairing(state), window: 'signon', pairingAllowed: false, notice };
  if (error.code === 'NOT_SIGNED_ON') return { ...startOver(state), notice };
  // The daemon took the pairing back to Hardware Token Pairing; the key is as the notice says.
  if (request === 'pairing.setup')
    return { ...state, window: 'serial', setupStep: undefined, notice };
  return { ...state, notice };
}

function onTick(state: PageState): PageState {
  let next = state;
  if (next.lockedUntil !== undefined && next.lockedUntil <= next.now)
    next = {
      ...next,
      lockedUntil: undefined,
      notice: { kind: 'info', text: 'You can try again now.' },
    };
  const kiosk = next.kiosk;
  if (kiosk === undefined) return next;
  if (
    next.window === 'done' &&
    next.doneAt !== undefined &&
    next.now - next.doneAt >= KIOSK_DONE_MS
  )
    return startOver(next);
  if (next.now - next.lastInputAt >= kiosk.idleResetMs && !isPristine(next)) return startOver(next);
  return next;
}

/** Back to the start window with nothing of the last person left on screen. */
function startOver(state: PageState): PageState {
  return {
    ...leavePairing(state),
    window: state.home,
    fields: EMPTY_FIELDS,
    session: undefined,
    doneAt: undefined,
    lockedUntil: undefined,
    capturedFrom: undefined,
    unplugged: undefined,
    notice: undefined,
    lastInputAt: state.now,
  };
}

function leavePairing(state: PageState): PageState {
  return {
    ...state,
    pairingId: undefined,
    pairingSerial: undefined,
    setupOffer: undefined,
    setupStep: undefined,
  };
}

function isPristine(state: PageState): boolean {
  const f = state.fields;
  return (
    state.window === state.home &&
    f.user === '' &&
    f.passcode === '' &&
    f.serial === '' &&
    f.unpairSerial === '' &&
    state.notice === undefined &&
    state.session === undefined
  );
}
