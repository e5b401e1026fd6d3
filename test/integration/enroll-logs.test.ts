import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createLogger } from '../../src/core/logger';
import { Runtime } from '../../src/runtime';
import { parseVirtualSpec, VirtualDriver, VirtualToken } from '../../drivers/virtual';
import { testConfig } from '../helpers/config';

/** Every window of `length` bytes of the seed, as hex: a log line must hold none of them. */
function hexWindows(seed: Uint8Array, length: number): string[] {
  const hex = Buffer.from(seed).toString('hex');
  const windows: string[] = [];
  for (let i = 0; i + 2 * length <= hex.length; i += 2) windows.push(hex.slice(i, i + 2 * length));
  return windows;
}

describe('setting a key up never puts its seed in a log, not even at trace level', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tb-enroll-logs-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test.each(['hotp', 'yubiotp', 'chalresp'] as const)(
    '%s: raw feature reports are traced, seed bytes are not',
    async (kind) => {
      const lines: string[] = [];
      const logger = createLogger({
        level: 'trace',
        destination: new Writable({
          write: (chunk: Buffer | string, _enc, done) => {
            lines.push(
              ...String(chunk)
                .split('\n')
                .filter((l) => l !== ''),
            );
            done();
          },
        }),
      });
      const virtual = new VirtualDriver({ logger });
      const token = new VirtualToken(parseVirtualSpec('blank:serial=6600001,pacing=0'), { logger });
      virtual.attach(token);
      const runtime = new Runtime({ config: testConfig(dir), logger, env: {}, drivers: [virtual] });
      try {
        const devices = runtime.devices();
        await devices.start();
        const [device] = devices.devices();
        const enroller = await runtime.enroller();
        const secrets: Uint8Array[] = [];
        const outcome = await enroller.enroll(
          {
            deviceId: device!.id,
            kind,
            slot: 2,
            digits: 6,
            tokenId: false,
            force: false,
            source: 'test',
            exportCredential: async (credential) => {
              secrets.push(
                credential.secret.slice(),
                ...(credential.privateId ? [credential.privateId.slice()] : []),
              );
            },
          },
          (step) => {
            if (step === 'touch' && kind !== 'chalresp') void token.press(2);
          },
        );
        expect(outcome.result).toBe('enrolled');
        expect(secrets.length).toBeGreaterThan(0);
        // The trace level is on: the exchange itself was logged.
        expect(lines.some((l) => l.includes('feature report out'))).toBe(true);
        const needles = secrets.flatMap((s) => hexWindows(s, 5));
        const leaks = lines.filter((line) => needles.some((n) => line.toLowerCase().includes(n)));
        expect(leaks).toEqual([]);
        for (const secret of secrets) {
          const b64 = Buffer.from(secret).toString('base64').replace(/=+$/, '');
          expect(lines.filter((l) => l.includes(b64))).toEqual([]);
        }
      } finally {
        await runtime.close();
      }
    },
  );
});
