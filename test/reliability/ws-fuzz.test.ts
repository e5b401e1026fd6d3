import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { CloseCode, MAX_FRAME_BYTES, RESULT_SCHEMAS, type RequestId } from '../../src/api';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon';
import { heapAfterGc, printCounts, RELIABILITY_SEED, scaled } from '../helpers/reliability-scale';
import { ReliabilityClient } from '../helpers/reliability-ws';
import { hotpToken, importTokens } from '../unit/tokens/registry-fixtures';

/**
 * Thousands of valid-shaped, mutated and plain broken frames against a real daemon over real
 * sockets. Whatever arrives, the daemon answers each frame exactly once with a reply the API schema
 * accepts (carrying the request's id whenever one could be read), keeps the connection open, and
 * keeps its heap bounded. Only a frame over the size limit closes a connection (1009).
 */

/** A frame and the id the server can read from it (null when it cannot). */
interface Frame {
  readonly kind: 'text' | 'binary';
  readonly data: string | Uint8Array;
}

/** Written from docs/api.md, independently of src/api/parse.ts: which id a reply must carry. */
function readableId(frame: Frame): RequestId | null {
  if (frame.kind === 'binary') return null;
  let value: unknown;
  try {
    value = JSON.parse(frame.data as string);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const id = (value as { id?: unknown }).id;
  if (typeof id === 'string' && id.length >= 1 && id.length <= 64) return id;
  if (typeof id === 'number' && Number.isSafeInteger(id) && id >= 0) return id;
  return null;
}

function byteLength(frame: Frame): number {
  return typeof frame.data === 'string' ? Buffer.byteLength(frame.data) : frame.data.length;
}

// ---- generators ----

const user = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('alice@example.com', 'bob') },
  { weight: 1, arbitrary: fc.constantFrom(' padded ', '', 'x'.repeat(129)) },
  { weight: 2, arbitrary: fc.string({ maxLength: 140 }) },
);
const serial = fc.oneof(fc.constantFrom('7050602', '5000001', '', '../etc'), fc.string());
const passcode = fc.oneof(
  fc.stringMatching(/^[0-9]{6,8}$/),
  fc.stringMatching(/^[cbdefghijklnrtuv]{32,64}$/),
  fc.string(),
);
const pairingId = fc.oneof(fc.stringMatching(/^[A-Za-z0-9_-]{8,64}$/), fc.string());
/** A small pool makes duplicate ids (in one batch and across requests in flight) common. */
const requestId = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 4 }) },
  { weight: 3, arbitrary: fc.nat() },
  { weight: 2, arbitrary: fc.string({ minLength: 1, maxLength: 64 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(-1, 1.5, '', 'x'.repeat(65), null, true, 2 ** 60, [], {}),
  },
);

const requestBody = fc.oneof(
  fc.constant({ type: 'ping' }),
  fc.constant({ type: 'devices.list' }),
  fc.record({ type: fc.constant('pairing.start'), user }),
  fc.record({ type: fc.constant('pairing.chooseHardwareToken'), pairingId }),
  fc.record({ type: fc.constant('pairing.serial'), pairingId, serial }),
  fc.record({
    type: fc.constantFrom('pairing.verify', 'pairing.sync', 'pairing.tap'),
    pairingId,
    passcode,
  }),
  fc.record({ type: fc.constant('pairing.cancel'), pairingId }),
  fc.record({ type: fc.constant('signon.verify'), user, passcode }),
  fc.record(
    { type: fc.constant('token.unpair'), user, serial, sessionToken: fc.string() },
    { requiredKeys: ['type', 'user', 'serial'] },
  ),
  fc.record({ type: fc.string() }),
);

/** Nested arrays or objects `depth` deep, as text (cheaper than building the value). */
const deep = fc
  .record({ depth: fc.integer({ min: 1, max: 20_000 }), objects: fc.boolean() })
  .map(({ depth, objects }) =>
    objects
      ? '{"a":'.repeat(depth) + '1' + '}'.repeat(depth)
      : '['.repeat(depth) + ']'.repeat(depth),
  );

type Mutation = (message: Record<string, unknown>) => Record<string, unknown>;
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 5, arbitrary: fc.constant((m: Record<string, unknown>) => m) },
  fc.nat().map((i) => (m: Record<string, unknown>) => {
    const keys = Object.keys(m);
    const { [keys[i % keys.length]!]: _dropped, ...rest } = m;
    return rest;
  }),
  fc
    .tuple(fc.nat(), fc.jsonValue({ maxDepth: 3 }))
    .map(([i, v]) => (m: Record<string, unknown>) => {
      const keys = Object.keys(m);
      return { ...m, [keys[i % keys.length]!]: v };
    }),
  fc
    .tuple(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 2 }))
    .map(([k, v]) => (m: Record<string, unknown>) => ({ ...m, [k]: v })),
  fc
    .tuple(fc.nat(), fc.integer({ min: 1_000, max: 60_000 }))
    .map(([i, n]) => (m: Record<string, unknown>) => {
      const keys = Object.keys(m);
      return { ...m, [keys[i % keys.length]!]: 'A'.repeat(n) };
    }),
);

