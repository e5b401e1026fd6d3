import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { ratio, type BenchFigure } from './harness';
import { SUITES } from './suites';

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const suites = only.length ? SUITES.filter((s) => only.includes(s.name)) : SUITES;
  const results: Array<{ suite: string; figures: BenchFigure[] }> = [];
  for (const suite of suites) {
    process.stderr.write(`bench: ${suite.name}...\n`);
    results.push({ suite: suite.name, figures: await suite.run() });
  }
  const machine = {
    node: process.version,
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
  };
  printTable(results);
  console.log(
    `\nmachine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}`,
  );
  const dir = join(__dirname, '..', '..', 'bench');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'results.json'),
    JSON.stringify({ date: new Date().toISOString(), machine, results }, null, 2) + '\n',
  );
}

function printTable(results: Array<{ suite: string; figures: BenchFigure[] }>): void {
  const rows = [['suite', 'figure', 'value', 'baseline', 'ratio']];
  for (const { suite, figures } of results) {
    for (const f of figures) {
      const r = ratio(f);
      rows.push([
        suite,
        f.name + (f.note ? ` (${f.note})` : ''),
        `${fmt(f.value)} ${f.unit}`,
        f.baseline ? `${fmt(f.baseline.value)} ${f.unit} ${f.baseline.name}` : '-',
        r === undefined ? '-' : `${r.toFixed(2)}x`,
      ]);
    }
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const r of rows)
    console.log(
      r
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    );
}

function fmt(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  return Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 1 ? n.toFixed(2) : n.toPrecision(3);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
