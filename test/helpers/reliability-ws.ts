import WebSocket from 'ws';
import {
  API_PROTOCOL,
  Reply,
  type RequestId,
  ServerEvent,
  ServerMessage,
  type ServerEvent as ServerEventType,
} from '../../src/api';

export type ReplyMessage = ReturnType<typeof Reply.parse>;

const CONNECT_TIMEOUT_MS = 10_000;

/**
 * A raw ws client for the reliability suite: it sends whatever it is told (text, binary, broken
 * UTF-8), validates everything the daemon says against the src/api schemas, and keeps replies by id
 * so "exactly one reply per request" can be counted, not assumed.
 */
export class ReliabilityClient {
  readonly events: ServerEventType[] = [];
  /** Replies by id; `null` holds the replies to requests too broken (or refused) to carry one. */
  readonly replies = new Map<RequestId | null, ReplyMessage[]>();
  /** Server messages that fail the ServerMessage schema (must stay empty). */
  readonly malformed: string[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private closeInfo: { code: number; reason: string } | undefined;
  private waiters: Array<() => void> = [];
  private nextId = 1;
  private replyCount = 0;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => this.receive(data, isBinary));
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        this.closeInfo = { code, reason: reason.toString() };
        this.wake();
        resolve(this.closeInfo);
      });
    });
    ws.on('error', () => undefined);
  }

  /** Opens a client with the daemon's subprotocol and resolves once `hello` arrived. */
  static connect(wsUrl: string, origin: string): Promise<ReliabilityClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(wsUrl, [API_PROTOCOL], { origin, perMessageDeflate: false });
      const client = new ReliabilityClient(ws);
      const timer = setTimeout(() => {
        ws.terminate();
        reject(new Error(`no hello from ${wsUrl} within ${CONNECT_TIMEOUT_MS} ms`));
      }, CONNECT_TIMEOUT_MS);
      const check = () => {
        if (client.events.some((e) => e.type === 'hello')) {
          clearTimeout(timer);
          resolve(client);
        } else if (client.closeInfo) {
          clearTimeout(timer);
          reject(new Error(`closed before hello: ${client.closeInfo.code}`));
        } else {
          client.waiters.push(check);
        }
      };
      client.waiters.push(check);
      ws.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  get closeCode(): number | undefined {
    return this.closeInfo?.code;
  }

  /** Every reply received, whatever its id. */
  get totalReplies(): number {
    return this.replyCount;
  }

  /** A fresh request id, unique on this client. */
  id(): number {
    return this.nextId++;
  }

  sendText(text: string): void {
    this.ws.send(text, { binary: false });
  }

  /** Raw bytes in a text frame (may be invalid UTF-8) or a binary frame. */
  sendBytes(bytes: Uint8Array, binary: boolean): void {
    this.ws.send(bytes, { binary });
  }

  /** Sends a well-formed request and resolves with its reply (the first one with its id). */
  async request(
    type: string,
    params: Record<string, unknown> = {},
    id: RequestId = this.id(),
  ): Promise<ReplyMessage> {
    this.sendText(JSON.stringify({ id, type, ...params }));
    await this.until(() => (this.replies.get(id)?.length ?? 0) > 0, `reply to ${type} #${id}`);
    return this.replies.get(id)![0]!;
  }

  /** Resolves when `condition` holds (checked on every message and on close). */
  until(condition: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
    if (condition()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== check);
        reject(new Error(`timed out waiting for ${what}`));
      }, timeoutMs);
      const check = () => {
        if (condition()) {
          clearTimeout(timer);
          resolve();
        } else if (this.closeInfo) {
          clearTimeout(timer);
          reject(new Error(`connection closed (${this.closeInfo.code}) waiting for ${what}`));
        } else {
          this.waiters.push(check);
        }
      };
      this.waiters.push(check);
    });
  }

  eventsOf<T extends ServerEventType['type']>(
    type: T,
  ): Array<Extract<ServerEventType, { type: T }>> {
    return this.events.filter((e): e is Extract<ServerEventType, { type: T }> => e.type === type);
  }

  async close(): Promise<void> {
    if (this.closeInfo) return;
    this.ws.close(1000, 'done');
    const timer = setTimeout(() => this.ws.terminate(), 2_000);
    await this.closed;
    clearTimeout(timer);
  }

  terminate(): void {
    this.ws.terminate();
  }

  private receive(data: WebSocket.RawData, isBinary: boolean): void {
    const text = (Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as Buffer)).toString(
      'utf8',
    );
    let raw: unknown;
    try {
      raw = isBinary ? undefined : JSON.parse(text);
    } catch {
      raw = undefined;
    }
    if (raw === undefined || !ServerMessage.safeParse(raw).success) {
      this.malformed.push(`${isBinary ? 'binary ' : ''}${text.slice(0, 200)}`);
    } else if (ServerEvent.safeParse(raw).success && !('id' in (raw as object))) {
      this.events.push(raw as ServerEventType);
    } else {
      const reply = Reply.parse(raw);
      const list = this.replies.get(reply.id) ?? [];
      list.push(reply);
      this.replies.set(reply.id, list);
      this.replyCount += 1;
    }
    this.wake();
  }

  private wake(): void {
    for (const waiter of this.waiters.splice(0)) waiter();
  }
}
