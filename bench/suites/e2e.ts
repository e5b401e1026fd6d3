import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket, { WebSocketServer } from 'ws';
import { API_PROTOCOL } from '../../src/api';
import { defaultConfig, type ResolvedConfig } from '../../src/config';
import { KEYBOARD_FIRST_KEY_OFFSET, silentLogger, USAGE_ENTER } from '../../src/core';
import { startDaemon } from '../../src/daemon/daemon';
import { parseVirtualSpec, VirtualDriver, VirtualToken } from '../../drivers/virtual';
import { percentile, type BenchFigure, type BenchSuite } from '../harness';

const PRESSES = 300;
const WAIT_MS = 10_000;

const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

/**
 * End-to-end capture: from the virtual token's last key report (Enter, which ends the OTP) to the
 * `otp` event arriving at a real WebSocket client of the daemon, through the driver, the device
 * manager's keyboard decoder, the flows backend and the server.
 */
async function captureLatency(): Promise<number[]> {
  const dir = mkdtempSync(join(tmpdir(), 'tb-bench-e2e-'));
  const base = defaultConfig({});
  const config = {
    ...base,
    server: { ...base.server, port: 0, controlSocket: join(dir, 'control.sock') },
    store: { ...base.store, path: join(dir, 'tokens.sqlite'), keyFile: join(dir, 'seed.key') },
    drivers: { ...base.drivers, enabled: ['virtual'] },
  } as ResolvedConfig;
  const virtual = new VirtualDriver();
  const daemon = await startDaemon({ config, logger: silentLogger(), env: {}, drivers: [virtual] });
  const ws = new WebSocket(daemon.wsUrl, [API_PROTOCOL], { origin: daemon.url.replace(/\/$/, '') });
  try {
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const token = new VirtualToken(parseVirtualSpec('hotp:serial=9100,pacing=0'));
    // Registered before the driver opens the token, so this runs before the daemon sees the report.
    let lastReport = 0;
    token.onInputReport((report) => {
      if (report.subarray(KEYBOARD_FIRST_KEY_OFFSET).includes(USAGE_ENTER)) lastReport = nowMs();
    });
    const attached = nextMessage(ws, (m) => m.type === 'device.attached');
    virtual.attach(token);
    await attached;
    const sample: number[] = [];
    for (let i = 0; i < PRESSES; i++) {
      const otp = nextMessage(ws, (m) => m.type === 'otp');
      await token.press();
      await otp;
      sample.push(nowMs() - lastReport);
    }
    return sample;
  } finally {
    ws.terminate();
    await daemon.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The baseline: the same path with our protocol layers removed. The same virtual token, bus and
 * connection; its Enter report sends a frame of the same shape through a bare `ws` server to a
 * client on the same loopback (no session, keyboard decoder, manager, backend or our server).
 */
async function rawPathLatency(): Promise<number[]> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  await new Promise((resolve) => server.once('listening', resolve));
  const port = (server.address() as AddressInfo).port;
  const connected = new Promise<WebSocket>((resolve) => server.once('connection', resolve));
  const client = new WebSocket(`ws://127.0.0.1:${port}`);
  const peer = await connected;
  await new Promise((resolve) => client.once('open', resolve));
  const bus = new VirtualDriver();
  const token = new VirtualToken(parseVirtualSpec('hotp:serial=9100,pacing=0'));
  void bus.attach(token);
  const connection = await bus.open((await bus.enumerate())[0]!);
  let lastReport = 0;
  connection.on('input', (report) => {
    if (!report.subarray(KEYBOARD_FIRST_KEY_OFFSET).includes(USAGE_ENTER)) return;
    lastReport = nowMs();
    peer.send(
      JSON.stringify({
        type: 'otp',
        deviceId: token.id,
        serial: '9100',
        format: 'oath-hotp',
        otp: '755224',
      }),
    );
  });
  try {
    const sample: number[] = [];
    for (let i = 0; i < PRESSES; i++) {
      const got = nextMessage(client, () => true);
      await token.press();
      await got;
      sample.push(nowMs() - lastReport);
    }
    return sample;
  } finally {
    client.terminate();
    await connection.close();
    await bus.dispose();
    await new Promise((resolve) => server.close(resolve));
  }
}

function nextMessage(
  ws: WebSocket,
  match: (m: Record<string, unknown>) => boolean,
): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      ws.off('message', onMessage);
      reject(new Error('e2e bench: no message in time'));
    }, WAIT_MS);
    const onMessage = (data: WebSocket.RawData) => {
      const message = JSON.parse(String(data)) as Record<string, unknown>;
      if (!match(message)) return;
      clearTimeout(timer);
      ws.off('message', onMessage);
      resolve(message);
    };
    ws.on('message', onMessage);
  });
}

async function run(): Promise<BenchFigure[]> {
  const bare = await rawPathLatency();
  const e2e = await captureLatency();
  return [50, 99].map((p) => ({
    name: `capture: last key report -> otp event at a ws client, p${p} (${PRESSES} presses)`,
    value: percentile(e2e, p),
    unit: 'ms',
    baseline: {
      name: `the same path, protocol layers removed (bare ws), p${p}`,
      value: percentile(bare, p),
    },
  }));
}

export const e2eSuite: BenchSuite = { name: 'e2e', run };