const withIdMostly = fc.oneof(
  { weight: 9, arbitrary: fc.constant(true) },
  { weight: 1, arbitrary: fc.constant(false) },
);

const jsonFrame = fc
  .tuple(requestId, requestBody, mutation, withIdMostly)
  .map(([id, body, mutate, withId]): Frame => {
    const message = mutate(withId ? { id, ...body } : { ...body });
    return { kind: 'text', data: JSON.stringify(message) };
  });

const frame: fc.Arbitrary<Frame> = fc.oneof(
  { weight: 6, arbitrary: jsonFrame },
  // Valid-looking JSON cut short or spliced with junk.
  {
    weight: 1,
    arbitrary: fc
      .tuple(jsonFrame, fc.nat(), fc.string({ maxLength: 8 }))
      .map(([f, at, junk]): Frame => {
        const text = f.data as string;
        const cut = at % (text.length + 1);
        return { kind: 'text', data: text.slice(0, cut) + junk };
      }),
  },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }).map(textFrame) },
  { weight: 1, arbitrary: fc.jsonValue().map((v) => textFrame(JSON.stringify(v) ?? 'null')) },
  { weight: 1, arbitrary: deep.map(textFrame) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(requestId, deep)
      .map(([id, nested]) =>
        textFrame(`{"id":${JSON.stringify(id)},"type":"pairing.start","user":${nested}}`),
      ),
  },
  {
    weight: 1,
    arbitrary: fc.uint8Array({ maxLength: 300 }).map((data): Frame => ({ kind: 'binary', data })),
  },
);

function textFrame(data: string): Frame {
  return { kind: 'text', data };
}

function send(client: ReliabilityClient, f: Frame): void {
  if (f.kind === 'binary') client.sendBytes(f.data as Uint8Array, true);
  else client.sendText(f.data as string);
}

// ---- the daemon under test ----

let target: TestDaemon;
let origin: string;
const problems: string[] = [];
const onProblem = (err: unknown) => problems.push(String(err));
const totals = {
  runs: 0,
  frames: 0,
  replies: 0,
  withId: 0,
  okReplies: 0,
  errorReplies: 0,
  binary: 0,
  bytes: 0,
  heapStartMiB: 0,
  heapEndMiB: 0,
};

beforeAll(async () => {
  process.on('unhandledRejection', onProblem);
  process.on('uncaughtException', onProblem);
  target = await startTestDaemon({
    // High limits: the fuzz is about parsing and dispatch; the rate limit has its own test below.
    // port 0 again: startTestDaemon's overrides replace whole sections.
    config: { server: { port: 0, rateLimit: { perSecond: 10_000, burst: 10_000 } } },
  });
  origin = target.daemon.url.replace(/\/$/, '');
  await importTokens(target.daemon.store, [hotpToken('7050602')]);
});

