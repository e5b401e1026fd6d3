/**
 * A registry client in its own process, for the multi-process and crash tests.
 *
 *   registry-worker.ts STORE KEYFILE SERIAL lines   verify each OTP read from stdin, print the outcome
 *   registry-worker.ts STORE KEYFILE SERIAL loop    verify successive HOTP codes until killed
 *
 * Every line is written with writeSync, so what the parent reads was printed before the next step.
 */
import { writeSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { defaultConfig, withOverrides } from '../../src/config';
import { silentLogger } from '../../src/core';
import { generateHotp } from '../../src/otp';
import { Runtime } from '../../src/runtime';

const RFC4226_SEED = new Uint8Array(Buffer.from('12345678901234567890', 'ascii'));

function say(line: string): void {
  writeSync(1, line + '\n');
}

async function main(): Promise<void> {
  const [path, keyFile, serial, mode] = process.argv.slice(2);
  if (!path || !keyFile || !serial || (mode !== 'lines' && mode !== 'loop')) {
    throw new Error('usage: registry-worker.ts STORE KEYFILE SERIAL lines|loop');
  }
  // The parts as every command builds them. The losers of a race count failures until the next
  // acceptance clears them: the most the configuration allows keeps them from locking the token.
  const runtime = new Runtime({
    config: withOverrides(defaultConfig({}), {
      store: { path, keyFile },
      lockout: { maxFailures: 100 },
    }),
    logger: silentLogger(),
    env: {},
  });
  const [store, verifier] = [await runtime.store(), await runtime.verifier()];
  const context = { source: `worker:${process.pid}` };
  say('ready');

  if (mode === 'lines') {
    for await (const otp of createInterface({ input: process.stdin })) {
      const outcome = await verifier.verify(serial, otp, context);
      say(JSON.stringify(outcome));
    }
    await runtime.close();
    return;
  }
  const params = { secret: RFC4226_SEED, algorithm: 'sha1', digits: 6 } as const;
  for (;;) {
    const record = await store.get(serial);
    const outcome = await verifier.verify(serial, generateHotp(params, record!.counter), context);
    // Printed only after verify resolved, i.e. after the counter was committed.
    say(
      outcome.status === 'accepted'
        ? `accepted ${outcome.matched}`
        : `refused ${JSON.stringify(outcome)}`,
    );
  }
}

main().catch((err: unknown) => {
  say(`error ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
