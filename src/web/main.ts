import './no-eval';
import { PageConnection } from './connection';
import { submission, tapRequest, type PageRequest } from './requests';
import { initialState, reduce, type FormName, type PageAction, type PageState } from './state';
import { View } from './view';

/** How often the clock ticks for countdowns and the kiosk idle timer. */
const TICK_MS = 500;
/** Set once a token was paired in this browser: later visits open at Sign on. */
const PAIRED_KEY = 'tokenbridge.paired';

function remember(key: string): string | null {
  try {
    return window.localStorage.getItem(key);
  } catch {
    return null; // storage disabled (private mode, kiosk policy): every visit is a first one
  }
}

function store(key: string, value: string): void {
  try {
    window.localStorage.setItem(key, value);
  } catch {
    // as above: nothing to remember with
  }
}

function boot(): void {
  let state: PageState = initialState(Date.now(), remember(PAIRED_KEY) ? 'signon' : 'registration');

  const dispatch = (action: PageAction): void => {
    const prev = state;
    state = reduce(prev, action, Date.now());
    afterChange(prev, state, action);
    view.render(state, prev);
  };

  const send = (request: PageRequest): void => {
    dispatch({ type: 'sent', request: request.type });
    void connection
      .request(request)
      .then((answer) =>
        dispatch(
          answer.ok
            ? ({ type: 'reply', request: request.type, result: answer.result } as PageAction)
            : { type: 'failed', request: request.type, error: answer.error },
        ),
      );
  };

  /** Side effects of a change: a pairing left behind is cancelled; a paired browser is remembered. */
  const afterChange = (prev: PageState, next: PageState, action: PageAction): void => {
    if (next.session?.via === 'pairing' && prev.session === undefined) store(PAIRED_KEY, '1');
    const abandoned =
      prev.pairingId !== undefined &&
      next.pairingId === undefined &&
      next.window !== 'done' &&
      action.type !== 'connected' &&
      action.type !== 'failed';
    if (abandoned && next.connection === 'open') {
      const pairingId = prev.pairingId;
      void connection.request({ type: 'pairing.cancel', params: { pairingId } });
    }
  };

  const view = new View(document, {
    input: (field, value) => dispatch({ type: 'input', field, value }),
    submit: (form: FormName) => {
      const next = submission(state, form);
      if (next === undefined) return;
      if (next.ok) send(next.request);
      else dispatch({ type: 'invalid', field: next.field, text: next.text });
    },
    go: (window) => dispatch({ type: 'go', window }),
    cancel: () => dispatch({ type: 'cancel' }),
    signout: () => dispatch({ type: 'signout' }),
    activity: () => dispatch({ type: 'activity' }),
    setup: () => dispatch({ type: 'setup' }),
  });

  const connection = new PageConnection(PageConnection.urlFor(window.location), {
    connecting: () => dispatch({ type: 'connecting' }),
    hello: (hello) => dispatch({ type: 'connected', hello }),
    down: (retryAt) => dispatch({ type: 'disconnected', retryAt }),
    event: (event) => {
      const tap = event.type === 'otp' ? tapRequest(state, event) : undefined;
      dispatch({ type: 'event', event });
      if (tap !== undefined) send(tap);
    },
  });

  view.render(state, undefined);
  connection.start();
  setInterval(() => dispatch({ type: 'tick' }), TICK_MS);
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', boot);
else boot();
