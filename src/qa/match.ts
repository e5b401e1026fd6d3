/**
 * Partial matching of replies and events against a scenario's `match`: only the fields named are
 * compared; `a.b` keys are paths; nested objects match partially; arrays match element by element
 * and by length; `null` means absent. Scalars compare by text when their types differ, because a
 * YAML `serial: 1001` is a number while the wire carries the string "1001".
 */

/** The value at a dotted path, or undefined when any part of it is missing. */
export function readPath(value: unknown, path: string): unknown {
  if (path === '') return value;
  let current: unknown = value;
  for (const part of path.split('.')) {
    if (Array.isArray(current) && /^\d+$/.test(part)) current = current[Number(part)];
    else if (isRecord(current)) current = current[part];
    else return undefined;
  }
  return current;
}

/** Every difference between `actual` and the fields of `expected`, as "path: expected X, got Y". */
export function mismatches(actual: unknown, expected: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const [key, want] of Object.entries(expected))
    compare(readPath(actual, key), want, key, out);
  return out;
}

/** True when `actual` has every field of `expected`. */
export function matches(actual: unknown, expected: Record<string, unknown> | undefined): boolean {
  return expected === undefined || mismatches(actual, expected).length === 0;
}

function compare(actual: unknown, want: unknown, path: string, out: string[]): void {
  if (want === null || want === undefined) {
    if (actual !== null && actual !== undefined)
      out.push(`${path}: expected absent, got ${show(actual)}`);
    return;
  }
  if (Array.isArray(want)) {
    if (!Array.isArray(actual)) {
      out.push(`${path}: expected a list of ${want.length}, got ${show(actual)}`);
      return;
    }
    if (actual.length !== want.length) {
      out.push(`${path}: expected ${want.length} items, got ${actual.length}`);
      return;
    }
    want.forEach((w, i) => compare(actual[i], w, `${path}.${i}`, out));
    return;
  }
  if (isRecord(want)) {
    if (!isRecord(actual)) {
      out.push(`${path}: expected an object, got ${show(actual)}`);
      return;
    }
    for (const [key, w] of Object.entries(want))
      compare(readPath(actual, key), w, `${path}.${key}`, out);
    return;
  }
  if (!sameScalar(actual, want)) out.push(`${path}: expected ${show(want)}, got ${show(actual)}`);
}

function sameScalar(actual: unknown, want: unknown): boolean {
  if (actual === want) return true;
  const scalar = (v: unknown) =>
    typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
  return scalar(actual) && scalar(want) && String(actual) === String(want);
}

const SHOW_LIMIT = 120;

/** A short JSON rendering for messages. */
export function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > SHOW_LIMIT ? `${text.slice(0, SHOW_LIMIT - 3)}...` : text;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
