import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { percentile, type BenchFigure, type BenchSuite } from '../harness';

/** bin/tokenbridge.js of this checkout (the bench runs from dist/bench/suites). */
const BIN = join(__dirname, '..', '..', '..', 'bin', 'tokenbridge.js');
const RUNS = 7;
const WAIT_MS = 30_000;
const READY = /tokenbridge is ready: open http/;

const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

/**
 * Milliseconds from spawning `node args` to `ready` on its stdout (or to its exit without one);
 * the process is then stopped with SIGTERM and waited for.
 */
function timeTo(args: string[], env: NodeJS.ProcessEnv, ready?: RegExp): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = nowMs();
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    let at: number | undefined;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`startup bench: ${args.join(' ')} was not ready in time`));
    }, WAIT_MS);
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (ready && at === undefined && ready.test(out)) {
        at = nowMs() - started;
        child.kill('SIGTERM');
      }
    });
    child.once('exit', () => {
      clearTimeout(timer);
      if (ready && at === undefined)
        reject(new Error(`startup bench: no ready line from ${args[0]}`));
      else resolve(at ?? nowMs() - started);
    });
  });
}

async function medianOf(run: () => Promise<number>): Promise<number> {
  await run(); // warm the file cache: every figure is a warm start
  const sample: number[] = [];
  for (let i = 0; i < RUNS; i++) sample.push(await run());
  return percentile(sample, 50);
}

async function run(): Promise<BenchFigure[]> {
  const dir = mkdtempSync(join(tmpdir(), 'tb-bench-startup-'));
  const env = { PATH: process.env.PATH ?? '', HOME: dir };
  try {
    const node = await medianOf(() => timeTo(['-e', '0'], env));
    const nodeReady = await medianOf(() =>
      timeTo(['-e', "console.log('tokenbridge is ready: open http://')"], env, READY),
    );
    const help = await medianOf(() => timeTo([BIN, '--help'], env));
    let n = 0;
    const serve = await medianOf(() => {
      const at = join(dir, `run-${n++}`);
      return timeTo(
        [
          BIN,
          'serve',
          '--port',
          '0',
          '--driver',
          'virtual',
          '--virtual',
          'hotp',
          '--store',
          join(at, 'tokens.sqlite'),
          '--key-file',
          join(at, 'seed.key'),
          '--emulator-socket',
          join(at, 'emulator.sock'),
          '--control-socket',
          join(at, 'control.sock'),
        ],
        env,
        READY,
      );
    });
    return [
      {
        name: `tokenbridge --help, process start to exit, median of ${RUNS}`,
        value: help,
        unit: 'ms',
        baseline: { name: 'node -e 0', value: node },
      },
      {
        name: `daemon start (serve --virtual hotp, a fresh registry), process start to the page URL, median of ${RUNS}`,
        value: serve,
        unit: 'ms',
        baseline: { name: 'node printing the same line', value: nodeReady },
      },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const startupSuite: BenchSuite = { name: 'startup', run };
