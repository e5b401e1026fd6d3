import WebSocket from 'ws';
import { API_PROTOCOL } from '../api';

export type Message = Record<string, unknown>;

interface Waiter {
  readonly accept: (event: Message) => boolean;
  readonly resolve: (event: Message | undefined) => void;
  readonly timer: NodeJS.Timeout;
}

/** How long a request waits for its one reply. */
export const REPLY_TIMEOUT_MS = 5000;
const CONNECT_TIMEOUT_MS = 5000;

/**
 * One scenario client: a real `ws` connection to the daemon. Requests get ids and replies are
 * matched by id; events (everything without an id) queue until a step takes them.
 */
export class QaClient {
  private readonly queue: Message[] = [];
  private readonly waiters = new Set<Waiter>();
  private readonly replies = new Map<number, (reply: Message) => void>();
  private nextId = 1;
  private closeCode: number | undefined;
  private readonly listeners = new Set<(event: Message) => void>();
  /** The last reply this client received, for expect-reply. */
  lastReply: Message | undefined;
  /** The daemon's `hello`. */
  hello: Message = {};

  private constructor(
    readonly name: string,
    private readonly ws: WebSocket,
    private readonly queueEvents: boolean,
  ) {
    ws.on('message', (data, isBinary) => {
      if (!isBinary) this.receive(String(data));
    });
    ws.on('close', (code) => {
      this.closeCode = code;
      for (const w of [...this.waiters]) this.settle(w, undefined);
    });
    ws.on('error', () => undefined); // 'close' follows; a step then fails on the closed client
  }

  /** Connects with `origin` and waits for `hello`, which is consumed. */
  static async connect(
    name: string,
    url: string,
    origin: string,
    options: { queueEvents?: boolean } = {},
  ): Promise<QaClient> {
    const ws = new WebSocket(url, [API_PROTOCOL], { origin, handshakeTimeout: CONNECT_TIMEOUT_MS });
    const client = new QaClient(name, ws, options.queueEvents ?? true);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', (err) =>
        reject(new Error(`client ${name}: cannot connect to ${url}: ${err.message}`)),
      );
      ws.once('unexpected-response', (_req, res) => {
        reject(
          new Error(
            `client ${name}: the daemon refused the connection (HTTP ${res.statusCode}) from origin ${origin}`,
          ),
        );
        res.resume();
        ws.terminate();
      });
    });
    const hello = await client.takeEvent((e) => e.type === 'hello', CONNECT_TIMEOUT_MS);
    if (!hello) {
      await client.close();
      throw new Error(`client ${name}: no hello from the daemon`);
    }
    client.hello = hello;
    return client;
  }

  get closed(): boolean {
    return this.closeCode !== undefined;
  }

  /** Sends `{ id, type, ...params }`; resolves with the reply, or rejects when none comes. */
  request(type: string, params: Message, timeoutMs = REPLY_TIMEOUT_MS): Promise<Message> {
    if (this.ws.readyState !== WebSocket.OPEN) {
      return Promise.reject(
        new Error(`client ${this.name} is not connected (close code ${this.closeCode ?? 'none'})`),
      );
    }
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.replies.delete(id);
        reject(new Error(`no reply to ${type} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.replies.set(id, (reply) => {
        clearTimeout(timer);
        this.lastReply = reply;
        resolve(reply);
      });
      this.ws.send(JSON.stringify({ ...params, id, type }));
    });
  }

  /** The first queued or arriving event that `accept` takes (removed from the queue), or undefined. */
  takeEvent(accept: (event: Message) => boolean, withinMs: number): Promise<Message | undefined> {
    const index = this.queue.findIndex(accept);
    if (index >= 0) return Promise.resolve(this.queue.splice(index, 1)[0]);
    if (this.closed) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const waiter: Waiter = {
        accept,
        resolve,
        timer: setTimeout(() => this.settle(waiter, undefined), withinMs),
      };
      this.waiters.add(waiter);
    });
  }

  /** Called with every event (after hello) as it arrives. */
  onEvent(listener: (event: Message) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Events received and not taken yet, oldest first. */
  pending(): readonly Message[] {
    return this.queue;
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      this.ws.once('close', () => resolve());
      if (this.ws.readyState === WebSocket.CONNECTING) this.ws.terminate();
      else this.ws.close();
    });
  }

  private receive(text: string): void {
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      return;
    }
    if (typeof message !== 'object' || message === null || Array.isArray(message)) return;
    const m = message as Message;
    if ('id' in m && 'ok' in m) {
      const settle = typeof m.id === 'number' ? this.replies.get(m.id) : undefined;
      if (settle) {
        this.replies.delete(m.id as number);
        settle(m);
      } else {
        this.lastReply = m; // an error reply to a frame the daemon could not read carries id null
      }
      return;
    }
    for (const listener of [...this.listeners]) listener(m);
    for (const w of this.waiters) {
      if (w.accept(m)) {
        this.settle(w, m);
        return;
      }
    }
    if (this.queueEvents || m.type === 'hello') this.queue.push(m);
  }

  private settle(waiter: Waiter, event: Message | undefined): void {
    if (!this.waiters.delete(waiter)) return;
    clearTimeout(waiter.timer);
    waiter.resolve(event);
  }
}
