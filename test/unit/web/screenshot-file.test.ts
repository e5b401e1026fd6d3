import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { writeScreenshot } from '../../browser/screenshot-file';

/** A minimal PNG container: signature, then one IDAT holding `pixels` (CRCs are not checked here). */
function png(pixels: Buffer): Buffer {
  const data = deflateSync(pixels);
  const chunk = Buffer.alloc(12 + data.length);
  chunk.writeUInt32BE(data.length, 0);
  chunk.write('IDAT', 4, 'ascii');
  data.copy(chunk, 8);
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk]);
}

describe('screenshots are rewritten only when the picture changed', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tb-shot-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('new, same, antialiasing noise, and a real change', () => {
    const file = join(dir, 'w.png');
    const base = Buffer.alloc(100_000, 7);
    expect(writeScreenshot(file, png(base))).toBe(true);
    expect(writeScreenshot(file, png(Buffer.from(base)))).toBe(false);
    const noise = Buffer.from(base);
    noise[10] = 8; // 1 byte in 100,000: under the 0.05 % threshold
    expect(writeScreenshot(file, png(noise))).toBe(false);
    const changed = Buffer.from(base);
    changed.fill(9, 0, 1000);
    expect(writeScreenshot(file, png(changed))).toBe(true);
    expect(readFileSync(file).equals(png(changed))).toBe(true);
  });

  test('a different size is always written', () => {
    const file = join(dir, 'w.png');
    writeScreenshot(file, png(Buffer.alloc(10)));
    expect(writeScreenshot(file, png(Buffer.alloc(11)))).toBe(true);
  });
});
