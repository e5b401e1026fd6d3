import { redactOtp } from '../core';

/** Fields that carry a passcode whatever their value looks like. */
const SECRET_FIELDS = new Set(['otp', 'passcode']);
/** Bearer values a report has no need to show. */
const BEARER_FIELDS = new Set(['sessionToken']);

/**
 * Keeps OTPs out of the report: every OTP a token typed during the run is replaced wherever it
 * appears as a whole word, and `otp`/`passcode` fields are redacted in values shown in messages.
 */
export class OtpRedactor {
  private readonly typed = new Set<string>();

  /** Registers an OTP a token typed. */
  add(otp: string): void {
    if (otp !== '') this.typed.add(otp);
  }

  text(value: string): string {
    let out = value;
    for (const otp of this.typed) {
      out = out.replace(
        new RegExp(`(?<![0-9A-Za-z])${escapeRegExp(otp)}(?![0-9A-Za-z])`, 'g'),
        redactOtp(otp),
      );
    }
    return out;
  }

  /** A copy of `value` with passcode fields redacted (references such as `${otp:key}` stay). */
  value(value: unknown): unknown {
    if (Array.isArray(value)) return value.map((v) => this.value(v));
    if (typeof value === 'object' && value !== null) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) {
        if (BEARER_FIELDS.has(k) && typeof v === 'string' && !v.startsWith('${')) {
          out[k] = '***';
          continue;
        }
        out[k] =
          SECRET_FIELDS.has(k) && typeof v === 'string' && !v.startsWith('${')
            ? redactOtp(v)
            : this.value(v);
      }
      return out;
    }
    return value;
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
