import { fork, type ChildProcess } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { API_PROTOCOL } from '../../src/api';
import { defaultConfig, type ResolvedConfig } from '../../src/config';
import { silentLogger } from '../../src/core/logger';
import { startDaemon } from '../../src/daemon/daemon';
import { parseVirtualSpec, VirtualDriver, VirtualToken } from '../../drivers/virtual';
import { percentile, type BenchFigure, type BenchSuite } from '../harness';

const CLIENTS = 500;
const EVENTS = 50;
const CONNECT_BATCH = 50;
/** Bounds every wait, so a stuck run ends instead of hanging the bench. */
const WAIT_MS = 15_000;
const CHILD_FLAG = 'TOKENBRIDGE_BENCH_FANOUT_DAEMON';

type ToChild =
  | { kind: 'emit'; seq: number }
  | { kind: 'broadcast'; seq: number }
  | { kind: 'rss' }
  | { kind: 'stop' };
type FromChild =
  | { kind: 'ready'; port: number; barePort: number }
  | { kind: 'rss'; bytes: number; connections: number };

/** The frame the daemon sends for one press, as the baseline broadcasts it. */
const OTP_FRAME = JSON.stringify({
  type: 'otp',
  deviceId: '0123456789abcdef',
  serial: '9200',
  format: 'oath-hotp',
  otp: '755224',
});

/**
 * The daemon side runs in its own process so its RSS is not mixed with 500 client sockets: the real
 * daemon (startDaemon) with one virtual token; each event is a press of its button.
 */
async function runDaemonChild(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tb-bench-fanout-'));
  const base = defaultConfig({});
  const config = {
    ...base,
    server: {
      ...base.server,
      port: 0,
      maxClients: CLIENTS + 10,
      controlSocket: join(dir, 'control.sock'),
    },
    store: { ...base.store, path: join(dir, 'tokens.sqlite'), keyFile: join(dir, 'seed.key') },
    drivers: { ...base.drivers, enabled: ['virtual'] },
  } as ResolvedConfig;
  const virtual = new VirtualDriver();
  const daemon = await startDaemon({ config, logger: silentLogger(), env: {}, drivers: [virtual] });
  const token = new VirtualToken(parseVirtualSpec('hotp:serial=9200,pacing=0'));
  const attached = new Promise<void>((resolve) => daemon.devices.on('attached', () => resolve()));
  virtual.attach(token);
  await attached;
  const port = daemon.port;
  const server = daemon.server;
  // The baseline: a bare ws server in the same process, broadcasting the same frame to its clients
  // (serialised once, as the daemon does), on the same loopback.
  const bare = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  await new Promise((resolve) => bare.once('listening', resolve));
  const barePort = (bare.address() as AddressInfo).port;
  const frame = Buffer.from(OTP_FRAME);
  process.on('message', (msg: ToChild) => {
    if (msg.kind === 'emit') void token.press();
    else if (msg.kind === 'broadcast') for (const ws of bare.clients) ws.send(frame);
    else if (msg.kind === 'rss')
      process.send?.({
        kind: 'rss',
        bytes: process.memoryUsage().rss,
        connections: server.connectionCount,
      });
    else
      void Promise.all([daemon.close(), new Promise((r) => bare.close(r))]).then(() => {
        rmSync(dir, { recursive: true, force: true });
        process.exit(0);
      });
  });
  // If the bench process dies, do not outlive it.
  process.on('disconnect', () => process.exit(0));
  process.send?.({ kind: 'ready', port, barePort } satisfies FromChild);
}

function nextMessage<T extends FromChild['kind']>(child: ChildProcess, kind: T) {
  return new Promise<Extract<FromChild, { kind: T }>>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`fanout daemon: no ${kind}`)), WAIT_MS);
    const on = (msg: FromChild) => {
      if (msg.kind !== kind) return;
      clearTimeout(timer);
      child.off('message', on);
      resolve(msg as Extract<FromChild, { kind: T }>);
    };
    child.on('message', on);
  });
}

/**
 * Resolves once the socket is open and, when `greeted`, its first message (hello) has arrived: hello
 * can land in the same read as the handshake, so the listener is attached before open.
 */