afterAll(async () => {
  await target?.stop();
  process.off('unhandledRejection', onProblem);
  process.off('uncaughtException', onProblem);
  printCounts('ws fuzz', totals);
});

/** Sends a batch on one connection and checks the one-reply-per-frame invariant for it. */
async function exercise(client: ReliabilityClient, frames: readonly Frame[]): Promise<void> {
  const expected = new Map<RequestId | null, number>();
  for (const f of frames) {
    const id = readableId(f);
    expected.set(id, (expected.get(id) ?? 0) + 1);
    if (id !== null) totals.withId += 1;
    if (f.kind === 'binary') totals.binary += 1;
    totals.bytes += byteLength(f);
    send(client, f);
  }
  await client.until(() => client.totalReplies >= frames.length, `${frames.length} replies`);
  // One more round trip, so a duplicate reply in flight would be counted too.
  const syncId = `sync-${randomUUID()}`;
  await client.request('ping', {}, syncId);
  const got = new Map([...client.replies].map(([id, list]) => [id, list.length]));
  expect(got.get(syncId)).toBe(1);
  got.delete(syncId);
  expect(got).toEqual(expected);
  expect(client.malformed).toEqual([]);
  checkResults(client, frames);
  expect(client.isOpen).toBe(true);
  totals.frames += frames.length;
  totals.replies += client.totalReplies;
}

/** A success reply's fields match the result schema of its request type (ids used once only). */
function checkResults(client: ReliabilityClient, frames: readonly Frame[]): void {
  const typeOf = new Map<RequestId, string | undefined>();
  for (const f of frames) {
    const id = readableId(f);
    if (id === null) continue;
    const type = (JSON.parse(f.data as string) as { type?: unknown }).type;
    typeOf.set(id, typeOf.has(id) ? undefined : typeof type === 'string' ? type : undefined);
  }
  for (const [id, type] of typeOf) {
    const reply = client.replies.get(id)![0]!;
    if (!reply.ok) {
      totals.errorReplies += 1;
      // INTERNAL means an exception nobody expected: a bug, whatever the input was.
      expect(reply.error.code).not.toBe('INTERNAL');
      continue;
    }
    totals.okReplies += 1;
    expect(type !== undefined && type in RESULT_SCHEMAS).toBe(true);
    const { id: _id, ok: _ok, ...result } = reply;
    const schema = RESULT_SCHEMAS[type as keyof typeof RESULT_SCHEMAS];
    expect(schema.safeParse(result).success).toBe(true);
  }
}

test('every frame gets exactly one well-formed reply, carrying its id when it had one; connections stay open', async () => {
  const maxFrame = MAX_FRAME_BYTES;
  heapAfterGc();
  const before = heapAfterGc();
  totals.heapStartMiB = Math.round(before / 2 ** 20);
  await fc.assert(
    fc.asyncProperty(
      fc.array(
        frame.filter((f) => byteLength(f) <= maxFrame),
        { minLength: 1, maxLength: 40 },
      ),
      fc.integer({ min: 1, max: 3 }),
      async (frames, parallel) => {
        // The same batch from several clients at once: duplicate ids and racing requests.
        const clients = await Promise.all(
          Array.from({ length: parallel }, () =>
            ReliabilityClient.connect(target.daemon.wsUrl, origin),
          ),
        );
        try {
          await Promise.all(clients.map((c) => exercise(c, frames)));
        } finally {
          await Promise.all(clients.map((c) => c.close()));
          totals.runs += 1;
        }
      },
    ),
    { numRuns: scaled(300), seed: RELIABILITY_SEED, endOnFailure: true },
  );
  const after = heapAfterGc();
  totals.heapEndMiB = Math.round(after / 2 ** 20);
  expect(problems).toEqual([]);
  // Bounded: nothing per frame or per closed connection is kept (generous for jest's own heap).
  expect(after - before).toBeLessThan(48 * 2 ** 20);
  // Still serving: a fresh client is greeted and answered, and the health check is fine.
  const fresh = await ReliabilityClient.connect(target.daemon.wsUrl, origin);
  expect((await fresh.request('ping')).ok).toBe(true);
  await fresh.close();
  const health = await fetch(`${target.daemon.url}healthz`);
  expect(health.status).toBe(200);
  expect(target.daemon.server.connectionCount).toBe(0);
}, 90_000);

