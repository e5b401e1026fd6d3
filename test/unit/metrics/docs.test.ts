import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DaemonMetrics } from '../../../src/daemon/metrics';

const DOC = readFileSync(join(__dirname, '../../../docs/operations.md'), 'utf8');

/** `# TYPE name kind` lines: every series the registry declares, observed or not. */
function declared(text: string): string[] {
  return [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => `${m[1]} ${m[2]}`);
}

describe('docs/operations.md', () => {
  test('lists every tokenbridge metric with its type, and no metric that does not exist', async () => {
    const types = declared(await new DaemonMetrics({ version: '1.0.0' }).render());
    expect(types.length).toBeGreaterThan(5);
    for (const entry of types) {
      const [name, kind] = entry.split(' ');
      expect(DOC).toMatch(new RegExp(`\\| \`${name}\`\\s*\\| ${kind} `));
    }
    const documented = [...DOC.matchAll(/^\| `(tokenbridge_[a-z_]+)`/gm)].map((m) => m[1]);
    expect(documented.sort()).toEqual(types.map((t) => t.split(' ')[0]).sort());
  });

  test('process metrics are there when asked for, as the doc says', async () => {
    const text = await new DaemonMetrics({ processMetrics: true }).render();
    expect(text).toMatch(/^process_resident_memory_bytes /m);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds /m);
    expect(DOC).toContain('`process_*` and `nodejs_*`');
  });
});
