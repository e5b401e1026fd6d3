import WebSocket from 'ws';
import { parseVirtualSpec, VirtualDriver, VirtualToken } from '../../../drivers/virtual';
import { silentLogger } from '../../../src/core';
import { createFlowBackend } from '../../../src/daemon/backend';
import { DeviceManager } from '../../../src/devices';
import { createServer, type BridgeServer } from '../../../src/server';
import { TokenVerifier, type ImportedToken, type SqliteTokenStore } from '../../../src/tokens';
import { FAST } from '../devices/manager-rig';
import { importTokens, openStore, tempDir } from '../tokens/registry-fixtures';
import { ManualClock } from '../../helpers/manual-clock';
import { RecordingObserver } from './flow-rig';

type Message = Record<string, unknown>;

/**
 * A real `ws` client of the daemon's API: requests get the reply with their id (events arriving
 * meanwhile are kept), and events can be awaited by type and predicate.
 */
export class FlowClient {
  private readonly inbox: Message[] = [];
  private waiters: Array<{ match: (m: Message) => boolean; resolve: (m: Message) => void }> = [];
  private nextId = 1;

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const msg = JSON.parse(String(data)) as Message;
      const waiter = this.waiters.find((w) => w.match(msg));
      if (waiter) {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        waiter.resolve(msg);
      } else this.inbox.push(msg);
    });
  }

  /** The next message matching, now or when it arrives (fails after 5 s rather than hanging). */
  take(match: (m: Message) => boolean, what: string): Promise<Message> {
    const i = this.inbox.findIndex(match);
    if (i >= 0) return Promise.resolve(this.inbox.splice(i, 1)[0]!);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${what} within 5 s`)), 5000);
      this.waiters.push({
        match,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
      });
    });
  }

  async request(type: string, params: Message = {}): Promise<Message> {
    const id = this.nextId++;
    this.ws.send(JSON.stringify({ id, type, ...params }));
    return this.take((m) => m.id === id, `reply to ${type}`);
  }

  event(type: string, where: (m: Message) => boolean = () => true): Promise<Message> {
    return this.take((m) => m.type === type && m.id === undefined && where(m), `${type} event`);
  }

  /** Messages received and not taken yet (for "nothing else arrived" checks). */
  pending(type: string): Message[] {
    return this.inbox.filter((m) => m.type === type);
  }

  close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      this.ws.once('close', () => resolve());
      this.ws.terminate();
    });
  }
}

export interface FlowServerOptions {
  /** Registry contents. */
  readonly tokens?: ImportedToken[];
  /** Virtual tokens plugged into the bus at start. */
  readonly specs?: string[];
  readonly pairing?: boolean;
  readonly kiosk?: { idleResetMs: number };
  readonly maxTokensPerUser?: number;
}

export interface FlowServer {
  readonly port: number;
  readonly origin: string;
  readonly store: SqliteTokenStore;
  readonly clock: ManualClock;
  readonly bus: VirtualDriver;
  readonly tokens: VirtualToken[];
  readonly devices: DeviceManager;
  readonly observer: RecordingObserver;
  readonly server: BridgeServer;
  /** A client from the daemon's own page origin, after its hello (returned too). */
  connect(): Promise<{ client: FlowClient; hello: Message }>;
  stop(): Promise<void>;
}

/**
 * The daemon's parts as the composition root wires them: the real server, the flow backend, a
 * device manager over a virtual bus, the SQLite registry in a temp dir, and a controlled clock for
 * the registry and the flows (the devices keep real time: it only stamps their events).
 */
export async function startFlowServer(options: FlowServerOptions = {}): Promise<FlowServer> {
  const { dir, cleanup } = tempDir();
  const clock = new ManualClock(Date.now());
  const logger = silentLogger();
  const store = openStore(dir, { clock });
  importTokens(store, options.tokens ?? []);
  const verifier = new TokenVerifier({ store, clock });
  const bus = new VirtualDriver();
  const tokens = (options.specs ?? []).map((s) => new VirtualToken(parseVirtualSpec(s)));
  for (const token of tokens) bus.attach(token);
  const devices = new DeviceManager({ drivers: [bus], logger, ...FAST });
  const observer = new RecordingObserver();
  const backend = createFlowBackend({
    store,
    verifier,
    devices,
    logger,
    clock,
    version: '0.0.0-test',
    pairing: options.pairing ?? true,
    ...(options.kiosk ? { kiosk: options.kiosk } : {}),
    maxTokensPerUser: options.maxTokensPerUser ?? 5,
    observer,
  });
  const server = createServer({ host: '127.0.0.1', port: 0, backend, logger });
  await devices.start();
  const { port } = await server.listen();
  const origin = `http://127.0.0.1:${port}`;
  const clients: FlowClient[] = [];

  return {
    port,
    origin,
    store,
    clock,
    bus,
    tokens,
    devices,
    observer,
    server,
    async connect() {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, ['tokenbridge.v1'], { origin });
      const client = new FlowClient(ws);
      clients.push(client);
      await new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve());
        ws.once('error', reject);
      });
      return { client, hello: await client.event('hello') };
    },
    async stop() {
      await Promise.all(clients.map((c) => c.close()));
      await server.close();
      backend.close();
      await devices.stop();
      await bus.dispose();
      await store.close();
      cleanup();
    },
  };
}
