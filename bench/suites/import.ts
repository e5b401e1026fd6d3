import { createReadStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { importFile, type ImportTarget } from '../../src/tokens/import';
import type { ImportSession } from '../../src/tokens/types';
import type { BenchFigure, BenchSuite } from '../harness';

const TOKENS = 100_000;

/** PingID lines `serial,20-byte hex seed`, as a vendor ships them. */
function seedFile(dir: string): string {
  const lines: string[] = [];
  for (let i = 0; i < TOKENS; i++) {
    const seed = Buffer.alloc(20, 0xa5);
    seed.writeUInt32BE(i, 16);
    lines.push(`${1_000_000 + i},${seed.toString('hex')}`);
  }
  const file = join(dir, 'seeds.txt');
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

interface Measured {
  ms: number;
  peakRssDeltaMiB: number;
  peakHeapDeltaMiB: number;
}

/** Time and peak memory over a run; memory is sampled every `sampleEvery` records. */
async function measure(body: (sample: () => void) => Promise<void>): Promise<Measured> {
  global.gc?.();
  const base = process.memoryUsage();
  let peakRss = base.rss;
  let peakHeap = base.heapUsed;
  const sample = () => {
    const m = process.memoryUsage();
    if (m.rss > peakRss) peakRss = m.rss;
    if (m.heapUsed > peakHeap) peakHeap = m.heapUsed;
  };
  const start = process.hrtime.bigint();
  await body(sample);
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  sample();
  const MiB = 1024 * 1024;
  return {
    ms,
    peakRssDeltaMiB: (peakRss - base.rss) / MiB,
    peakHeapDeltaMiB: (peakHeap - base.heapUsed) / MiB,
  };
}

/** The baseline: read the same file line by line and split each line, nothing more. */
async function readAndSplit(file: string, sample: () => void): Promise<void> {
  let n = 0;
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  for await (const line of lines) {
    if (line.split(',').length > 1 && ++n % 1000 === 0) sample();
  }
}

/** A session that keeps nothing: the parsers' own cost. */
const discard: ImportTarget = {
  async beginImport(): Promise<ImportSession> {
    let added = 0;
    return {
      add: async () => void added++,
      commit: async () => ({ added, replaced: 0, dryRun: true }),
      rollback: async () => undefined,
    };
  },
};

async function run(): Promise<BenchFigure[]> {
  const dir = mkdtempSync(join(tmpdir(), 'tb-bench-import-'));
  try {
    const file = seedFile(dir);
    const baseline = await measure((sample) => readAndSplit(file, sample));
    const parse = await measure(async (sample) => {
      let n = 0;
      const r = await importFile(discard, file, {
        replace: false,
        dryRun: true,
        onProgress: () => void (++n % 1000 === 0 && sample()),
      });
      if (r.tokens !== TOKENS) throw new Error(`parsed ${r.tokens} tokens`);
    });
    const base = { name: 'read+split lines', value: baseline.ms };
    return [
      {
        name: `parse ${TOKENS} csv tokens (no store)`,
        value: parse.ms,
        unit: 'ms',
        baseline: base,
      },
      {
        name: 'parse: peak RSS delta',
        value: parse.peakRssDeltaMiB,
        unit: 'MiB',
        baseline: { name: 'read+split', value: baseline.peakRssDeltaMiB },
      },
      {
        name: 'parse: peak heap delta',
        value: parse.peakHeapDeltaMiB,
        unit: 'MiB',
        baseline: { name: 'read+split', value: baseline.peakHeapDeltaMiB },
      },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const importSuite: BenchSuite = { name: 'import', run };
