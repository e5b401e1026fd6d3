import { generateHotp } from '../../src/otp';
import { parseVirtualSpec, VirtualToken } from '../../drivers/virtual';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon';
import { printCounts, scaled, waitUntil } from '../helpers/reliability-scale';
import { ReliabilityClient } from '../helpers/reliability-ws';

/**
 * Fifty virtual tokens (HOTP and Yubico OTP) press at random while ws clients come and go. Every
 * OTP a token typed reaches every client that was connected for the whole press exactly once;
 * nothing reaches anyone twice, and nothing arrives that no token typed. In the second run some
 * tokens misbehave (unplugged while typing or while being opened, stalled, spraying garbage) and
 * the healthy ones keep delivering all the same.
 */

const TOKENS = 50;
const SOAK_MS = scaled(6_000, 1_000);
const TARGET_CLIENTS = 6;
const SERIAL_BASE = 8_800_000;

/** A logical clock: the test is one thread, so "before" and "after" are exact. */
let tick = 0;
const now = () => ++tick;

interface Press {
  readonly key: string;
  readonly startAt: number;
  readonly endAt: number;
  readonly healthy: boolean;
}

interface ClientSpan {
  readonly client: ReliabilityClient;
  readonly helloAt: number;
  closeAt: number;
}

type Behaviour = 'healthy' | 'garbage' | 'unplug-typing' | 'unplug-opening' | 'stall';

