import type { SetupOffer, SetupStep } from '../api/fields';
import type { Notice } from './messages';

/**
 * "Set up this token": a plugged key the registry does not know is offered at Hardware Token
 * Pairing; the person confirms in the Set up window, touches the key when the daemon asks, and
 * lands on Verification with the new token. These are the reducer's pieces of it, over the part of
 * the page state they read (state.ts imports them, so they do not import it).
 */
export interface SetupPart {
  readonly window: string;
  readonly setupAllowed: boolean;
  readonly setupOffer?: SetupOffer;
  readonly setupStep?: SetupStep;
  readonly busy?: string;
  readonly fields: { readonly serial: string };
  readonly notice?: Notice;
}

/**
 * The offer as the daemon made it (it knows the registry); undefined clears it. The offered key's
 * serial is not registered, so it is not left in the serial field for Next to refuse.
 */
export function withOffer<S extends SetupPart>(state: S, offer: SetupOffer | undefined): S {
  const setupOffer = state.setupAllowed ? offer : undefined;
  const fields =
    setupOffer !== undefined && state.fields.serial === setupOffer.serial
      ? { ...state.fields, serial: '' }
      : state.fields;
  return { ...state, setupOffer, fields } as S;
}

/** Whether the Set up window still waits for the person's go-ahead. */
export function setupIdle(state: SetupPart): boolean {
  return state.busy !== 'pairing.setup' && state.setupStep === undefined;
}

/** Set up this token, at Hardware Token Pairing: the confirmation window. */
export function openSetup<S extends SetupPart>(state: S): S {
  if (state.window !== 'serial' || state.setupOffer === undefined) return state;
  return { ...state, window: 'setup', setupStep: undefined, notice: undefined };
}

/** The daemon's progress while it sets the key up. */
export function setupProgress<S extends SetupPart>(state: S, step: SetupStep | undefined): S {
  return { ...state, window: 'setup', setupStep: step };
}

/** The token is set up and registered: Verification, with a word on what comes next. */
export function setupDone<S extends SetupPart>(state: S): S {
  const hold = state.setupOffer?.slot === 2 ? ` ${HOLD}` : '';
  return {
    ...state,
    setupOffer: undefined,
    setupStep: undefined,
    notice: {
      kind: 'info',
      text: `Your token is set up and registered. Press its button once more${hold}, then select Verify.`,
    },
  };
}

/** Slot 2 of a YubiKey answers a long touch (Yubico: 3 to 5 s; slot 1 is 1 to 2.5 s). */
const HOLD = '(hold it for about 3 seconds)';

/** The offered key went away: nothing to offer any more. */
export function offerUnplugged<S extends SetupPart>(state: S, deviceId: string): S {
  return state.setupOffer?.deviceId === deviceId ? { ...state, setupOffer: undefined } : state;
}

/** What the Set up window says, by where the daemon is. */
export function setupStatusText(state: SetupPart): string {
  if (setupIdle(state)) return 'Select Set up to begin. You will be asked to touch your token.';
  switch (state.setupStep) {
    case 'touch':
      return state.setupOffer?.slot === 2
        ? `Touch the button on your token now ${HOLD}.`
        : 'Touch the button on your token now.';
    case 'verifying':
      return 'Checking the passcode your token typed…';
    case 'registering':
      return 'Registering your token…';
    case 'restoring':
      return 'Something went wrong: putting your token back as it was…';
    default:
      return 'Writing a new secret into your token…';
  }
}
