import WebSocket from 'ws';
import type { ApiDevice, ServerEvent, VerifyOutcome } from '../../src/api';
import { TokenBridgeError } from '../../src/core/errors';
import { silentLogger } from '../../src/core/logger';
import { serverOptionsOf } from '../../src/daemon/server-options';
import { testConfig } from '../helpers/config';
import {
  createServer,
  type ApiBackend,
  type BackendEventListener,
  type BridgeServer,
  type ServerLimits,
} from '../../src/server';

/**
 * A small daemon stand-in implementing the server's consumer-owned ApiBackend seam: one registered
 * token (serial 5000001, passcode 755224 accepted, 287082 asks for the next code), events pushed by
 * the test through `emit`.
 */
export class TestBackend implements ApiBackend {
  readonly devices: ApiDevice[] = [
    { id: 'd1', driver: 'virtual', model: 'YubiKey 5 NFC', serial: '5000001', access: 'exclusive' },
  ];
  private listener: BackendEventListener | undefined;
  readonly closed: string[] = [];
  readonly unpaired: string[] = [];

  hello() {
    return {
      version: '0.1.0',
      devices: this.devices,
      capabilities: { pairing: true, tapPairing: true, setup: false },
    };
  }
  listDevices() {
    return this.devices;
  }
  async pairingStart(ctx: { connectionId: string }, user: string) {
    if (user === 'boom') throw new Error('database exploded at /secret/path');
    const pairingId = 'pair-0001';
    this.listener?.({ type: 'pairing.state', pairingId, step: 'choose-device' }, ctx.connectionId);
    return { pairingId, step: 'choose-device' as const };
  }
  async pairingChooseHardwareToken(_ctx: unknown, pairingId: string) {
    return { pairingId, step: 'serial' as const, serial: '5000001' };
  }
  async pairingSerial(_ctx: unknown, pairingId: string, serial: string) {
    if (serial !== '5000001') throw new TokenBridgeError('TOKEN_NOT_FOUND', `no token ${serial}`);
    return { pairingId, step: 'verification' as const, serial };
  }
  private outcome(passcode: string): VerifyOutcome {
    if (passcode === '755224') return { result: 'accepted', sessionToken: 'sess_abcdefghijklmnop' };
    if (passcode === '287082') return { result: 'needs-next-passcode' };
    return { result: 'rejected', reason: 'wrong-passcode', attemptsLeft: 2 };
  }
  async pairingVerify(_c: unknown, _p: string, passcode: string) {
    return this.outcome(passcode);
  }
  async pairingSync(_c: unknown, _p: string, passcode: string) {
    return this.outcome(passcode);
  }
  async pairingTap(_c: unknown, _p: string, passcode: string) {
    return this.outcome(passcode.startsWith('cccccc') ? '755224' : passcode);
  }
  async pairingSetup(_c: unknown, pairingId: string, deviceId: string) {
    if (deviceId !== 'd1')
      throw new TokenBridgeError('ENROLL_FAILED', `no key ${deviceId} to set up`);
    return { pairingId, step: 'verification' as const, serial: '5000001' };
  }
  async pairingCancel() {
    return { cancelled: true };
  }
  async signonVerify(_c: unknown, _u: string, passcode: string) {
    return this.outcome(passcode);
  }
  async tokenUnpair(_c: unknown, user: string, serial: string) {
    this.unpaired.push(`${user}/${serial}`);
  }
  health() {
    return { devices: this.devices.length };
  }
  subscribe(listener: BackendEventListener) {
    this.listener = listener;
    return () => {
      this.listener = undefined;
    };
  }
  connectionClosed(ctx: { connectionId: string }) {
    this.closed.push(ctx.connectionId);
  }
  emit(event: ServerEvent) {
    this.listener?.(event);
  }
}

export interface Harness {
  server: BridgeServer;
  backend: TestBackend;
  port: number;
  origin: string;
}

export async function startServer(
  limits: Partial<ServerLimits> = {},
  extra: { allowOrigins?: string[]; staticDir?: string } = {},
): Promise<Harness> {
  const backend = new TestBackend();
  const configured = serverOptionsOf(testConfig('/nonexistent'));
  const server = createServer({
    ...configured,
    backend,
    logger: silentLogger(),
    limits: { ...configured.limits, ...limits },
    ...extra,
  });
  const info = await server.listen();
  return { server, backend, port: info.port, origin: `http://127.0.0.1:${info.port}` };
}

/** A client that queues every parsed message so tests can await them in order. */
export class TestClient {
  private readonly queue: unknown[] = [];
  private waiters: ((m: unknown) => void)[] = [];
  readonly closed: Promise<{ code: number }>;

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const msg: unknown = JSON.parse(String(data));
      const waiter = this.waiters.shift();
      if (waiter) waiter(msg);
      else this.queue.push(msg);
    });
    this.closed = new Promise((resolve) =>
      ws.on('close', (code) => {
        resolve({ code });
        // Anyone still waiting gets a marker that fails their assertion, rather than a hung test.
        for (const waiter of this.waiters.splice(0)) waiter({ closedWithCode: code });
      }),
    );
  }

  next(): Promise<Record<string, unknown>> {
    if (this.queue.length > 0)
      return Promise.resolve(this.queue.shift() as Record<string, unknown>);
    return new Promise((resolve) => this.waiters.push(resolve as (m: unknown) => void));
  }

  send(msg: unknown): void {
    this.ws.send(typeof msg === 'string' || Buffer.isBuffer(msg) ? msg : JSON.stringify(msg));
  }

  async request(msg: Record<string, unknown>): Promise<Record<string, unknown>> {
    this.send(msg);
    return this.next();
  }

  close(): Promise<{ code: number }> {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING)
      this.ws.terminate();
    return this.closed;
  }
}

export interface ConnectOptions {
  origin?: string;
  host?: string;
  protocol?: string | null;
  path?: string;
  autoPong?: boolean;
}

/** Opens a client; resolves the client, or the HTTP status when the upgrade is refused. */
export function connect(
  port: number,
  options: ConnectOptions = {},
): Promise<{ client: TestClient } | { status: number }> {
  const protocols = options.protocol === null ? [] : [options.protocol ?? 'tokenbridge.v1'];
  const ws = new WebSocket(`ws://127.0.0.1:${port}${options.path ?? '/ws'}`, protocols, {
    ...(options.origin === undefined ? {} : { origin: options.origin }),
    headers: options.host === undefined ? {} : { host: options.host },
    autoPong: options.autoPong ?? true,
  });
  const client = new TestClient(ws);
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve({ client }));
    ws.once('unexpected-response', (_req, res) => {
      resolve({ status: res.statusCode ?? 0 });
      res.resume();
      ws.terminate();
    });
    ws.on('error', reject);
  });
}

export async function open(port: number, options: ConnectOptions = {}): Promise<TestClient> {
  const result = await connect(port, { origin: `http://127.0.0.1:${port}`, ...options });
  if (!('client' in result)) throw new Error(`upgrade refused with ${result.status}`);
  return result.client;
}
