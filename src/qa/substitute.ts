/**
 * `${var}` and `${otp:TOKEN}` references in scenario values. A string that is exactly one reference
 * takes the referenced value as it is (a saved number stays a number); references inside a longer
 * string are spliced in as text. `$${` is a literal `${`. Object keys are never substituted.
 */

export type Reference =
  | { readonly kind: 'var'; readonly name: string }
  | { readonly kind: 'otp'; readonly token: string };

/** A value a reference can stand for. */
export type ScopeValue = string | number | boolean;

export interface SubstitutionScope {
  variable(name: string): ScopeValue | undefined;
  /** The last OTP the token typed, if it typed one. */
  otp(token: string): string | undefined;
}

/** A reference that cannot be resolved now; the step fails with this message. */
export class SubstitutionError extends Error {}

// `$${` escapes; otherwise `${body}` with no nested braces.
const TOKEN = /\$\$\{|\$\{([^{}]*)\}/g;
const VAR_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;

/** Parses the body of `${...}`; undefined when it is not a valid reference. */
export function parseReference(body: string): Reference | undefined {
  if (body.startsWith('otp:')) {
    const token = body.slice(4);
    return VAR_NAME.test(token) ? { kind: 'otp', token } : undefined;
  }
  return VAR_NAME.test(body) ? { kind: 'var', name: body } : undefined;
}

/** Every reference in `value` (strings at any depth), in order; bad ones as `{ invalid }`. */
export function findReferences(value: unknown): Array<Reference | { invalid: string }> {
  const found: Array<Reference | { invalid: string }> = [];
  walkStrings(value, (text) => {
    for (const m of text.matchAll(TOKEN)) {
      if (m[1] === undefined) continue;
      found.push(parseReference(m[1]) ?? { invalid: m[0] });
    }
  });
  return found;
}

/** Replaces references in every string of `value` (a fresh copy; the input is not changed). */
export function substitute(value: unknown, scope: SubstitutionScope): unknown {
  if (typeof value === 'string') return substituteString(value, scope);
  if (Array.isArray(value)) return value.map((v) => substitute(v, scope));
  if (isRecord(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) out[key] = substitute(v, scope);
    return out;
  }
  return value;
}

function substituteString(text: string, scope: SubstitutionScope): unknown {
  const whole = /^\$\{([^{}]*)\}$/.exec(text);
  if (whole) return resolve(whole[1]!, scope);
  return text.replace(TOKEN, (match: string, body: string | undefined) =>
    body === undefined ? '${' : String(resolve(body, scope)),
  );
}

function resolve(body: string, scope: SubstitutionScope): ScopeValue {
  const ref = parseReference(body);
  if (!ref) throw new SubstitutionError(`\${${body}} is not a valid reference`);
  if (ref.kind === 'otp') {
    const otp = scope.otp(ref.token);
    if (otp === undefined) {
      throw new SubstitutionError(
        `\${otp:${ref.token}}: token ${ref.token} has not typed an OTP yet`,
      );
    }
    return otp;
  }
  const value = scope.variable(ref.name);
  if (value === undefined) throw new SubstitutionError(`\${${ref.name}}: variable is not set`);
  return value;
}

function walkStrings(value: unknown, visit: (text: string) => void): void {
  if (typeof value === 'string') visit(value);
  else if (Array.isArray(value)) for (const v of value) walkStrings(v, visit);
  else if (isRecord(value)) for (const v of Object.values(value)) walkStrings(v, visit);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