function openClient(url: string, origin: string, greeted: boolean): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, [API_PROTOCOL], { origin });
    const timer = setTimeout(() => reject(new Error('fan-out: client did not open')), WAIT_MS);
    const ready = () => {
      clearTimeout(timer);
      resolve(ws);
    };
    if (greeted) ws.once('message', ready);
    else ws.once('open', ready);
    ws.once('error', reject);
  });
}

/** Opens CLIENTS sockets into `into`, CONNECT_BATCH at a time. */
async function connectAll(into: WebSocket[], open: () => Promise<WebSocket>): Promise<void> {
  while (into.length < CLIENTS) {
    const batch = Array.from({ length: Math.min(CONNECT_BATCH, CLIENTS - into.length) }, open);
    into.push(...(await Promise.all(batch)));
  }
}

async function daemonRss(child: ChildProcess): Promise<number> {
  child.send({ kind: 'rss' } satisfies ToChild);
  return (await nextMessage(child, 'rss')).bytes;
}

/** Per event: from the request (`emit` or `broadcast`) until the last of the clients has it. */
async function fanOut(
  child: ChildProcess,
  clients: WebSocket[],
  kind: 'emit' | 'broadcast',
): Promise<number[]> {
  const sample: number[] = [];
  for (let seq = 0; seq < EVENTS + 5; seq++) {
    let pending = clients.length;
    const t0 = performance.now();
    const done = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('fan-out: event not delivered')), WAIT_MS);
      for (const ws of clients)
        ws.once('message', () => {
          if (--pending === 0) {
            clearTimeout(timer);
            resolve();
          }
        });
    });
    child.send({ kind, seq } satisfies ToChild);
    await done;
    if (seq >= 5) sample.push(performance.now() - t0);
  }
  return sample;
}

export const fanoutSuite: BenchSuite = {
  name: 'fanout',
  async run(): Promise<BenchFigure[]> {
    const child = fork(__filename, [], { env: { ...process.env, [CHILD_FLAG]: '1' } });
    const clients: WebSocket[] = [];
    const bareClients: WebSocket[] = [];
    try {
      const { port, barePort } = await nextMessage(child, 'ready');
      const rssIdle = await daemonRss(child);
      const url = `ws://127.0.0.1:${port}/ws`;
      const origin = `http://127.0.0.1:${port}`;
      await connectAll(clients, () => openClient(url, origin, true));
      const rssLoaded = await daemonRss(child);
      // The same number of clients, opened the same way, on the bare server.
      const bareUrl = `ws://127.0.0.1:${barePort}`;
      await connectAll(bareClients, () => openClient(bareUrl, origin, false));
      const bare = await fanOut(child, bareClients, 'broadcast');
      const sample = await fanOut(child, clients, 'emit');
      const mib = (b: number) => Math.round((b / 2 ** 20) * 10) / 10;
      const baseline = (p: number) => ({
        name: `bare ws server broadcasting the same frame to ${CLIENTS} clients, p${p}`,
        value: percentile(bare, p),
      });
      return [
        {
          name: `fan-out to ${CLIENTS} clients, p99 over ${EVENTS} events`,
          value: percentile(sample, 99),
          unit: 'ms',
          baseline: baseline(99),
          note: 'request over IPC to the last client receiving the frame (the daemon: a press typed, decoded and sent)',
        },
        {
          name: `fan-out to ${CLIENTS} clients, median`,
          value: percentile(sample, 50),
          unit: 'ms',
          baseline: baseline(50),
        },
        { name: 'daemon RSS, 0 clients', value: mib(rssIdle), unit: 'MiB' },
        {
          name: `daemon RSS, ${CLIENTS} clients`,
          value: mib(rssLoaded),
          unit: 'MiB',
          baseline: { name: 'daemon RSS, 0 clients', value: mib(rssIdle) },
        },
      ];
    } finally {
      for (const ws of [...clients, ...bareClients]) ws.terminate();
      const exited = new Promise((resolve) =>
        child.exitCode !== null || child.signalCode !== null
          ? resolve(null)
          : child.once('exit', resolve),
      );
      if (child.connected) child.send({ kind: 'stop' } satisfies ToChild);
      const kill = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(kill);
    }
  },
};

if (process.env[CHILD_FLAG] === '1' && process.send !== undefined) void runDaemonChild();
