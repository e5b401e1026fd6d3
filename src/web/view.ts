import type { ApiDevice } from '../api/fields';
import { formatRemaining } from './messages';
import { setupIdle, setupStatusText } from './setup';
import { formOpen, tapOffered, type Field, type FormName, type PageState } from './state';

export interface ViewHandlers {
  input(field: Field, value: string): void;
  submit(form: FormName): void;
  go(window: 'signon' | 'registration'): void;
  cancel(): void;
  signout(): void;
  activity(): void;
  setup(): void;
}

const FIELDS: readonly Field[] = ['user', 'serial', 'passcode', 'unpairSerial'];

/** What the plugged-in tokens line says. */
export function devicesText(devices: readonly ApiDevice[]): string {
  if (devices.length === 0) return 'No token plugged in.';
  if (devices.length > 3) return `${devices.length} tokens plugged in.`;
  const names = devices.map((d) => (d.serial ? `${d.model}, serial ${d.serial}` : d.model));
  return `Plugged in: ${names.join('; ')}.`;
}

/** The texts that depend on the state, by their `data-text` name. */
export function texts(state: PageState): Record<string, string> {
  const session = state.session;
  const pairing = session?.via === 'pairing';
  const token = session?.serial ? ` (serial ${session.serial})` : '';
  return {
    user: state.fields.user.trim(),
    pairingSerial: state.pairingSerial ?? '',
    doneTitle: pairing ? 'Your token is paired' : 'Signed on',
    doneText: session
      ? pairing
        ? `Your token${token} is paired with ${session.user}, and you are signed on.`
        : `You are signed on as ${session.user}.`
      : '',
    version: state.version ? `tokenbridge ${state.version}` : '',
    setupSerial: state.setupOffer?.serial ?? '',
    setupStatus: setupStatusText(state),
  };
}

/** Which `data-when` parts show. */
export function conditions(state: PageState): Record<string, boolean> {
  const plugged = state.devices.some(
    (d) => d.serial !== undefined && d.serial === state.fields.serial,
  );
  return {
    pairing: state.pairingAllowed,
    tap: tapOffered(state),
    prefilled: plugged,
    locked: state.lockedUntil !== undefined,
    kiosk: state.kiosk !== undefined,
    manage: state.kiosk === undefined && state.session !== undefined,
    setupOffer: state.setupAllowed && state.setupOffer !== undefined,
    setupIdle: setupIdle(state),
  };
}

export function connectionText(state: PageState): { text: string; retry: string } | undefined {
  if (state.connection === 'open') return undefined;
  if (state.connection === 'connecting')
    return {
      text: state.everConnected ? 'Reconnecting to tokenbridge…' : 'Connecting to tokenbridge…',
      retry: '',
    };
  const seconds = Math.max(0, Math.ceil(((state.retryAt ?? state.now) - state.now) / 1000));
  return {
    text: 'tokenbridge is unreachable: is the daemon running? Retrying automatically.',
    retry: seconds > 0 ? `Next try in ${seconds} s.` : 'Trying now.',
  };
}

/**
 * The DOM side: the windows are static HTML; rendering only shows and hides them, sets texts with
 * textContent, keeps inputs in step with the state and moves focus where a keyboard user needs it.
 */
export class View {
  private readonly doc: Document;

  constructor(doc: Document, handlers: ViewHandlers) {
    this.doc = doc;
    for (const input of this.all<HTMLInputElement>('input[data-field]')) {
      input.addEventListener('input', () =>
        handlers.input(input.dataset.field as Field, input.value),
      );
    }
    for (const form of this.all<HTMLFormElement>('form[data-form]')) {
      form.addEventListener('submit', (e) => {
        e.preventDefault();
        handlers.submit(form.dataset.form as FormName);
      });
    }
    for (const link of this.all<HTMLElement>('[data-go]'))
      link.addEventListener('click', () =>
        handlers.go(link.dataset.go === 'signon' ? 'signon' : 'registration'),
      );
    for (const button of this.all<HTMLElement>('[data-action="cancel"]'))
      button.addEventListener('click', () => handlers.cancel());
    for (const button of this.all<HTMLElement>('[data-action="signout"]'))
      button.addEventListener('click', () => handlers.signout());
    for (const button of this.all<HTMLElement>('[data-action="setup"]'))
      button.addEventListener('click', () => handlers.setup());
    doc.addEventListener('keydown', () => handlers.activity(), true);
    doc.addEventListener('pointerdown', () => handlers.activity(), true);
  }

