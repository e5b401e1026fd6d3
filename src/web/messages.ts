import type { VerifyOutcome } from '../api/server-messages';

/** What the status line says; errors go to the alert region, the rest to the polite one. */
export interface Notice {
  readonly kind: 'info' | 'success' | 'error';
  readonly text: string;
  /** The input the notice is about (its aria-describedby points at the alert). */
  readonly field?: 'user' | 'serial' | 'passcode' | 'unpairSerial';
}

type OutcomeRequest = 'pairing.verify' | 'pairing.sync' | 'pairing.tap' | 'signon.verify';

/** "1:05", "0:09": how long a lock has left, for the countdown. */
export function formatRemaining(ms: number): string {
  const seconds = Math.max(0, Math.ceil(ms / 1000));
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
}

function attempts(n: number): string {
  if (n === 0) return 'No attempts left before the token locks.';
  return n === 1 ? '1 attempt left.' : `${n} attempts left.`;
}

export function outcomeNotice(outcome: VerifyOutcome, request: OutcomeRequest): Notice {
  switch (outcome.result) {
    case 'accepted':
      return {
        kind: 'success',
        text:
          request === 'signon.verify'
            ? 'Passcode accepted. You are signed on.'
            : 'Your token is paired. You are signed on.',
      };
    case 'needs-next-passcode':
      return {
        kind: 'info',
        text: 'Your token is out of step with tokenbridge. Press its button again for the next passcode, then select Sync.',
      };
    case 'locked':
      return {
        kind: 'error',
        text: `Too many wrong passcodes: the token is locked. Try again in ${formatRemaining(outcome.retryAfterMs)}.`,
        field: 'passcode',
      };
    case 'rejected': {
      const why =
        outcome.reason === 'replayed'
          ? 'That passcode was already used. Press the button on your token for a new one.'
          : outcome.reason === 'out-of-window'
            ? request === 'pairing.sync'
              ? 'That passcode does not follow the previous one. Press the button once and enter the new passcode.'
              : 'That passcode is too far from what tokenbridge expects.'
            : 'Wrong passcode.';
      return { kind: 'error', text: `${why} ${attempts(outcome.attemptsLeft)}`, field: 'passcode' };
    }
  }
}

/** A failed request in words a person can act on; the daemon's own message only as a detail. */
export function errorNotice(
  error: { code: string; message: string },
  request: string,
  context: { fields: { serial: string } },
): Notice {
  switch (error.code) {
    case 'TOKEN_NOT_FOUND':
      if (request === 'pairing.serial')
        return {
          kind: 'error',
          text: `Serial number ${context.fields.serial} is not registered. Check the number on the back of your token, or ask your administrator to import the token.`,
          field: 'serial',
        };
      if (request === 'pairing.tap')
        return {
          kind: 'error',
          text: 'This token is not registered. Enter its serial number, or ask your administrator to import it.',
        };
      if (request === 'token.unpair')
        return {
          kind: 'error',
          text: 'That token is not paired to you.',
          field: 'unpairSerial',
        };
      return { kind: 'error', text: 'That token is not registered.' };
    case 'TOKEN_PAIRED':
      return {
        kind: 'error',
        text: 'This token is already paired to another account. Ask your administrator to unpair it first.',
        field: request === 'pairing.serial' ? 'serial' : undefined,
      };
    case 'SLOT_CONFIGURED':
      return {
        kind: 'error',
        text: 'This token already holds a configuration where tokenbridge would write, so it was left as it is. Ask your administrator to set it up.',
      };
    case 'ENROLL_FAILED':
      return {
        kind: 'error',
        text: `Your token could not be set up: ${error.message}. Select Set up this token to try again.`,
      };
    case 'PAIRING_NOT_FOUND':
      return {
        kind: 'error',
        text: 'This pairing expired. Select Start to begin again.',
      };
    case 'PAIRING_WRONG_STEP':
      return {
        kind: 'error',
        text: 'This pairing moved on without this page. Select Start to begin again.',
      };
    case 'PAIRING_DISABLED':
      return {
        kind: 'error',
        text: 'Pairing new tokens is turned off here. Sign on with a token that is already paired.',
      };
    case 'NOT_SIGNED_ON':
      return { kind: 'error', text: 'Sign on again before you unpair a token.' };
    case 'RATE_LIMITED':
      return { kind: 'error', text: 'Too many requests at once. Wait a moment and try again.' };
    case 'DISCONNECTED':
      return { kind: 'error', text: 'The connection to tokenbridge was lost before it answered.' };
    case 'NO_REPLY':
      return { kind: 'error', text: 'tokenbridge did not answer. Try again.' };
    case 'INVALID_MESSAGE':
    case 'INVALID_INPUT':
      return { kind: 'error', text: `tokenbridge refused that: ${error.message}` };
    default:
      return {
        kind: 'error',
        text: `Something went wrong in tokenbridge (${error.code}). Try again; if it keeps happening, check the daemon's log.`,
      };
  }
}
