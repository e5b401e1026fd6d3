/** pino's numeric levels. */
const LEVEL_NAMES: Record<number, string> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};
const INFO = 30;
const WARN = 40;
/** Bindings every line carries, which a person reading the terminal does not need. */
const HIDDEN = new Set(['level', 'time', 'msg', 'name', 'pid', 'hostname', 'module']);

/**
 * The daemon's JSON log lines (pino) as a person reads them on a terminal: `12:00:03 otp
 * device=ab5b... format=oath-hotp otp=******`, warnings and errors marked. The lines stay what the
 * logger wrote (OTPs redacted, no seeds); only the layout changes. Until `open()`, lines below
 * warn are held back and dropped: the start-up summary says what they would have said, and the
 * page URL comes first.
 */
export class HumanLogStream {
  private opened = false;
  private partial = '';

  constructor(
    private readonly out: NodeJS.WritableStream,
    private readonly zone: (time: number) => string = localClock,
  ) {}

  /** From now on every line at the logger's level is shown. */
  open(): void {
    this.opened = true;
  }

  write(chunk: string | Uint8Array): boolean {
    const lines = (this.partial + chunk.toString()).split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) {
      const text = this.format(line);
      if (text !== undefined) this.out.write(text + '\n');
    }
    return true;
  }

  /** One line as shown, or undefined when it is held back. */
  format(line: string): string | undefined {
    if (line.trim() === '') return undefined;
    let record: Record<string, unknown>;
    try {
      record = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return line; // not ours to reformat
    }
    const level = typeof record.level === 'number' ? record.level : INFO;
    if (!this.opened && level < WARN) return undefined;
    const time = typeof record.time === 'number' ? this.zone(record.time) : '';
    const mark = level === INFO ? '' : `${(LEVEL_NAMES[level] ?? String(level)).toUpperCase()} `;
    const fields = Object.entries(record)
      .filter(([key]) => !HIDDEN.has(key))
      .map(([key, value]) => `${key}=${fieldText(value)}`);
    return [`${time} ${mark}${String(record.msg ?? '')}`, ...fields].join(' ');
  }
}

function fieldText(value: unknown): string {
  if (typeof value === 'string') return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  return JSON.stringify(value);
}

function localClock(time: number): string {
  const d = new Date(time);
  return [d.getHours(), d.getMinutes(), d.getSeconds()]
    .map((n) => String(n).padStart(2, '0'))
    .join(':');
}

/**
 * Whether `serve` talks to a person: its output is a terminal and not systemd's (a unit's output
 * goes to journald, which wants the JSON lines; systemd marks its services with these variables).
 */
export function humanTerminal(out: { isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  return out.isTTY === true && !env.JOURNAL_STREAM && !env.INVOCATION_ID;
}
