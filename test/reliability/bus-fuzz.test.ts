import { createConnection, type Socket } from 'node:net';
import { join } from 'node:path';
import fc from 'fast-check';
import {
  BUS_PROTOCOL_VERSION,
  connectEmulator,
  parseVirtualSpec,
  VirtualToken,
} from '../../drivers/virtual';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon';
import { printCounts, RELIABILITY_SEED, scaled, waitUntil } from '../helpers/reliability-scale';
import { ReliabilityClient } from '../helpers/reliability-ws';

/**
 * Hostile emulator peers on the daemon's emulator bus: garbage lines, lines before hello, duplicate
 * ids, over-long lines, broken UTF-8, random answers to the daemon's feature-report requests. The
 * daemon drops each misbehaving peer (a `refused` line, then close) and detaches its token, and a
 * well-behaved emulator on the same bus keeps delivering its OTPs, exactly as typed.
 */

const GOOD_SERIAL = 9_500_001;
const hex8 = fc
  .uint8Array({ minLength: 8, maxLength: 8 })
  .map((b) => Buffer.from(b).toString('hex'));
/** '@own' becomes the peer's own id when it runs; the good token's id is a duplicate. */
const peerId = fc.oneof(
  { weight: 4, arbitrary: fc.constant('@own') },
  { weight: 1, arbitrary: fc.constant('virtual-9500001') },
);

/** One thing a peer writes; `valid` says whether the daemon must accept it (given a hello first). */
type Chunk = { readonly data: string | Buffer; readonly valid: boolean; readonly hello?: boolean };

const hello = peerId.chain((id) =>
  fc
    .record({
      plugged: fc.oneof(
        { weight: 4, arbitrary: fc.constant(true) },
        { weight: 1, arbitrary: fc.constant(false) },
      ),
      pid: fc.constantFrom(0x0407, 0x0010, 0x0116),
    })
    .map(({ plugged, pid }): Chunk => ({
      data:
        JSON.stringify({
          type: 'hello',
          protocol: BUS_PROTOCOL_VERSION,
          device: { id, vendorId: 0x1050, productId: pid, model: 'YubiKey' },
          plugged,
        }) + '\n',
      valid: true,
      hello: true,
    })),
);
const validLine: fc.Arbitrary<Chunk> = fc
  .oneof(
    hex8.map((report) => ({ type: 'input', report })),
    fc.boolean().map((plugged) => ({ type: 'plug', plugged })),
    fc.record({ type: fc.constant('response'), id: fc.nat({ max: 50 }), ok: fc.constant(true) }),
    fc.record({
      type: fc.constant('failure'),
      id: fc.nat({ max: 50 }),
      error: fc.record({ code: fc.constantFrom('DEVICE_IO', 'BOGUS'), message: fc.string() }),
    }),
  )
  .map((m) => ({ data: JSON.stringify(m) + '\n', valid: true }));
const invalidLine: fc.Arbitrary<Chunk> = fc
  .oneof(
    fc.string({ minLength: 1 }).filter((s) => !s.includes('\n') && s.trim() !== ''),
    fc.jsonValue().map((v) => JSON.stringify(v)),
    hex8.map((report) => JSON.stringify({ type: 'input', report: report.toUpperCase() + 'zz' })),
    fc.constant('x'.repeat(5_000)),
  )
  .map((line) => ({ data: line + '\n', valid: false }));
const brokenUtf8: fc.Arbitrary<Chunk> = fc.constant({
  data: Buffer.from([0x7b, 0xff, 0xfe, 0x7d, 0x0a]),
  valid: false,
});

/** How a peer answers the daemon's feature-report requests. */
const answering = fc.constantFrom('silent', 'random', 'failure', 'empty');

const peerScript = fc.record({
  chunks: fc
    .tuple(
      // Most peers start properly; the rest of what they say is mostly valid too.
      fc.option(hello, { freq: 8, nil: undefined }),
      fc.array(
        fc.oneof(
          { weight: 1, arbitrary: hello },
          { weight: 12, arbitrary: validLine },
          { weight: 1, arbitrary: invalidLine },
          { weight: 1, arbitrary: brokenUtf8 },
        ),
        { maxLength: 15 },
      ),
    )
    .map(([first, rest]) => (first ? [first, ...rest] : rest))
    .filter((chunks) => chunks.length > 0),
  answering,
  seedReport: hex8,
});

/** The index of the chunk for which the daemon must drop the peer, or -1 when it never must. */
function offendingChunk(chunks: readonly Chunk[], goodId: string): number {
  let greeted = false;
  for (const [i, c] of chunks.entries()) {
    if (!c.valid) return i;
    if (c.hello) {
      // A second hello, or an id already on the bus, is refused.
      const id = (JSON.parse(c.data as string) as { device: { id: string } }).device.id;
      if (greeted || id === goodId) return i;
      greeted = true;
    } else if (!greeted) return i;
  }
  return -1;
}

interface Peer {
  readonly socket: Socket;
  readonly received: string[];
  closedByDaemon: boolean;
  readonly closed: Promise<void>;
}

