import fc from 'fast-check';
import { ApiErrorCode, RESULT_SCHEMAS } from '../../src/api';
import { generateHotp } from '../../src/otp';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon';
import { printCounts, RELIABILITY_SEED, scaled } from '../helpers/reliability-scale';
import { ReliabilityClient, type ReplyMessage } from '../helpers/reliability-ws';
import { hotpToken, importTokens } from '../unit/tokens/registry-fixtures';

/**
 * Random sequences of well-formed flow requests (pairing steps, sign-ons, unpairs, cancels, other
 * connections' pairing ids, reconnects) over a few connections of a real daemon, with HOTP codes
 * drawn around each token's real counter. A model of what the daemon has committed checks the
 * security properties: a code is accepted at most once, a token is only ever paired to one user
 * until it is unpaired, a sign-on succeeds only with a token paired to that user, and no request
 * ever ends in INTERNAL or an undocumented error code.
 */

const TOKENS = ['F1', 'F2', 'F3'];
const USERS = ['ana', 'ben'];
const CONNECTIONS = 2;
const secretOf = (i: number) => new Uint8Array(Buffer.from(`flow-fuzz-seed-${i}-0123`, 'ascii'));
const paramsOf = (i: number) => ({ secret: secretOf(i), algorithm: 'sha1', digits: 6 }) as const;
const KNOWN_CODES = new Set<string>(Object.values(ApiErrorCode));

type Action =
  | { kind: 'start'; conn: number; user: number }
  | { kind: 'choose' | 'cancel'; conn: number; pairing: number }
  | { kind: 'serial'; conn: number; pairing: number; token: number }
  | { kind: 'verify' | 'sync'; conn: number; pairing: number; token: number; offset: number }
  | { kind: 'signon'; conn: number; user: number; token: number; offset: number }
  | { kind: 'unpair'; conn: number; user: number; token: number }
  | { kind: 'reconnect'; conn: number }
  /** Every connection signs on with the same code at once. */
  | { kind: 'race'; user: number; token: number; offset: number };

const conn = fc.nat({ max: CONNECTIONS - 1 });
const pairing = fc.nat({ max: 5 });
const token = fc.nat({ max: TOKENS.length });
/** Around the next counter: replays, in window, beyond it (resync), and far off. */
const offset = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: -3, max: 3 }) },
  { weight: 2, arbitrary: fc.integer({ min: 4, max: 14 }) },
  { weight: 1, arbitrary: fc.integer({ min: 15, max: 60 }) },
);
/** A whole pairing in a row, the way the page does it; the pieces above also come alone. */
const pairingRun: fc.Arbitrary<Action[]> = fc
  .record({
    conn,
    user: fc.nat({ max: USERS.length - 1 }),
    token,
    offset,
    sync: fc.boolean(),
    use: fc.nat({ max: 3 }),
  })
  .map(({ conn: c, user, token: t, offset: off, sync, use }) => [
    { kind: 'start', conn: c, user },
    { kind: 'choose', conn: c, pairing: -1 },
    { kind: 'serial', conn: c, pairing: -1, token: t },
    { kind: 'verify', conn: c, pairing: -1, token: t, offset: off },
    ...(sync ? [{ kind: 'sync' as const, conn: c, pairing: -1, token: t, offset: off + 1 }] : []),
    // Then, often, sign on with it and maybe unpair it, on the same connection.
    ...(use > 0 ? [{ kind: 'signon' as const, conn: c, user, token: t, offset: 0 }] : []),
    ...(use > 1 ? [{ kind: 'unpair' as const, conn: c, user, token: t }] : []),
  ]);

const single: fc.Arbitrary<Action> = fc.oneof(
  fc.record({ kind: fc.constant('start' as const), conn, user: fc.nat({ max: USERS.length - 1 }) }),
  fc.record({ kind: fc.constantFrom('choose' as const, 'cancel' as const), conn, pairing }),
  fc.record({ kind: fc.constant('serial' as const), conn, pairing, token }),
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constantFrom('verify' as const, 'sync' as const),
      conn,
      pairing,
      token,
      offset,
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('signon' as const),
      conn,
      user: fc.nat({ max: USERS.length - 1 }),
      token,
      offset,
    }),
  },
  fc.record({
    kind: fc.constant('unpair' as const),
    conn,
    user: fc.nat({ max: USERS.length - 1 }),
    token,
  }),
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('reconnect' as const), conn }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('race' as const),
      user: fc.nat({ max: USERS.length - 1 }),
      token,
      offset: fc.integer({ min: -1, max: 2 }),
    }),
  },
);

