import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { inflateSync } from 'node:zlib';

/** PNG signature length, then chunks of length (4), type (4), data, CRC (4). */
const PNG_SIGNATURE_BYTES = 8;
const CHUNK_OVERHEAD_BYTES = 12;
/** Pixel data that differs in at most this share of bytes is the same picture (antialiasing). */
const SAME_PICTURE_SHARE = 0.0005;

/** The image's filtered scanlines: equal pictures from the same encoder give (nearly) equal bytes. */
function scanlines(png: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = PNG_SIGNATURE_BYTES;
  while (at + CHUNK_OVERHEAD_BYTES <= png.length) {
    const length = png.readUInt32BE(at);
    if (png.toString('ascii', at + 4, at + 8) === 'IDAT')
      parts.push(png.subarray(at + 8, at + 8 + length));
    at += CHUNK_OVERHEAD_BYTES + length;
  }
  return inflateSync(Buffer.concat(parts));
}

/**
 * Writes a screenshot unless the file already holds the same picture: Chromium antialiases a focus
 * ring a little differently from run to run, and a test run should not dirty the checkout for that.
 * Returns whether the file was written.
 */
export function writeScreenshot(path: string, png: Buffer): boolean {
  if (existsSync(path)) {
    try {
      const before = scanlines(readFileSync(path));
      const after = scanlines(png);
      if (before.length === after.length) {
        let differing = 0;
        for (let i = 0; i < after.length; i++) if (before[i] !== after[i]) differing++;
        if (differing <= after.length * SAME_PICTURE_SHARE) return false;
      }
    } catch {
      // an unreadable old file is simply replaced
    }
  }
  writeFileSync(path, png);
  return true;
}