test('a frame over the size limit closes only its connection, with 1009; the limit itself is accepted', async () => {
  const healthy = await ReliabilityClient.connect(target.daemon.wsUrl, origin);
  const atLimit = await ReliabilityClient.connect(target.daemon.wsUrl, origin);
  const over = await ReliabilityClient.connect(target.daemon.wsUrl, origin);
  const padding = (n: number) => JSON.stringify({ id: 7, type: 'ping', pad: 'x'.repeat(n) });
  const base = Buffer.byteLength(padding(0));
  atLimit.sendText(padding(MAX_FRAME_BYTES - base));
  await atLimit.until(() => atLimit.totalReplies === 1, 'the reply at the limit');
  expect(atLimit.replies.get(7)![0]).toMatchObject({
    ok: false,
    error: { code: 'INVALID_MESSAGE' },
  });
  over.sendText(padding(MAX_FRAME_BYTES - base + 1));
  expect((await over.closed).code).toBe(CloseCode.MESSAGE_TOO_BIG);
  expect(over.totalReplies).toBe(0);
  expect((await healthy.request('ping')).ok).toBe(true);
  expect(atLimit.isOpen).toBe(true);
  await Promise.all([healthy.close(), atLimit.close()]);
});

test('a text frame that is not UTF-8 fails only its own connection (RFC 6455: 1007)', async () => {
  const healthy = await ReliabilityClient.connect(target.daemon.wsUrl, origin);
  const broken = await ReliabilityClient.connect(target.daemon.wsUrl, origin);
  broken.sendBytes(Uint8Array.of(0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d), false);
  expect((await broken.closed).code).toBe(1007);
  expect(broken.malformed).toEqual([]);
  expect((await healthy.request('ping')).ok).toBe(true);
  await healthy.close();
});

test('under the default rate limit, every frame still gets exactly one reply, under its own id', async () => {
  const limited = await startTestDaemon();
  try {
    const client = await ReliabilityClient.connect(
      limited.daemon.wsUrl,
      limited.daemon.url.replace(/\/$/, ''),
    );
    const count = 150; // above the burst of 40, below the hard cap of 200 refusals in a row
    for (let i = 0; i < count; i++) client.sendText(JSON.stringify({ id: 1000 + i, type: 'ping' }));
    await client.until(() => client.totalReplies === count, `${count} replies`);
    const ids = Array.from({ length: count }, (_, i) => 1000 + i);
    expect(client.replies.get(null)).toBeUndefined();
    expect(ids.every((id) => client.replies.get(id)?.length === 1)).toBe(true);
    const answered = ids.filter((id) => client.replies.get(id)![0]!.ok);
    const refused = ids.flatMap((id) => {
      const reply = client.replies.get(id)![0]!;
      return reply.ok ? [] : [reply];
    });
    expect(refused.every((r) => !r.ok && r.error.code === 'RATE_LIMITED')).toBe(true);
    expect(answered.length + refused.length).toBe(count);
    expect(refused.length).toBeGreaterThan(0);
    expect(client.isOpen).toBe(true);
    printCounts('ws rate limit', {
      sent: count,
      answered: answered.length,
      refused: refused.length,
    });
    await client.close();
  } finally {
    await limited.stop();
  }
});