const actions: fc.Arbitrary<Action[]> = fc
  .array(
    fc.oneof(
      single.map((a) => [a]),
      pairingRun,
    ),
    { minLength: 3, maxLength: 30 },
  )
  .map((groups) => groups.flat());

/** What the test believes the daemon has committed, from the replies it got. */
class Model {
  /** Next HOTP counter per token, as far as acceptances seen say (a lower bound). */
  readonly next = TOKENS.map(() => 0);
  readonly pairedTo = new Map<string, string>();
  /** token index -> counters accepted */
  readonly used = TOKENS.map(() => new Set<number>());
  /** The code each open pairing is being verified with: pairing id -> token index. */
  readonly pairingToken = new Map<string, number>();
  readonly pairingUser = new Map<string, string>();

  accept(t: number, counter: number): void {
    // The security property: a code counter is accepted at most once.
    expect({ token: TOKENS[t], counter, again: this.used[t]!.has(counter) }).toEqual({
      token: TOKENS[t],
      counter,
      again: false,
    });
    this.used[t]!.add(counter);
    this.next[t] = Math.max(this.next[t]!, counter + 1);
  }
}

const totals = {
  races: 0,
  runs: 0,
  requests: 0,
  accepted: 0,
  paired: 0,
  signedOn: 0,
  unpaired: 0,
  errors: 0,
};
afterAll(() => printCounts('ws flows fuzz', totals));

