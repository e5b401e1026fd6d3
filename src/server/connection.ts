import type WebSocket from 'ws';
import { ApiErrorCode, CloseCode, parseClientMessage, requestIdOf, type RequestId } from '../api';
import type { Logger } from '../core/logger';
import type { ApiBackend, ConnectionContext } from './backend';
import { ConnectionSession, dispatch } from './dispatch';
import { toApiError, type WireError } from './error-reply';
import type { ServerLimits } from './limits';
import type { ServerObserver } from './metrics-endpoint';
import { TokenBucket } from './rate-limit';

/**
 * One accepted WebSocket: decode, rate-limit, dispatch, encode. Exactly one reply per text frame;
 * a bad frame gets an error reply and the connection stays open.
 */
export class ApiConnection {
  /** Cleared on each ping, set on each pong; the heartbeat terminates peers that stay silent. */
  alive = true;
  private readonly bucket: TokenBucket;
  private readonly session = new ConnectionSession();

  constructor(
    readonly ws: WebSocket,
    readonly ctx: ConnectionContext,
    private readonly backend: ApiBackend,
    private readonly limits: ServerLimits,
    private readonly logger: Logger,
    private readonly ready: Promise<void>,
    private readonly observer?: ServerObserver,
  ) {
    this.bucket = new TokenBucket(limits.ratePerSec, limits.burst);
    ws.on('pong', () => {
      this.alive = true;
    });
    ws.on('message', (data, isBinary) => {
      this.onFrame(data, isBinary);
    });
  }

  /** Sends already-serialised data, dropping a client that cannot keep up. */
  sendRaw(data: Buffer | string): void {
    if (this.ws.readyState !== this.ws.OPEN) return;
    if (this.ws.bufferedAmount > this.limits.maxBufferedBytes) {
      this.logger.warn({ connection: this.ctx.connectionId }, 'client too slow; terminating');
      this.ws.terminate();
      return;
    }
    this.ws.send(data, { binary: false });
  }

  private reply(id: RequestId | null, body: object): void {
    this.sendRaw(JSON.stringify({ id, ok: true, ...body }));
  }

  private replyError(id: RequestId | null, error: WireError): void {
    this.observer?.requestError?.(error.code);
    this.sendRaw(JSON.stringify({ id, ok: false, error }));
  }

  private onFrame(data: WebSocket.RawData, isBinary: boolean): void {
    if (!this.bucket.take()) {
      if (this.bucket.refusedInARow > this.limits.hardCap) {
        this.logger.warn({ connection: this.ctx.connectionId }, 'rate hard cap; closing');
        this.ws.close(CloseCode.POLICY_VIOLATION, 'rate limit');
        return;
      }
      // Refused unhandled, but still answered under its own id (frames are at most 64 KiB, and
      // the hard cap above bounds how many refusals a client gets).
      this.replyError(isBinary ? null : requestIdOf(frameText(data)), {
        code: ApiErrorCode.RATE_LIMITED,
        message: `more than ${this.limits.ratePerSec} requests per second; slow down`,
      });
      return;
    }
    if (isBinary) {
      this.replyError(null, { code: ApiErrorCode.BINARY_FRAME, message: 'send JSON text frames' });
      return;
    }
    const text = frameText(data);
    const parsed = parseClientMessage(text);
    if (!parsed.ok) {
      this.replyError(parsed.id ?? null, { code: parsed.code, message: parsed.message });
      return;
    }
    const msg = parsed.message;
    void this.ready
      .then(() => dispatch(this.backend, this.ctx, this.session, msg))
      .then(
        (result) => this.reply(msg.id, result),
        (err: unknown) => this.replyError(msg.id, toApiError(err, this.logger, msg.type)),
      );
  }
}

function frameText(data: WebSocket.RawData): string {
  const bytes = Array.isArray(data)
    ? Buffer.concat(data)
    : Buffer.isBuffer(data)
      ? data
      : Buffer.from(data);
  return bytes.toString('utf8');
}
