import { isIP } from 'node:net';
import { z } from 'zod';
import { parseConnectionString } from '../core/connection-string';
import { describeValue } from './describe';
import { checkOrigin } from './origin';

/**
 * Field schemas whose every failure reads "expected <what>, got <value>", so an error names the
 * field (the path, added by the caller) and says what was expected.
 */
function expecting(what: string): { error: (issue: { input?: unknown }) => string } {
  return { error: (issue) => `expected ${what}, got ${describeValue(issue.input)}` };
}

export function intField(min: number, max: number) {
  const e = expecting(`an integer ${min}..${max}`);
  return z.number(e).int(e).min(min, e).max(max, e);
}

export function numberField(min: number, max: number) {
  const e = expecting(`a number ${min}..${max}`);
  return z.number(e).min(min, e).max(max, e);
}

/** One of a few numbers (6 or 8 digits). */
export function enumNumberField(values: readonly number[]) {
  const e = expecting(`one of ${values.join(', ')}`);
  return z.number(e).refine((n) => values.includes(n), e);
}

export function boolField() {
  return z.boolean(expecting('true or false'));
}

export function enumField<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, expecting(`one of ${values.join(', ')}`));
}

export function pathField() {
  const e = expecting('a non-empty file path');
  return z
    .string(e)
    .min(1, e)
    .refine((s) => !s.includes('\0'), e);
}

export function listField<T extends z.ZodType>(item: T, max: number) {
  const e = expecting(`a list of at most ${max} entries`);
  return z.array(item, e).max(max, e);
}

const HOSTNAME =
  /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i;

/** A listen address: an IPv4 or IPv6 address, or a host name. */
export function hostField() {
  const e = expecting('an IP address or host name');
  return z.string(e).refine((s) => isIP(s) !== 0 || HOSTNAME.test(s), e);
}

export function originField() {
  return z.string(expecting('an origin string')).superRefine((value, ctx) => {
    const check = checkOrigin(value);
    if (!check.ok)
      ctx.addIssue({ code: 'custom', message: `${check.reason}, got ${describeValue(value)}` });
  });
}

/** `vvvv:pppp`, the lsusb notation for a USB vendor and product id. */
export function usbIdField() {
  const e = expecting('a USB id "vvvv:pppp" in hex');
  return z
    .string(e)
    .regex(/^[0-9a-f]{4}:[0-9a-f]{4}$/i, e)
    .transform((s) => s.toLowerCase());
}

/** A field checked by a parser that throws (the virtual token spec parser, for one). */
export function parsedStringField(what: string, parse: (text: string) => unknown) {
  return z.string(expecting(what)).superRefine((value, ctx) => {
    try {
      parse(value);
    } catch (err) {
      // The parser's own message already names what it expected and what it got.
      ctx.addIssue({ code: 'custom', message: err instanceof Error ? err.message : String(err) });
    }
  });
}

/** A file path, or null for none. */
export function optionalPathField() {
  return pathField().nullable();
}

/** A PostgreSQL connection string (URI or key=value, no password), or null for the SQLite file. */
export function connectionField() {
  return z
    .string(expecting('a postgres:// URI or a libpq connection string'))
    .superRefine((value, ctx) => {
      const parsed = parseConnectionString(value);
      if (!parsed.ok) ctx.addIssue({ code: 'custom', message: parsed.reason });
    })
    .nullable();
}

const NODE_NAME = /^[A-Za-z0-9._:-]{1,64}$/;

/** The name a daemon writes into every audit row: a host name's characters, 1..64 of them. */
export function nodeNameField() {
  const e = expecting('1..64 characters A-Z a-z 0-9 . _ : -');
  return z.string(e).regex(NODE_NAME, e);
}
