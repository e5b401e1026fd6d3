/**
 * A strict JSON syntax check that says where a file goes wrong (line and column), which
 * `JSON.parse` does not do reliably across Node versions, and finds duplicate keys, which
 * `JSON.parse` silently resolves to the last one (a classic way for a setting to be ignored).
 */
export interface JsonLocation {
  readonly line: number;
  readonly column: number;
}

export interface DuplicateKey extends JsonLocation {
  readonly path: readonly string[];
}

export type JsonCheck =
  | { ok: true; duplicates: readonly DuplicateKey[] }
  | ({ ok: false; reason: string } & JsonLocation);

/** Config files are small and flat; this also keeps the recursion far from the stack limit. */
const MAX_DEPTH = 64;

class SyntaxFault {
  constructor(
    readonly offset: number,
    readonly reason: string,
  ) {}
}

export function locate(text: string, offset: number): JsonLocation {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 0x0a) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

export function checkJson(text: string): JsonCheck {
  const duplicates: DuplicateKey[] = [];
  let i = 0;

  const fail = (reason: string): never => {
    throw new SyntaxFault(i, reason);
  };
  const skipSpace = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const describeHere = () => (i >= text.length ? 'the end of the file' : JSON.stringify(text[i]));

  const parseString = (): string => {
    const start = i;
    i++; // opening quote
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return JSON.parse(text.slice(start, i)) as string;
      }
      if (c < 0x20) fail('control character inside a string (newlines must be written \\n)');
      if (c === 0x5c) {
        const next = text[i + 1];
        if (next === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) fail('bad \\u escape');
          i += 6;
          continue;
        }
        if (next === undefined || !'"\\/bfnrt'.includes(next)) fail('bad escape in a string');
        i += 2;
        continue;
      }
      i++;
    }
    i = start;
    return fail('string is never closed');
  };

  const parseNumber = () => {
    const m = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
    m.lastIndex = i;
    if (!m.exec(text)) fail(`expected a value, found ${describeHere()}`);
    i = m.lastIndex;
  };

  const parseValue = (path: string[], depth: number): void => {
    skipSpace();
    if (depth > MAX_DEPTH) fail('nested too deeply');
    const c = text[i];
    if (c === '{') return parseObject(path, depth);
    if (c === '[') return parseArray(path, depth);
    if (c === '"') {
      parseString();
      return;
    }
    for (const word of ['true', 'false', 'null']) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return;
      }
    }
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return parseNumber();
    fail(`expected a value, found ${describeHere()}`);
  };

  const parseObject = (path: string[], depth: number) => {
    i++;
    const seen = new Set<string>();
    skipSpace();
    if (text[i] === '}') {
      i++;
      return;
    }
    for (;;) {
      skipSpace();
      if (text[i] !== '"') fail(`expected a key in double quotes, found ${describeHere()}`);
      const keyStart = i;
      const key = parseString();
      if (seen.has(key)) duplicates.push({ path: [...path, key], ...locate(text, keyStart) });
      seen.add(key);
      skipSpace();
      if (text[i] !== ':') fail(`expected ':' after the key, found ${describeHere()}`);
      i++;
      parseValue([...path, key], depth + 1);
      skipSpace();
      if (text[i] === ',') {
        i++;
        skipSpace();
        if (text[i] === '}') fail('trailing comma before }');
        continue;
      }
      if (text[i] === '}') {
        i++;
        return;
      }
      fail(`expected ',' or '}', found ${describeHere()}`);
    }
  };

  const parseArray = (path: string[], depth: number) => {
    i++;
    skipSpace();
    if (text[i] === ']') {
      i++;
      return;
    }
    for (let index = 0; ; index++) {
      parseValue([...path, String(index)], depth + 1);
      skipSpace();
      if (text[i] === ',') {
        i++;
        skipSpace();
        if (text[i] === ']') fail('trailing comma before ]');
        continue;
      }
      if (text[i] === ']') {
        i++;
        return;
      }
      fail(`expected ',' or ']', found ${describeHere()}`);
    }
  };

  try {
    parseValue([], 0);
    skipSpace();
    if (i < text.length) fail(`unexpected ${describeHere()} after the end of the JSON value`);
    return { ok: true, duplicates };
  } catch (err) {
    if (!(err instanceof SyntaxFault)) throw err;
    return { ok: false, reason: err.reason, ...locate(text, err.offset) };
  }
}
