/**
 * PostgreSQL connection strings, in both forms libpq takes: a URI (`postgres://user@host:5432/db?
 * sslmode=verify-full`) and key=value pairs (`host=db.lan dbname=tokens sslmode=require`). Pure:
 * it reads no file and no environment. A password is refused in either form, because a connection
 * string travels through argv, logs and `config check --json`; it belongs in a password file.
 */

export const SSL_MODES = [
  'disable',
  'allow',
  'prefer',
  'require',
  'verify-ca',
  'verify-full',
] as const;
export type SslMode = (typeof SSL_MODES)[number];

/** libpq's default when a connection string names no sslmode. */
export const DEFAULT_SSL_MODE: SslMode = 'prefer';

export interface PgConnectionTarget {
  /** A host name, an address, or a Unix socket folder (starts with `/`); undefined: pg's default. */
  readonly host?: string;
  readonly port?: number;
  readonly database?: string;
  readonly user?: string;
  readonly sslmode: SslMode;
  readonly sslrootcert?: string;
  readonly sslcert?: string;
  readonly sslkey?: string;
  readonly applicationName?: string;
}

export type ParsedConnection =
  | { readonly ok: true; readonly target: PgConnectionTarget }
  | { readonly ok: false; readonly reason: string };

const URI_SCHEMES = ['postgres:', 'postgresql:'];
/** The keys this parser understands, libpq's spelling (dbname) and the URI query's alike. */
const KEYS = [
  'host',
  'port',
  'dbname',
  'user',
  'sslmode',
  'sslrootcert',
  'sslcert',
  'sslkey',
  'application_name',
] as const;
const PASSWORD_KEYS = ['password', 'passfile'];
const MAX_PORT = 65535;

/** True when `text` is meant as a PostgreSQL connection rather than a file path. */
export function isConnectionString(text: string): boolean {
  const t = text.trim();
  return /^postgres(ql)?:\/\//i.test(t) || /^[a-z_]+\s*=/.test(t);
}

export function parseConnectionString(text: string): ParsedConnection {
  const t = text.trim();
  const pairs = /^postgres(ql)?:\/\//i.test(t) ? uriPairs(t) : keywordPairs(t);
  if ('reason' in pairs) return { ok: false, reason: pairs.reason };
  return targetOf(pairs.values);
}

/** The connection without anything secret, for logs and messages: `postgres host:port/db`. */
export function describeConnection(target: PgConnectionTarget): string {
  const host = target.host ?? 'localhost';
  const where = host.startsWith('/') ? `socket ${host}` : `${host}:${target.port ?? 5432}`;
  return `postgres ${where}/${target.database ?? target.user ?? ''} (sslmode ${target.sslmode})`;
}

type Pairs = { values: Map<string, string> } | { reason: string };

function uriPairs(text: string): Pairs {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { reason: 'not a valid postgres:// URI' };
  }
  if (!URI_SCHEMES.includes(url.protocol))
    return { reason: 'expected postgres:// or postgresql://' };
  if (url.password !== '') return { reason: passwordRefusal() };
  const values = new Map<string, string>();
  const decode = (s: string) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return undefined;
    }
  };
  const parts: Array<[string, string]> = [
    ['user', url.username],
    ['host', url.hostname.replace(/^\[(.*)\]$/, '$1')],
    ['port', url.port],
    ['dbname', url.pathname.replace(/^\//, '')],
  ];
  for (const [key, raw] of parts) {
    if (raw === '') continue;
    const value = decode(raw);
    if (value === undefined) return { reason: `${key}: bad percent-encoding` };
    values.set(key, value);
  }
  for (const [key, value] of url.searchParams) values.set(key, value);
  return { values };
}

/** `key=value` pairs separated by spaces; values may be single-quoted with `\'` and `\\`. */
function keywordPairs(text: string): Pairs {
  const values = new Map<string, string>();
  let i = 0;
  while (i < text.length) {
    while (text[i] === ' ' || text[i] === '\t') i++;
    if (i >= text.length) break;
    const eq = text.indexOf('=', i);
    if (eq < 0) return { reason: `expected key=value at "${text.slice(i, i + 20)}"` };
    const key = text.slice(i, eq).trim();
    i = eq + 1;
    while (text[i] === ' ') i++;
    let value = '';
    if (text[i] === "'") {
      i++;
      for (;;) {
        if (i >= text.length) return { reason: `${key}: unterminated quoted value` };
        const ch = text[i]!;
        if (ch === '\\' && i + 1 < text.length) {
          value += text[i + 1];
          i += 2;
        } else if (ch === "'") {
          i++;
          break;
        } else {
          value += ch;
          i++;
        }
      }
    } else {
      while (i < text.length && text[i] !== ' ' && text[i] !== '\t') value += text[i++];
    }
    values.set(key, value);
  }
  return { values };
}

function targetOf(values: Map<string, string>): ParsedConnection {
  for (const key of values.keys()) {
    if (PASSWORD_KEYS.includes(key)) return { ok: false, reason: passwordRefusal() };
    if (!(KEYS as readonly string[]).includes(key)) {
      return { ok: false, reason: `unknown parameter "${key}" (known: ${KEYS.join(', ')})` };
    }
  }
  const get = (key: (typeof KEYS)[number]) => {
    const v = values.get(key);
    return v === undefined || v === '' ? undefined : v;
  };
  const portText = get('port');
  const port = portText === undefined ? undefined : Number(portText);
  if (port !== undefined && !(Number.isInteger(port) && port >= 1 && port <= MAX_PORT)) {
    return { ok: false, reason: `port: expected 1..${MAX_PORT}, got "${portText}"` };
  }
  const mode = get('sslmode') ?? DEFAULT_SSL_MODE;
  if (!(SSL_MODES as readonly string[]).includes(mode)) {
    return { ok: false, reason: `sslmode: expected one of ${SSL_MODES.join(', ')}, got "${mode}"` };
  }
  const optional = (key: (typeof KEYS)[number], name: keyof PgConnectionTarget) => {
    const v = get(key);
    return v === undefined ? {} : { [name]: v };
  };
  return {
    ok: true,
    target: {
      ...optional('host', 'host'),
      ...(port !== undefined ? { port } : {}),
      ...optional('dbname', 'database'),
      ...optional('user', 'user'),
      sslmode: mode as SslMode,
      ...optional('sslrootcert', 'sslrootcert'),
      ...optional('sslcert', 'sslcert'),
      ...optional('sslkey', 'sslkey'),
      ...optional('application_name', 'applicationName'),
    } as PgConnectionTarget,
  };
}

function passwordRefusal(): string {
  return 'a password does not belong in the connection string (argv, logs and `config check --json` show it): put it in the file store.passwordFile names';
}
