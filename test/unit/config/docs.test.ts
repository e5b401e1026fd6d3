import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  BINDINGS,
  CONFIG_FILE_ENV,
  defaultConfig,
  leafPaths,
  loadConfig,
} from '../../../src/config';

const DOC = readFileSync(join(__dirname, '..', '..', '..', 'docs', 'configuration.md'), 'utf8');

/** Symbolic directories, so path defaults read `$XDG_STATE_HOME/tokenbridge/...` as in the doc. */
const SYMBOLIC_ENV = { XDG_STATE_HOME: '$XDG_STATE_HOME', XDG_RUNTIME_DIR: '$XDG_RUNTIME_DIR' };

interface Row {
  key: string;
  defaultValue: string;
  kiosk: string;
  env: string;
  flag: string;
}

/** The rows of the "Every setting" table: cells with the backticks taken off, "—" kept. */
function settingRows(): Row[] {
  const section = DOC.slice(DOC.indexOf('## Every setting'), DOC.indexOf('## Rules worth knowing'));
  return section
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .map((line) => {
      const cells = cellsOf(line).map((c) =>
        c.startsWith('`') && c.endsWith('`') ? c.slice(1, -1) : c,
      );
      const [key, defaultValue, kiosk, env, flag] = cells as [
        string,
        string,
        string,
        string,
        string,
      ];
      return { key, defaultValue, kiosk, env, flag };
    });
}

/** A markdown table row's cells, trimmed (prettier pads them to line up). */
function cellsOf(line: string): string[] {
  return line
    .split('|')
    .slice(1, -1)
    .map((c) => c.trim());
}

function get(config: unknown, path: string): unknown {
  return path
    .split('.')
    .reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], config);
}

describe('docs/configuration.md documents every setting exactly as the code has it', () => {
  const rows = settingRows();
  // The node name defaults to the machine's host name: the table shows it as HOSTNAME.
  const defaults = defaultConfig(
    SYMBOLIC_ENV,
    () => false,
    () => 'HOSTNAME',
  );
  const kiosk = loadConfig({
    env: { ...SYMBOLIC_ENV, TOKENBRIDGE_KIOSK: 'true' },
    fileExists: () => false,
  });

  test('the table lists every key once, in schema order', () => {
    expect(rows.map((r) => r.key)).toEqual(leafPaths());
  });

  test.each(leafPaths())('%s: the documented default is the schema default', (key) => {
    const row = rows.find((r) => r.key === key);
    expect(row?.defaultValue).toBe(JSON.stringify(get(defaults, key)));
  });

  test.each(leafPaths())('%s: the kiosk column shows what kiosk mode changes', (key) => {
    const row = rows.find((r) => r.key === key);
    const normal = JSON.stringify(
      get(
        defaultConfig(SYMBOLIC_ENV, () => false),
        key,
      ),
    );
    const inKiosk = JSON.stringify(get(kiosk, key));
    // kiosk.enabled itself is what switches kiosk mode on, not a default it changes.
    const expected = key === 'kiosk.enabled' || inKiosk === normal ? '—' : inKiosk;
    expect(row?.kiosk).toBe(expected);
  });

  test.each(leafPaths())('%s: the environment variable and flag are the bound ones', (key) => {
    const row = rows.find((r) => r.key === key);
    // `--store` takes a path or a connection string: it sets store.path or store.url.
    const binding = BINDINGS.find((b) => b.path === key || b.alsoSets?.includes(key));
    expect(row?.env).toBe(binding?.env ?? '—');
    expect(row?.flag).toBe(binding?.flag ?? '—');
  });

  test('the environment variable list names every variable and its key', () => {
    const section = DOC.slice(DOC.indexOf('## Environment variables'));
    const documented = section
      .split('\n')
      .filter((line) => line.startsWith('| `TOKENBRIDGE_'))
      .map((line) => {
        const [name, sets] = cellsOf(line);
        return [name!.slice(1, -1), /`([^`]+)`/.exec(sets ?? '')?.[1]];
      });
    expect(documented).toEqual([
      [CONFIG_FILE_ENV, '--config'],
      ...BINDINGS.map((b) => [b.env, b.path]),
    ]);
  });
});

describe('docs/api.md states the configured limits with their defaults', () => {
  const API_DOC = readFileSync(join(__dirname, '..', '..', '..', 'docs', 'api.md'), 'utf8');
  const limits = (name: string) => {
    const row = API_DOC.split('\n').find((line) => line.startsWith(`| ${name} `));
    return row === undefined ? undefined : cellsOf(row)[1];
  };
  const { server } = defaultConfig({});

  test('connections and request rate', () => {
    expect(limits('Concurrent connections')).toBe(`${server.maxClients} (\`server.maxClients\`)`);
    expect(limits('Request rate per connection')).toBe(
      `${server.rateLimit.perSecond}/s, burst ${server.rateLimit.burst} (\`server.rateLimit\`)`,
    );
  });
});