interface Rig {
  target: TestDaemon;
  origin: string;
  presses: Press[];
  spans: ClientSpan[];
  faults: Record<Behaviour, number>;
  stopAt: number;
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const between = (lo: number, hi: number) => lo + Math.floor(Math.random() * (hi - lo + 1));

/** The code an HOTP token types on its next press. */
function nextHotpCode(token: VirtualToken): string {
  const slot = token.spec.slot1;
  if (slot?.type !== 'hotp') throw new Error('unplug-typing runs on HOTP tokens only');
  return generateHotp(
    { secret: slot.secret, algorithm: 'sha1', digits: slot.digits },
    token.state.hotpCounter,
  );
}

function keyOf(serial: string | number | undefined, otp: string): string {
  return `${serial ?? '?'}:${otp}`;
}

function attached(rig: Rig, serial: number): boolean {
  return rig.target.daemon.devices.devices().some((d) => d.serial === serial);
}

/** One token's life for the soak: press at random, with its misbehaviour in between. */
async function tokenLoop(rig: Rig, token: VirtualToken, behaviour: Behaviour): Promise<void> {
  const serial = token.spec.serial;
  const healthy = behaviour === 'healthy';
  while (Date.now() < rig.stopAt) {
    await delay(between(20, 250));
    switch (behaviour) {
      case 'garbage':
        token.injectFault({ kind: 'garbage', count: between(1, 20) });
        rig.faults.garbage += 1;
        break;
      case 'unplug-typing': {
        if (Math.random() < 0.5) break;
        // Unplugged somewhere inside the typing: a half-typed OTP must never be delivered. The
        // unplug may also land after Enter, when the OTP is complete: then it may arrive (once).
        const startAt = now();
        const complete = nextHotpCode(token);
        const typing = token.press().catch(() => undefined);
        await delay(between(0, 60));
        token.unplug();
        await typing;
        rig.presses.push({ key: keyOf(serial, complete), startAt, endAt: now(), healthy: false });
        await delay(between(10, 100));
        token.plug();
        rig.faults['unplug-typing'] += 1;
        await waitUntil(() => attached(rig, serial), `token ${serial} back`, 15_000);
        continue;
      }
      case 'unplug-opening':
        if (Math.random() < 0.7) break;
        token.unplug();
        token.injectFault({ kind: 'unplug-mid-transfer', afterReports: between(0, 6) });
        token.plug(); // the daemon opens it and it vanishes mid-exchange
        await delay(between(50, 300));
        token.clearFaults();
        token.plug();
        rig.faults['unplug-opening'] += 1;
        await waitUntil(() => attached(rig, serial), `token ${serial} back`, 15_000);
        continue;
      case 'stall':
        if (Math.random() < 0.8) break;
        token.injectFault({ kind: 'stall', ms: 1_500 });
        token.unplug();
        token.plug(); // every feature report now outlasts the daemon's report timeout
        await delay(between(200, 1_200));
        token.unplug();
        token.clearFaults();
        token.plug();
        rig.faults.stall += 1;
        await waitUntil(() => attached(rig, serial), `token ${serial} back`, 15_000);
        continue;
      case 'healthy':
        break;
    }
    const startAt = now();
    const otp = await token.press();
    rig.presses.push({ key: keyOf(serial, otp), startAt, endAt: now(), healthy });
  }
}

/** Clients connect and disconnect until the soak ends, keeping a handful connected. */
async function churn(rig: Rig): Promise<void> {
  const open: ClientSpan[] = [];
  while (Date.now() < rig.stopAt) {
    if (open.length < TARGET_CLIENTS || Math.random() < 0.4) {
      const client = await ReliabilityClient.connect(rig.target.daemon.wsUrl, rig.origin);
      const span = { client, helloAt: now(), closeAt: Infinity };
      open.push(span);
      rig.spans.push(span);
    }
    if (open.length > TARGET_CLIENTS / 2 && Math.random() < 0.5) {
      const [span] = open.splice(between(0, open.length - 1), 1);
      span!.closeAt = now();
      await span!.client.close();
    }
    await delay(between(10, 150));
  }
}

async function soak(behaviourOf: (i: number) => Behaviour): Promise<Rig> {
  const target = await startTestDaemon();
  const rig: Rig = {
    target,
    origin: target.daemon.url.replace(/\/$/, ''),
    presses: [],
    spans: [],
    faults: { healthy: 0, garbage: 0, 'unplug-typing': 0, 'unplug-opening': 0, stall: 0 },
    stopAt: 0,
  };
  const tokens = Array.from({ length: TOKENS }, (_, i) => {
    const kind = i % 2 === 0 ? 'hotp' : 'yubico';
    return new VirtualToken(parseVirtualSpec(`${kind}:serial=${SERIAL_BASE + i}`));
  });
  try {
    for (const token of tokens) target.virtual.attach(token);
    await waitUntil(() => target.daemon.devices.devices().length === TOKENS, 'all tokens', 20_000);
    rig.stopAt = Date.now() + SOAK_MS;
    await Promise.all([
      churn(rig),
      ...tokens.map((token, i) => tokenLoop(rig, token, behaviourOf(i))),
    ]);
    // Let every open client catch up with what was typed, then close them.
    const open = rig.spans.filter((s) => s.closeAt === Infinity);
    await Promise.all(
      open.map((s) =>
        s.client.until(
          () => expectedFor(rig, s).every((key) => received(s).has(key)),
          'the last OTPs',
        ),
      ),
    );
    for (const s of open) {
      s.closeAt = now();
      await s.client.close();
    }
    return rig;
  } finally {
    for (const token of tokens) token.unplug();
    for (const s of rig.spans) s.client.terminate();
    await target.stop();
  }
}

/** OTPs of healthy tokens typed entirely while this client was connected. */
function expectedFor(rig: Rig, span: ClientSpan): string[] {
  return rig.presses
    .filter((p) => p.healthy && span.helloAt < p.startAt && p.endAt < span.closeAt)
    .map((p) => p.key);
}

function received(span: ClientSpan): Map<string, number> {
  const counts = new Map<string, number>();
  for (const e of span.client.eventsOf('otp')) {
    const key = keyOf(e.serial, e.otp);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/** The invariants, and the totals to print. */
function check(rig: Rig): Record<string, number> {
  const typed = new Set(rig.presses.map((p) => p.key));
  let expected = 0;
  let delivered = 0;
  const perClient: number[] = [];
  for (const span of rig.spans) {
    const got = received(span);
    expect(span.client.malformed).toEqual([]);
    // Nothing twice, nothing no token typed (a half-typed OTP included).
    for (const [key, count] of got) {
      expect({ key, count, typed: typed.has(key) }).toEqual({ key, count: 1, typed: true });
    }
    const want = expectedFor(rig, span);
    expect(want.filter((key) => !got.has(key))).toEqual([]);
    expected += want.length;
    delivered += got.size;
    perClient.push(got.size);
  }
  // The whole-soak clients are few; make sure the run actually overlapped presses and clients.
  expect(expected).toBeGreaterThan(0);
  return {
    tokens: TOKENS,
    clients: rig.spans.length,
    presses: rig.presses.length,
    healthyPresses: rig.presses.filter((p) => p.healthy).length,
    expectedDeliveries: expected,
    deliveries: delivered,
    perClientMin: Math.min(...perClient),
    perClientMax: Math.max(...perClient),
  };
}

test('every OTP reaches every client subscribed for the whole press exactly once, while clients churn', async () => {
  const rig = await soak(() => 'healthy');
  printCounts('soak', check(rig));
}, 90_000);

test('with tokens unplugged while typing or opening, stalled, or spraying garbage, the rest keep delivering', async () => {
  // Even indexes are HOTP tokens, odd ones Yubico OTP.
  const faulty: Record<number, Behaviour> = {
    0: 'garbage',
    1: 'garbage',
    3: 'garbage',
    2: 'unplug-typing',
    4: 'unplug-typing',
    6: 'unplug-typing',
    5: 'unplug-opening',
    8: 'unplug-opening',
    7: 'stall',
    10: 'stall',
  };
  const rig = await soak((i) => faulty[i] ?? 'healthy');
  const totals = check(rig);
  printCounts('soak with faults', {
    ...totals,
    faultyPresses: rig.presses.filter((p) => !p.healthy).length,
    garbageBursts: rig.faults.garbage,
    unpluggedTyping: rig.faults['unplug-typing'],
    unpluggedOpening: rig.faults['unplug-opening'],
    stalls: rig.faults.stall,
  });
}, 90_000);
