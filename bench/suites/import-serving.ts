import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { API_PROTOCOL } from '../../src/api';
import { defaultConfig, withOverrides } from '../../src/config';
import { silentLogger } from '../../src/core';
import { startDaemon } from '../../src/daemon/daemon';
import { VirtualDriver } from '../../drivers/virtual';
import { percentile, type BenchFigure, type BenchSuite } from '../harness';

const TOKENS = 100_000;
const BASELINE_MS = 1500;
const SEED_HEX = '3132333435363738393031323334353637383930';
/** The CLI as built beside this file (dist/bench/suites -> dist/src/cli). */
const CLI = join(__dirname, '..', '..', 'src', 'cli', 'main.js');
const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

/**
 * A running daemon's `ping` round trip while `tokens import` writes 100,000 tokens into its SQLite
 * registry from another process, beside the same pings with no import in the same run. The import
 * stages in a scratch file and publishes in one transaction; the daemon waits for that lock on
 * timers, so its event loop keeps answering.
 */
async function run(): Promise<BenchFigure[]> {
  const dir = mkdtempSync(join(tmpdir(), 'tokenbridge-bench-import-serving-'));
  const config = withOverrides(defaultConfig({}), {
    server: { port: 0, rateLimit: { perSecond: 10_000, burst: 10_000 } },
    drivers: { enabled: ['virtual'], emulatorSocket: join(dir, 'emu.sock') },
    store: { path: join(dir, 'tokens.sqlite'), keyFile: join(dir, 'seed.key') },
  });
  const daemon = await startDaemon({
    config,
    logger: silentLogger(),
    env: {},
    drivers: [new VirtualDriver()],
  });
  const ws = new WebSocket(daemon.wsUrl, [API_PROTOCOL], { origin: daemon.url.replace(/\/$/, '') });
  try {
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    let id = 0;
    const ping = () =>
      new Promise<number>((resolve) => {
        const mine = ++id;
        const t0 = nowMs();
        const onMessage = (data: WebSocket.RawData) => {
          const message = JSON.parse(data.toString()) as { id?: number };
          if (message.id !== mine) return;
          ws.off('message', onMessage);
          resolve(nowMs() - t0);
        };
        ws.on('message', onMessage);
        ws.send(JSON.stringify({ id: mine, type: 'ping' }));
      });
    const idle: number[] = [];
    const idleEnd = nowMs() + BASELINE_MS;
    while (nowMs() < idleEnd) idle.push(await ping());

    const file = join(dir, 'seeds.csv');
    const lines: string[] = [];
    for (let i = 0; i < TOKENS; i++) lines.push(`B${String(i).padStart(7, '0')},${SEED_HEX}`);
    writeFileSync(file, lines.join('\n') + '\n');
    const child = spawn(
      process.execPath,
      [
        CLI,
        'tokens',
        'import',
        file,
        '--store',
        config.store.path,
        '--key-file',
        config.store.keyFile,
      ],
      { stdio: 'ignore' },
    );
    let running = true;
    const exited = new Promise<number | null>((resolve) =>
      child.on('exit', (code) => {
        running = false;
        resolve(code);
      }),
    );
    const during: number[] = [];
    const start = nowMs();
    while (running) during.push(await ping());
    const importMs = nowMs() - start;
    if ((await exited) !== 0) throw new Error('bench: the import failed');
    const note = `${during.length} pings over the ${Math.round(importMs)} ms import`;
    return [50, 99, 100].map((p) => ({
      name: `daemon ping ${p === 100 ? 'max' : `p${p}`} during a ${TOKENS.toLocaleString('en-US')}-token import from another process`,
      value: percentile(during, p),
      unit: 'ms',
      baseline: {
        name: `ping ${p === 100 ? 'max' : `p${p}`}, no import`,
        value: percentile(idle, p),
      },
      ...(p === 99 ? { note } : {}),
    }));
  } finally {
    ws.terminate();
    await daemon.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export const importServingSuite: BenchSuite = { name: 'import-serving', run };