async function play(actions: readonly Action[]): Promise<void> {
  const target: TestDaemon = await startTestDaemon({
    config: {
      // port 0 again: startTestDaemon's overrides replace whole sections.
      server: { port: 0, rateLimit: { perSecond: 10_000, burst: 10_000 } },
      lockout: { maxFailures: 10, baseMs: 1_000 },
    },
  });
  const origin = target.daemon.url.replace(/\/$/, '');
  await importTokens(
    target.daemon.store,
    TOKENS.map((serial, i) => hotpToken(serial, { secret: secretOf(i) })),
  );
  const model = new Model();
  const clients: ReliabilityClient[] = [];
  const pairings: string[][] = [];
  /** Users signed on per connection (the server allows unpair only for them). */
  const signedOn: Array<Map<string, string | undefined>> = [];
  const open = async (c: number) => {
    clients[c] = await ReliabilityClient.connect(target.daemon.wsUrl, origin);
    pairings[c] = [];
    signedOn[c] = new Map();
  };
  try {
    for (let c = 0; c < CONNECTIONS; c++) await open(c);
    for (const a of actions) {
      if (a.kind === 'reconnect') {
        await clients[a.conn]!.close();
        await open(a.conn);
        continue;
      }
      if (a.kind === 'race') {
        const i = a.token % TOKENS.length;
        const counter = Math.max(0, model.next[i]! + a.offset);
        const passcode = generateHotp(paramsOf(i), counter);
        const replies = await Promise.all(
          clients.map((c) => c.request('signon.verify', { user: USERS[a.user], passcode })),
        );
        totals.requests += replies.length;
        for (const [c, reply] of replies.entries()) {
          expect(reply.ok).toBe(true);
          if ((reply as { result?: string }).result !== 'accepted') continue;
          expect(model.pairedTo.get(TOKENS[i]!)).toBe(USERS[a.user]);
          model.accept(i, counter); // a second acceptance of the same code fails here
          signedOn[c]!.set(USERS[a.user]!, (reply as { sessionToken?: string }).sessionToken);
          totals.accepted += 1;
          totals.races += 1;
        }
        continue;
      }
      const client = clients[a.conn]!;
      // Another connection's pairing ids are in the pool too: they must be refused.
      const pool = pairings.flat();
      const pairingId =
        'pairing' in a ? (pool[a.pairing % Math.max(1, pool.length)] ?? 'p_nothing_here') : '';
      const serialOf = (t: number) => TOKENS[t] ?? 'UNKNOWN9';
      const codeOf = (t: number, off: number) => {
        const i = t % TOKENS.length;
        const counter = Math.max(0, model.next[i]! + off);
        return { i, counter, passcode: generateHotp(paramsOf(i), counter) };
      };
      let type: keyof typeof RESULT_SCHEMAS;
      let params: Record<string, unknown>;
      let code: ReturnType<typeof codeOf> | undefined;
      switch (a.kind) {
        case 'start':
          type = 'pairing.start';
          params = { user: USERS[a.user] };
          break;
        case 'choose':
          type = 'pairing.chooseHardwareToken';
          params = { pairingId };
          break;
        case 'cancel':
          type = 'pairing.cancel';
          params = { pairingId };
          break;
        case 'serial':
          type = 'pairing.serial';
          params = { pairingId, serial: serialOf(a.token) };
          break;
        case 'verify':
        case 'sync':
          type = a.kind === 'verify' ? 'pairing.verify' : 'pairing.sync';
          code = codeOf(model.pairingToken.get(pairingId) ?? a.token, a.offset);
          params = { pairingId, passcode: code.passcode };
          break;
        case 'signon':
          type = 'signon.verify';
          code = codeOf(a.token, a.offset);
          params = { user: USERS[a.user], passcode: code.passcode };
          break;
        case 'unpair':
          type = 'token.unpair';
          params = {
            user: USERS[a.user],
            serial: serialOf(a.token),
            sessionToken: signedOn[a.conn]!.get(USERS[a.user]!),
          };
          break;
      }
      const reply: ReplyMessage = await client.request(type, params);
      totals.requests += 1;
      expect(client.malformed).toEqual([]);
      if (!reply.ok) {
        totals.errors += 1;
        expect(KNOWN_CODES).toContain(reply.error.code);
        expect(reply.error.code).not.toBe(ApiErrorCode.INTERNAL);
        continue;
      }
      const { id: _id, ok: _ok, ...result } = reply;
      expect(RESULT_SCHEMAS[type].safeParse(result).success).toBe(true);
      const r = result as {
        result?: string;
        pairingId?: string;
        serial?: string;
        sessionToken?: string;
      };
      switch (a.kind) {
        case 'start':
          pairings[a.conn]!.push(r.pairingId!);
          model.pairingUser.set(r.pairingId!, USERS[a.user]!);
          break;
        case 'serial': {
          const t = TOKENS.indexOf(r.serial!);
          expect(t).toBeGreaterThanOrEqual(0);
          model.pairingToken.set(pairingId, t);
          // Offered only while the token is free or already this user's.
          const owner = model.pairedTo.get(r.serial!);
          if (owner !== undefined) expect(owner).toBe(model.pairingUser.get(pairingId));
          break;
        }
        case 'verify':
        case 'sync':
          if (r.result === 'accepted') {
            const t = model.pairingToken.get(pairingId)!;
            const user = model.pairingUser.get(pairingId)!;
            const owner = model.pairedTo.get(TOKENS[t]!);
            if (owner !== undefined) expect(owner).toBe(user);
            model.accept(t, code!.counter);
            model.pairedTo.set(TOKENS[t]!, user);
            signedOn[a.conn]!.set(user, r.sessionToken);
            totals.accepted += 1;
            totals.paired += 1;
          }
          break;
        case 'signon':
          if (r.result === 'accepted') {
            // Only a token paired to this user signs them on.
            expect(model.pairedTo.get(TOKENS[code!.i]!)).toBe(USERS[a.user]);
            model.accept(code!.i, code!.counter);
            signedOn[a.conn]!.set(USERS[a.user]!, r.sessionToken);
            totals.accepted += 1;
            totals.signedOn += 1;
          }
          break;
        case 'unpair':
          expect(signedOn[a.conn]!.has(USERS[a.user]!)).toBe(true);
          expect(model.pairedTo.get(TOKENS[a.token]!)).toBe(USERS[a.user]);
          model.pairedTo.delete(TOKENS[a.token]!);
          totals.unpaired += 1;
          break;
        default:
          break;
      }
    }
    // The store agrees with the model about who holds which token.
    for (const serial of TOKENS) {
      const record = await target.daemon.store.get(serial);
      expect({ serial, user: record?.user ?? undefined }).toEqual({
        serial,
        user: model.pairedTo.get(serial),
      });
    }
  } finally {
    for (const c of clients) c?.terminate();
    await target.stop();
    totals.runs += 1;
  }
}

test('random flow request sequences: codes accepted once, tokens held by one user, no INTERNAL', async () => {
  await fc.assert(fc.asyncProperty(actions, play), {
    numRuns: scaled(60),
    seed: RELIABILITY_SEED,
    endOnFailure: true,
  });
}, 90_000);