  render(state: PageState, prev: PageState | undefined): void {
    const doc = this.doc;
    const section = this.one<HTMLElement>(`section[data-window="${state.window}"]`);
    for (const s of this.all<HTMLElement>('section[data-window]')) s.hidden = s !== section;

    const banner = connectionText(state);
    this.one<HTMLElement>('#connection').hidden = banner === undefined;
    this.setText(this.one('#connection-text'), banner?.text ?? '');
    this.setText(this.one('#connection-retry'), banner?.retry ?? '');
    this.setText(
      this.one('#devices'),
      state.connection === 'open' ? devicesText(state.devices) : '',
    );

    for (const [name, value] of Object.entries(texts(state)))
      for (const el of this.all<HTMLElement>(`[data-text="${name}"]`)) this.setText(el, value);
    for (const [name, show] of Object.entries(conditions(state)))
      for (const el of this.all<HTMLElement>(`[data-when="${name}"]`)) el.hidden = !show;
    const remaining = formatRemaining((state.lockedUntil ?? state.now) - state.now);
    for (const el of this.all<HTMLElement>('[data-countdown]')) this.setText(el, remaining);

    const notice = state.notice;
    this.setText(this.one('#alert'), notice?.kind === 'error' ? notice.text : '');
    const status = this.one<HTMLElement>('#notice');
    this.setText(status, notice && notice.kind !== 'error' ? notice.text : '');
    status.classList.toggle('success', notice?.kind === 'success');

    for (const field of FIELDS)
      for (const input of this.all<HTMLInputElement>(`input[data-field="${field}"]`)) {
        if (input.value !== state.fields[field]) input.value = state.fields[field];
        const invalid = notice?.kind === 'error' && notice.field === field;
        input.setAttribute('aria-invalid', String(invalid));
        if (invalid) input.setAttribute('aria-errormessage', 'alert');
        else input.removeAttribute('aria-errormessage');
      }

    for (const form of this.all<HTMLFormElement>('form[data-form]')) {
      // A lock stops passcodes, not unpairing; a request in flight only makes repeats no-ops.
      const open = formOpen(state, form.dataset.form as FormName);
      for (const button of Array.from(form.querySelectorAll<HTMLButtonElement>('button')))
        button.disabled = !open;
      form.setAttribute('aria-busy', String(state.busy !== undefined));
    }

    const heading = section.querySelector('h1')?.textContent?.trim() ?? '';
    doc.title = heading ? `${heading} · tokenbridge` : 'tokenbridge';
    this.moveFocus(state, prev, section);
  }

  /** Focus follows the flow: a new window's first field, the field in error, or the submit button. */
  private moveFocus(state: PageState, prev: PageState | undefined, section: HTMLElement): void {
    const notice = state.notice;
    const firstEmpty = (): HTMLElement | null =>
      Array.from(section.querySelectorAll<HTMLInputElement>('input[data-field]')).find(
        (i) => i.value === '' && i.closest('[hidden]') === null,
      ) ?? section.querySelector<HTMLElement>('form[data-form="main"] button[type="submit"]');
    if (prev === undefined || prev.window !== state.window) {
      // The check has no field to fill: its heading takes the focus, so it is read out first.
      if (state.window === 'done') {
        section.querySelector<HTMLElement>('h1')?.focus();
        return;
      }
      (firstEmpty() ?? section.querySelector<HTMLElement>('button'))?.focus();
      return;
    }
    if (notice !== prev.notice && notice?.kind === 'error' && notice.field !== undefined) {
      section.querySelector<HTMLInputElement>(`input[data-field="${notice.field}"]`)?.focus();
      return;
    }
    const captured =
      state.capturedFrom !== undefined && state.fields.passcode !== prev.fields.passcode;
    if (captured) {
      firstEmpty()?.focus();
      return;
    }
    // Focus lost to the body (its button was disabled or hidden): bring it back into the window.
    const active = this.doc.activeElement;
    const changed =
      prev.busy !== state.busy ||
      prev.lockedUntil !== state.lockedUntil ||
      prev.connection !== state.connection;
    if (changed && (active === null || active === this.doc.body))
      section.querySelector<HTMLElement>('input[data-field], button')?.focus();
  }

  private setText(el: Element, text: string): void {
    if (el.textContent !== text) el.textContent = text;
  }

  private one<T extends Element = Element>(selector: string): T {
    const el = this.doc.querySelector<T>(selector);
    if (el === null) throw new Error(`page element ${selector} is missing`);
    return el;
  }

  private all<T extends Element>(selector: string): T[] {
    return Array.from(this.doc.querySelectorAll<T>(selector));
  }
}
