import { ValidationError } from './errors';
import { hexProblem } from './secret-shape';

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** Strict hex parsing for input from outside: even length, hex digits only (whitespace trimmed). */
export function fromHex(text: string, what = 'value'): Uint8Array {
  const clean = text.trim();
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(clean)) {
    throw new ValidationError(`${what}: expected hex digits in pairs, got ${hexProblem(clean)}`);
  }
  return new Uint8Array(Buffer.from(clean, 'hex'));
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
