import WebSocket from 'ws';
import { parseVirtualSpec, VirtualToken, type VirtualDriver } from '../../../drivers/virtual';
import type { DeviceManager } from '../../../src/devices';
import type { BridgeServer } from '../../../src/server';
import type { ImportedToken, RegistryStore } from '../../../src/tokens';
import { startTestDaemon } from '../../helpers/daemon';
import { HeldClock } from '../../helpers/manual-clock';
import { importTokens } from '../tokens/registry-fixtures';

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
  readonly store: RegistryStore;
  readonly clock: HeldClock;
  readonly bus: VirtualDriver;
  readonly tokens: VirtualToken[];
  readonly devices: DeviceManager;
  readonly server: BridgeServer;
  /** The daemon's verification and lockout counters (its /metrics), by `flow:result`. */
  verifications(): Promise<Record<string, number>>;
  lockouts(): Promise<number>;
  /** A client from the daemon's own page origin, after its hello (returned too). */
  connect(): Promise<{ client: FlowClient; hello: Message }>;
  stop(): Promise<void>;
}

/**
 * The whole daemon as the composition root builds it (startTestDaemon): the real server, flows,
 * device manager over a virtual bus and SQLite registry in a temp dir, under a controlled clock.
 */
export async function startFlowServer(options: FlowServerOptions = {}): Promise<FlowServer> {
  const clock = new HeldClock(Date.now());
  const pairing = options.pairing ?? true;
  const tokens = (options.specs ?? []).map((s) => new VirtualToken(parseVirtualSpec(s)));
  const test = await startTestDaemon({
    clock,
    tokens,
    config: {
      ...(options.maxTokensPerUser !== undefined
        ? { users: { maxTokensPerUser: options.maxTokensPerUser } }
        : {}),
      ...(options.kiosk
        ? { kiosk: { enabled: true, pairing, idleResetMs: options.kiosk.idleResetMs } }
        : pairing
          ? {}
          : { kiosk: { enabled: true, pairing: false } }),
    },
  });
  const { daemon } = test;
  await importTokens(daemon.store, options.tokens ?? []);
  const port = daemon.port;
  const origin = `http://127.0.0.1:${port}`;
  const clients: FlowClient[] = [];
  const counter = async (name: string) =>
    (await daemon.metrics.registry.getSingleMetric(name)?.get())?.values ?? [];

  return {
    port,
    origin,
    store: daemon.store,
    clock,
    bus: test.virtual,
    tokens,
    devices: daemon.devices,
    server: daemon.server,
    async verifications() {
      const counts: Record<string, number> = {};
      for (const v of await counter('tokenbridge_verifications_total'))
        if (v.value > 0) counts[`${v.labels.flow}:${v.labels.result}`] = v.value;
      return counts;
    },
    async lockouts() {
      return (await counter('tokenbridge_lockouts_total')).reduce((n, v) => n + v.value, 0);
    },
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
      await test.stop();
    },
  };
}