function openPeer(path: string, answer: string, report: string): Promise<Peer> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(path);
    let ending = false;
    let buffer = '';
    const peer: Peer = {
      socket,
      received: [],
      closedByDaemon: false,
      closed: new Promise((done) =>
        socket.on('close', () => {
          peer.closedByDaemon = !ending;
          done();
        }),
      ),
    };
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      const lines = buffer.split('\n');
      buffer = lines.pop()!;
      for (const line of lines) {
        peer.received.push(line);
        const message = JSON.parse(line) as { type: string; id?: number };
        if (message.id === undefined || answer === 'silent' || socket.destroyed) continue;
        const reply =
          answer === 'failure'
            ? { type: 'failure', id: message.id, error: { code: 'DEVICE_IO', message: 'no' } }
            : answer === 'empty' || message.type === 'set-feature'
              ? { type: 'response', id: message.id, ok: true }
              : { type: 'response', id: message.id, ok: true, report };
        socket.write(JSON.stringify(reply) + '\n');
      }
    });
    socket.on('error', () => undefined);
    socket.once('connect', () => resolve(peer));
    socket.once('error', reject);
    (peer as { end?: () => void }).end = () => {
      ending = true;
    };
  });
}

let target: TestDaemon;
let socketPath: string;
let good: VirtualToken;
let ws: ReliabilityClient;
const typed: string[] = [];
const problems: string[] = [];
const onProblem = (err: unknown) => problems.push(String(err));
const totals = {
  runs: 0,
  peers: 0,
  dropped: 0,
  kept: 0,
  requestsToPeers: 0,
  lines: 0,
  goodOtps: 0,
};

beforeAll(async () => {
  process.on('unhandledRejection', onProblem);
  process.on('uncaughtException', onProblem);
  target = await startTestDaemon();
  socketPath = join(target.dir, 'bus', 'emulator.sock');
  await target.virtual.listen(socketPath, { requestTimeoutMs: 200, helloTimeoutMs: 2_000 });
  good = new VirtualToken(parseVirtualSpec(`hotp:serial=${GOOD_SERIAL},pacing=0`));
  await connectEmulator(socketPath, good);
  ws = await ReliabilityClient.connect(target.daemon.wsUrl, target.daemon.url.replace(/\/$/, ''));
  await waitUntil(
    () => target.daemon.devices.devices().some((d) => d.serial === GOOD_SERIAL),
    'the good emulator token',
  );
});

afterAll(async () => {
  await ws?.close();
  good?.unplug();
  await target?.stop();
  process.off('unhandledRejection', onProblem);
  process.off('uncaughtException', onProblem);
  printCounts('emulator bus fuzz', totals);
});

test('misbehaving emulator peers are dropped and detached; a good emulator keeps delivering', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(peerScript, { minLength: 1, maxLength: 3 }),
      // Long enough, often, for the daemon to open the kept peers' tokens and send them requests.
      fc.integer({ min: 0, max: 400 }),
      async (scripts, lingerMs) => {
        const peers = await Promise.all(
          scripts.map((s) => openPeer(socketPath, s.answering, s.seedReport)),
        );
        totals.peers += peers.length;
        await Promise.all(
          scripts.map(async (s, i) => {
            const peer = peers[i]!;
            // A peer stops at the line that gets it dropped: writing on would make its own end fail
            // (EPIPE) before it reads the daemon's refusal.
            const stop = offendingChunk(s.chunks, good.id);
            for (const chunk of stop < 0 ? s.chunks : s.chunks.slice(0, stop + 1)) {
              if (peer.socket.destroyed) break;
              const data =
                typeof chunk.data === 'string'
                  ? chunk.data.replace('@own', `peer-${i}`)
                  : chunk.data;
              peer.socket.write(data);
              totals.lines += 1;
              await new Promise((resolve) => setImmediate(resolve));
            }
          }),
        );
        await new Promise((resolve) => setTimeout(resolve, lingerMs));
        // The good token types while the hostile peers are still around.
        typed.push(await good.press());
        await ws.until(
          () =>
            ws.eventsOf('otp').filter((e) => e.serial === String(GOOD_SERIAL)).length ===
            typed.length,
          'the good OTP',
        );
        for (const [i, s] of scripts.entries()) {
          const peer = peers[i]!;
          if (offendingChunk(s.chunks, good.id) >= 0) {
            await peer.closed;
            expect(peer.closedByDaemon).toBe(true);
            expect(peer.received.at(-1)).toMatch(/^\{"type":"refused"/);
            totals.dropped += 1;
          } else {
            expect(peer.socket.destroyed).toBe(false);
            totals.kept += 1;
            (peer as { end?: () => void }).end?.();
            peer.socket.end();
            await peer.closed;
          }
        }
        // Every hostile token is gone from the bus and from the daemon; the good one stays.
        await waitUntil(
          () => target.virtual.devices().length === 1,
          'hostile tokens detached from the bus',
        );
        await waitUntil(
          () => target.daemon.devices.devices().every((d) => d.serial === GOOD_SERIAL),
          'hostile devices gone from the daemon',
        );
        expect(target.daemon.devices.devices().map((d) => d.serial)).toEqual([GOOD_SERIAL]);
        totals.runs += 1;
        totals.requestsToPeers += peers.reduce(
          (n, p) => n + p.received.filter((l) => l.includes('-feature')).length,
          0,
        );
      },
    ),
    { numRuns: scaled(40), seed: RELIABILITY_SEED, endOnFailure: true },
  );
  const goodOtps = ws.eventsOf('otp').filter((e) => e.serial === String(GOOD_SERIAL));
  expect(goodOtps.map((e) => e.otp)).toEqual(typed);
  expect(ws.malformed).toEqual([]);
  expect(problems).toEqual([]);
  totals.goodOtps = goodOtps.length;
}, 90_000);
