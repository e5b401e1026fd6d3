import { createHmac } from 'node:crypto';
import { generateSync as otplibHotpCode } from '@otplib/hotp';
import type { CryptoPlugin } from '@otplib/core';
import {
  PasscodeScanner,
  resyncHotp,
  resyncTotp,
  verifyHotp,
  verifyTotp,
  type HotpParams,
  type TotpParams,
} from '../../src/otp';
import { NODE_CRYPTO, OTPLIB_GUARDRAILS } from '../../src/otp/otplib-config';
import { timePerCall, type BenchFigure, type BenchSuite } from '../harness';

const SECRET = new Uint8Array(20).map((_, i) => (i * 37 + 11) & 0xff);
const HOTP: HotpParams = { secret: SECRET, algorithm: 'sha1', digits: 6 };
const TOTP: TotpParams = { ...HOTP, period: 30 };
const COUNTER = 5000; // far enough from 0 that the replay look-back is a full window
const NOW_MS = 1_700_000_000_000;

/**
 * A 6-digit code that matches no counter the run searches: checked once, so every timed call is the
 * worst case (the whole window, look-back and resync span are computed).
 */
function missingCode(params: HotpParams, from: number, count: number, after = -1): string {
  const scanner = new PasscodeScanner();
  for (let n = after + 1; n < 10 ** params.digits; n++) {
    const code = String(n).padStart(params.digits, '0');
    if (scanner.scan(params, [code], from, count)[0]!.length === 0) return code;
  }
  throw new Error('no unused code found');
}

/** The baseline: raw node:crypto HMAC-SHA1 over `count` counters, nothing else. */
function rawHmacs(count: number): () => void {
  const msg = Buffer.alloc(8);
  return () => {
    for (let c = 0; c < count; c++) {
      msg.writeUInt32BE(c, 4);
      createHmac('sha1', SECRET).update(msg).digest();
    }
  };
}

function versusRaw(name: string, hmacs: number, fn: () => void, note?: string): BenchFigure {
  return {
    name,
    value: timePerCall(fn, { warmup: 5 }),
    unit: 'µs',
    baseline: {
      name: `raw createHmac x${hmacs}`,
      value: timePerCall(rawHmacs(hmacs), { warmup: 5 }),
    },
    ...(note ? { note } : {}),
  };
}

async function run(): Promise<BenchFigure[]> {
  const figures: BenchFigure[] = [];
  const miss = missingCode(HOTP, COUNTER - 100, 1200);
  // The TOTP runs search around NOW_MS; a HOTP miss need not miss there, so check separately.
  const totpMiss = missingCode(HOTP, Math.floor(NOW_MS / 30_000) - 1001, 2004);
  const totpMiss2 = missingCode(HOTP, Math.floor(NOW_MS / 30_000) - 1001, 2004, Number(totpMiss));
  const hotpState = { counter: COUNTER };

  // HOTP verify, no match: look-ahead w, then the same span back for replays, then resync.
  for (const [window, resyncWindow, hmacs] of [
    [1, 0, 2],
    [10, 0, 20],
    [10, 1000, 1010],
  ] as const) {
    figures.push(
      versusRaw(
        `HOTP verify, window ${window}, resync ${resyncWindow}, no match`,
        hmacs,
        () => verifyHotp(HOTP, hotpState, miss, { window, resyncWindow }),
        `${hmacs} HMACs`,
      ),
    );
  }

  // Why the engine does not call otplib's per-code generator in its loop.
  figures.push(
    versusRaw(
      'otplib hotp.generateSync loop, 1010 counters',
      1010,
      () => {
        for (let c = 0; c < 1010; c++) {
          otplibHotpCode({
            secret: SECRET,
            counter: c,
            algorithm: 'sha1',
            digits: 6,
            crypto: NODE_CRYPTO,
            guardrails: OTPLIB_GUARDRAILS,
          });
        }
      },
      'the alternative the engine avoids',
    ),
  );

  // TOTP verify, no match: 2w+1 steps, then the resync span either side.
  const totpState = { lastStep: null, drift: 0 };
  for (const [resyncWindow, hmacs] of [
    [0, 3],
    [120, 241],
  ] as const) {
    figures.push(
      versusRaw(
        `TOTP verify, window 1, resync ${resyncWindow}, no match`,
        hmacs,
        () => verifyTotp(TOTP, totpState, totpMiss, NOW_MS, { resyncWindow }),
        `${hmacs} HMACs`,
      ),
    );
  }

  // Resync searches, no match (the worst case). Target: under 5 ms for 1000 steps.
  const miss2 = missingCode(HOTP, COUNTER - 100, 1200, Number(miss));
  figures.push({
    name: 'HOTP resync search, 1000 counters, no match',
    value: timePerCall(() => resyncHotp(HOTP, hotpState, miss, miss2), { warmup: 5 }) / 1000,
    unit: 'ms',
    note: '1011 HMACs, two passcodes compared per counter',
  });
  figures.push({
    name: 'TOTP resync search, ±1000 steps, no match',
    value:
      timePerCall(
        () => resyncTotp(TOTP, totpState, totpMiss, totpMiss2, NOW_MS, { searchSteps: 1000 }),
        {
          warmup: 5,
        },
      ) / 1000,
    unit: 'ms',
    note: '2002 HMACs',
  });

  // otplib's default crypto plugin (noble, pure JavaScript) against the node:crypto one.
  const noble = await loadNoblePlugin();
  const nodeScanner = new PasscodeScanner(NODE_CRYPTO);
  const nodeCost = timePerCall(() => verifyHotp(HOTP, hotpState, miss, {}, nodeScanner), {
    warmup: 5,
  });
  if (noble) {
    const nobleScanner = new PasscodeScanner(noble);
    figures.push({
      name: 'HOTP verify, window 10, resync 1000, noble plugin',
      value: timePerCall(() => verifyHotp(HOTP, hotpState, miss, {}, nobleScanner), { warmup: 5 }),
      unit: 'µs',
      baseline: { name: 'same with the node plugin', value: nodeCost },
      note: '1010 HMACs',
    });
  }
  return figures;
}

/** @noble/hashes is ESM-only; Node 20.19+ can require it, older runtimes cannot. */
async function loadNoblePlugin(): Promise<CryptoPlugin | null> {
  try {
    const { NobleCryptoPlugin } = await import('@otplib/plugin-crypto-noble');
    return new NobleCryptoPlugin();
  } catch {
    return null;
  }
}

export const otpSuite: BenchSuite = { name: 'otp', run };
