import WebSocket from 'ws';
import { API_PROTOCOL, Reply, ServerEvent } from '../../src/api';

type Message = Record<string, unknown>;
type EventWaiter = { match: (e: Message) => boolean; resolve: (e: Message) => void };

/**
 * A real `ws` client of the daemon's API: requests get ids and their replies are matched by id,
 * events are queued so a test can wait for the one it expects. Every message received is checked
 * against the shared schemas: a malformed one fails the test that waits for it.
 */
export class ApiClient {
  readonly events: Message[] = [];
  readonly closed: Promise<number>;
  private nextId = 1;
  private readonly replies = new Map<number, (reply: Message) => void>();
  private readonly eventWaiters: EventWaiter[] = [];
  private readonly problems: string[] = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => this.receive(String(data)));
    this.closed = new Promise((resolve) => ws.on('close', (code) => resolve(code)));
  }

  /** Opens a client from `origin` (default: the daemon's own page) and waits for `hello`. */
  static async open(wsUrl: string, origin?: string): Promise<ApiClient> {
    const ws = new WebSocket(wsUrl, [API_PROTOCOL], {
      origin: origin ?? new URL(wsUrl.replace(/^ws/, 'http')).origin,
    });
    const client = new ApiClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) =>
        reject(new Error(`upgrade refused: HTTP ${res.statusCode}`)),
      );
    });
    await client.nextEvent('hello');
    return client;
  }

  /** Sends `{ id, type, ...params }` and resolves with its one reply. */
  request(type: string, params: Message = {}): Promise<Message> {
    const id = this.nextId++;
    const reply = new Promise<Message>((resolve) => this.replies.set(id, resolve));
    this.ws.send(JSON.stringify({ id, type, ...params }));
    return reply;
  }

  /** The first event of `type` (already received or coming) that `match` accepts. */
  nextEvent(type: string, match: (e: Message) => boolean = () => true): Promise<Message> {
    const accept = (e: Message) => e.type === type && match(e);
    const index = this.events.findIndex(accept);
    if (index >= 0) return Promise.resolve(this.events.splice(index, 1)[0]!);
    return new Promise((resolve) => this.eventWaiters.push({ match: accept, resolve }));
  }

  /** Messages that did not match the shared schemas (should stay empty). */
  get invalid(): readonly string[] {
    return this.problems;
  }

  close(): Promise<number> {
    if (this.ws.readyState <= WebSocket.OPEN) this.ws.close();
    return this.closed;
  }

  private receive(text: string): void {
    const message = JSON.parse(text) as Message;
    if ('id' in message) {
      if (!Reply.safeParse(message).success) this.problems.push(text);
      const resolve = this.replies.get(message.id as number);
      this.replies.delete(message.id as number);
      resolve?.(message);
      return;
    }
    if (!ServerEvent.safeParse(message).success) this.problems.push(text);
    const waiter = this.eventWaiters.findIndex((w) => w.match(message));
    if (waiter >= 0) this.eventWaiters.splice(waiter, 1)[0]!.resolve(message);
    else this.events.push(message);
  }
}
