import { API_PATH, API_PROTOCOL } from '../api/constants';
import { RESULT_SCHEMAS, ServerMessage, type ResultOf } from '../api/server-messages';
import { backoffDelay } from './backoff';
import type { HelloEvent, RequestType } from './state';
import type { PageRequest } from './requests';

/** How long a request may wait for its reply before the page says the daemon did not answer. */
export const REPLY_TIMEOUT_MS = 15_000;

type Event = Exclude<ServerMessage, { ok: boolean }>;

/** One decoded frame from the daemon. */
export type Decoded =
  | { readonly kind: 'event'; readonly event: Event }
  | { readonly kind: 'reply'; readonly id: string | number | null; readonly body: ReplyBody }
  | { readonly kind: 'invalid'; readonly why: string };

type ReplyBody =
  | { readonly ok: true; readonly fields: Record<string, unknown> }
  | { readonly ok: false; readonly error: { readonly code: string; readonly message: string } };

/** Validates a text frame with the shared schemas; never throws. */
export function decodeFrame(text: string): Decoded {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { kind: 'invalid', why: 'not JSON' };
  }
  const parsed = ServerMessage.safeParse(raw);
  if (!parsed.success)
    return { kind: 'invalid', why: parsed.error.issues[0]?.message ?? 'invalid' };
  const message = parsed.data;
  if (!('ok' in message)) return { kind: 'event', event: message };
  if (message.ok === false) return { kind: 'reply', id: message.id, body: message };
  const { id, ok: _ok, ...fields } = message;
  return { kind: 'reply', id, body: { ok: true, fields } };
}

export type RequestResult<K extends RequestType> =
  | { readonly ok: true; readonly result: ResultOf<K> }
  | { readonly ok: false; readonly error: { readonly code: string; readonly message: string } };

/** Checks a success reply's fields against the schema of the request it answers. */
export function resultOf<K extends RequestType>(
  type: K,
  fields: Record<string, unknown>,
): RequestResult<K> {
  const parsed = RESULT_SCHEMAS[type].safeParse(fields);
  if (parsed.success) return { ok: true, result: parsed.data as ResultOf<K> };
  return {
    ok: false,
    error: { code: 'INVALID_REPLY', message: `unexpected reply to ${type}` },
  };
}

export interface ConnectionHandlers {
  connecting(): void;
  hello(hello: HelloEvent): void;
  event(event: Exclude<Event, HelloEvent>): void;
  /** The socket closed or never opened; the next attempt starts at `retryAt`. */
  down(retryAt: number): void;
}

interface Pending {
  readonly type: RequestType;
  readonly resolve: (result: RequestResult<RequestType>) => void;
  readonly timer: ReturnType<typeof setTimeout>;
}

/**
 * The page's one WebSocket to the daemon: connects to `/ws` on the page's own host with the API
 * subprotocol, reconnects with backoff while the daemon is away, and matches replies to requests.
 */
export class PageConnection {
  private socket: WebSocket | undefined;
  private attempt = 0;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  constructor(
    private readonly url: string,
    private readonly handlers: ConnectionHandlers,
    /** The API subprotocol, and the install capability where the daemon needs one (capability.ts). */
    private readonly protocols: readonly string[] = [API_PROTOCOL],
    private readonly now: () => number = Date.now,
    private readonly random: () => number = Math.random,
  ) {}

  /** ws(s)://host/ws for the page at `location`. */
  static urlFor(location: { protocol: string; host: string }): string {
    return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${API_PATH}`;
  }

  start(): void {
    this.handlers.connecting();
    let socket: WebSocket;
    try {
      socket = new WebSocket(this.url, [...this.protocols]);
    } catch {
      this.retry();
      return;
    }
    this.socket = socket;
    socket.addEventListener('message', (e) => {
      if (typeof e.data === 'string') this.receive(e.data);
    });
    socket.addEventListener('close', () => {
      if (this.socket !== socket) return;
      this.socket = undefined;
      this.failAll({ code: 'DISCONNECTED', message: 'the connection closed' });
      this.retry();
    });
  }

  request<K extends RequestType>(
    request: Extract<PageRequest, { type: K }>,
  ): Promise<RequestResult<K>> {
    const socket = this.socket;
    if (socket === undefined || socket.readyState !== WebSocket.OPEN)
      return Promise.resolve({
        ok: false,
        error: { code: 'DISCONNECTED', message: 'not connected' },
      });
    const id = this.nextId++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        resolve({ ok: false, error: { code: 'NO_REPLY', message: 'no reply' } });
      }, REPLY_TIMEOUT_MS);
      this.pending.set(id, {
        type: request.type,
        resolve: resolve as Pending['resolve'],
        timer,
      });
      socket.send(JSON.stringify({ id, type: request.type, ...request.params }));
    });
  }

  private receive(text: string): void {
    const decoded = decodeFrame(text);
    if (decoded.kind === 'invalid') {
      console.warn(`tokenbridge: ignored a message from the daemon (${decoded.why})`);
      return;
    }
    if (decoded.kind === 'event') {
      const event = decoded.event;
      if (event.type === 'hello') {
        this.attempt = 0;
        this.handlers.hello(event);
      } else this.handlers.event(event);
      return;
    }
    const body = decoded.body;
    // A refused frame is not parsed, so its reply carries no id: it answers what is waiting.
    if (decoded.id === null) {
      if (!body.ok) this.failAll(body.error);
      return;
    }
    const pending = typeof decoded.id === 'number' ? this.pending.get(decoded.id) : undefined;
    if (pending === undefined || typeof decoded.id !== 'number') return;
    this.pending.delete(decoded.id);
    clearTimeout(pending.timer);
    pending.resolve(body.ok ? resultOf(pending.type, body.fields) : body);
  }

  private failAll(error: { code: string; message: string }): void {
    for (const [id, pending] of this.pending) {
      clearTimeout(pending.timer);
      this.pending.delete(id);
      pending.resolve({ ok: false, error });
    }
  }

  private retry(): void {
    const delay = backoffDelay(this.attempt++, this.random());
    this.handlers.down(this.now() + delay);
    setTimeout(() => this.start(), delay);
  }
}
