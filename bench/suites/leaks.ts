import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import WebSocket from 'ws';
import { API_PROTOCOL } from '../../src/api';
import { defaultConfig, type ResolvedConfig } from '../../src/config';
import { silentLogger } from '../../src/core';
import { startDaemon } from '../../src/daemon/daemon';
import { parseVirtualSpec, VirtualDriver, VirtualToken } from '../../drivers/virtual';
import type { BenchFigure, BenchSuite } from '../harness';

const BENCH_EVENTS = 100_000;
const TOKENS = 10;
/** OTP events sent but not yet received: keeps the client under the server's slow-client limit. */
const WINDOW = 500;
const WAIT_MS = 30_000;

/** What the process holds at one moment, after a full collection. */
export interface LeakSnapshot {
  readonly heapUsed: number;
  readonly rss: number;
  /** Active handles and requests keeping the loop alive (process.getActiveResourcesInfo). */
  readonly handles: number;
  /** Of those, TCP sockets and servers. */
  readonly sockets: number;
  /** Handle counts by type, to say which kind leaked when one did. */
  readonly byType: Readonly<Record<string, number>>;
}

export interface LeakRun {
  readonly events: number;
  readonly delivered: number;
  /** Before the daemon started. */
  readonly baseline: LeakSnapshot;
  /** Daemon running, client connected, tokens attached, after a warm-up. */
  readonly before: LeakSnapshot;
  /** The same, after every event was delivered. */
  readonly after: LeakSnapshot;
  /** Client and daemon closed again. */
  readonly stopped: LeakSnapshot;
}

let collector: (() => void) | undefined;

/** A full collection without --expose-gc: set the flag at run time, take `gc` from a new context. */
function fullGc(): void {
  if (!collector) {
    setFlagsFromString('--expose-gc');
    collector = runInNewContext('gc') as () => void;
  }
  collector();
  collector();
}

export async function snapshot(): Promise<LeakSnapshot> {
  // stdout and stderr get their handle on first use and keep it for the process's life: open both
  // now so that whoever first touches one (a library's warning, say) does not look like a leak.
  void process.stdout.fd;
  void process.stderr.fd;
  // Let closed handles finish closing (their callbacks run on the next turns of the loop).
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
  fullGc();
  const types = process.getActiveResourcesInfo();
  const byType: Record<string, number> = {};
  for (const type of types) byType[type] = (byType[type] ?? 0) + 1;
  const memory = process.memoryUsage();
  return {
    heapUsed: memory.heapUsed,
    rss: memory.rss,
    handles: types.length,
    sockets: types.filter((t) => t.startsWith('TCP')).length,
    byType,
  };
}

/** A ws client that counts the otp events it receives and lets the pusher wait for it. */
class CountingClient {
  otps = 0;
  private waiters: Array<() => void> = [];
  constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      if ((JSON.parse(String(data)) as { type?: string }).type === 'otp') this.otps += 1;
      for (const wake of this.waiters.splice(0)) wake();
    });
    ws.on('close', () => {
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  async until(condition: () => boolean, what: string): Promise<void> {
    const deadline = Date.now() + WAIT_MS;
    while (!condition()) {
      if (this.ws.readyState !== WebSocket.OPEN)
        throw new Error(`client closed waiting for ${what}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 50);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
}

/**
 * Pushes `events` OTP events through a real daemon (virtual tokens type them, the device manager
 * decodes them, the server fans them out) to one ws client, and snapshots the process before the
 * daemon, before and after the events, and after everything closed.
 */
export async function runLeakCheck(events: number, tokens = TOKENS): Promise<LeakRun> {
  const baseline = await snapshot();
  const dir = mkdtempSync(join(tmpdir(), 'tb-bench-leaks-'));
  const base = defaultConfig({});
  const config: ResolvedConfig = {
    ...base,
    server: { ...base.server, port: 0, controlSocket: join(dir, 'control.sock') },
    store: { ...base.store, path: join(dir, 'tokens.sqlite'), keyFile: join(dir, 'seed.key') },
    drivers: { ...base.drivers, enabled: ['virtual'] },
  };
  const virtual = new VirtualDriver();
  const daemon = await startDaemon({ config, logger: silentLogger(), env: {}, drivers: [virtual] });
  const all = Array.from(
    { length: tokens },
    (_, i) => new VirtualToken(parseVirtualSpec(`hotp:serial=${9_300_000 + i},pacing=0`)),
  );
  let ws: WebSocket | undefined;
  try {
    ws = new WebSocket(daemon.wsUrl, [API_PROTOCOL], {
      origin: daemon.url.replace(/\/$/, ''),
      perMessageDeflate: false,
    });
    const client = new CountingClient(ws);
    await new Promise((resolve, reject) => ws!.once('open', resolve).once('error', reject));
    for (const token of all) virtual.attach(token);
    const deadline = Date.now() + WAIT_MS;
    while (daemon.devices.devices().length < tokens) {
      if (Date.now() > deadline) throw new Error('tokens did not attach');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }

    let sent = 0;
    const push = async (count: number) => {
      const goal = sent + count;
      await Promise.all(
        all.map(async (token) => {
          while (sent < goal) {
            if (sent - client.otps >= WINDOW) {
              await client.until(() => sent - client.otps < WINDOW, 'the client to catch up');
              continue;
            }
            sent += 1;
            await token.press();
          }
        }),
      );
      await client.until(() => client.otps >= sent, 'every event');
    };

    await push(Math.min(1_000, events)); // warm-up: caches, JIT, buffers at their working size
    const warm = client.otps;
    const before = await snapshot();
    await push(events);
    const after = await snapshot();
    const delivered = client.otps - warm;

    ws.close();
    await new Promise((resolve) =>
      ws!.readyState === WebSocket.CLOSED ? resolve(null) : ws!.once('close', resolve),
    );
    for (const token of all) token.unplug();
    await daemon.close();
    await virtual.dispose();
    const stopped = await snapshot();
    return { events: sent - warm, delivered, baseline, before, after, stopped };
  } finally {
    ws?.terminate();
    await daemon.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const mib = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;

export const leaksSuite: BenchSuite = {
  name: 'leaks',
  async run(): Promise<BenchFigure[]> {
    const run = await runLeakCheck(BENCH_EVENTS);
    const n = `${run.events} otp events`;
    return [
      {
        name: `heapUsed after ${n}`,
        value: mib(run.after.heapUsed),
        unit: 'MiB',
        baseline: { name: 'heapUsed before', value: mib(run.before.heapUsed) },
        note: 'after a full gc; daemon and one ws client in this process',
      },
      {
        name: `RSS after ${n}`,
        value: mib(run.after.rss),
        unit: 'MiB',
        baseline: { name: 'RSS before', value: mib(run.before.rss) },
      },
      {
        name: `active handles after ${n}`,
        value: run.after.handles,
        unit: 'handles',
        baseline: { name: 'active handles before', value: run.before.handles },
      },
      {
        name: `TCP sockets after ${n}`,
        value: run.after.sockets,
        unit: 'sockets',
        baseline: { name: 'TCP sockets before', value: run.before.sockets },
      },
      {
        name: 'active handles after closing the daemon',
        value: run.stopped.handles,
        unit: 'handles',
        baseline: { name: 'active handles before the daemon', value: run.baseline.handles },
      },
      { name: `events delivered of ${run.events}`, value: run.delivered, unit: 'events' },
    ];
  },
};
