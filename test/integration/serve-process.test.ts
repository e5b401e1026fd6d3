import { spawn, type ChildProcess } from 'node:child_process';
import { httpGet } from '../helpers/http';
import { join } from 'node:path';
import { runTokenbridge } from '../helpers/cli';
import { ApiClient } from '../helpers/api-client';
import { OutputWatch } from '../helpers/output-watch';
import { openStore, tempDir } from '../unit/tokens/registry-fixtures';

const ROOT = join(__dirname, '..', '..');
const READY = /tokenbridge is ready: open (http:\/\/127\.0\.0\.1:\d+\/)/;

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = tempDir()));
afterEach(() => cleanup());

interface Served {
  child: ChildProcess;
  url: string;
  output: () => string;
  exited: Promise<number | null>;
}

/** `tokenbridge serve` in its own process, from the TypeScript sources. */
async function serve(...extra: string[]): Promise<Served> {
  const child = spawn(
    process.execPath,
    [
      '-r',
      join(ROOT, 'test', 'helpers', 'swc-register.cjs'),
      join(ROOT, 'src', 'cli', 'main.ts'),
      'serve',
      '--port',
      '0',
      '--driver',
      'virtual',
      '--store',
      join(dir, 'store.sqlite'),
      '--key-file',
      join(dir, 'keys', 'seed.key'),
      '--emulator-socket',
      join(dir, 'emulator.sock'),
      '--control-socket',
      join(dir, 'control.sock'),
      '--virtual-state-dir',
      join(dir, 'virtual'),
      ...extra,
    ],
    { env: { PATH: process.env.PATH ?? '' }, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  const out = new OutputWatch(child.stdout!, child.stderr!);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  void exited.then((code) => out.end(`serve exited ${code}`));
  const url = (await out.until(READY, 15_000))[1]!;
  return { child, url, output: () => out.text, exited };
}

const fetchText = (url: string) => httpGet(url);

describe('tokenbridge serve', () => {
  test.each(['SIGTERM', 'SIGINT'] as const)(
    'serves a virtual token from --virtual, and %s stops it cleanly',
    async (signal) => {
      const served = await serve('--virtual', 'hotp:serial=4242');
      try {
        expect(served.output()).toMatch(/virtual token attached: hotp, serial 4242/);
        const health = await fetchText(`${served.url}healthz`);
        expect(health.status).toBe(200);
        expect(JSON.parse(health.body)).toMatchObject({
          ok: true,
          devices: 1,
          storeWritable: true,
        });
        const metrics = await fetchText(`${served.url}metrics`);
        expect(metrics.body).toMatch(/^tokenbridge_devices_attached\{driver="virtual"\} 1$/m);

        const client = await ApiClient.open(`${served.url.replace('http', 'ws')}ws`);
        const devices = await client.request('devices.list');
        expect(devices).toMatchObject({
          ok: true,
          devices: [{ serial: '4242', driver: 'virtual' }],
        });
        await client.close();
      } finally {
        served.child.kill(signal);
      }
      expect(await served.exited).toBe(0);
      expect(served.output()).toMatch(/"msg":"stopped"/);

      // The token was put in the registry so that the page can pair it, and the store closed cleanly.
      const store = openStore(dir);
      try {
        expect(await store.get('4242')).toMatchObject({ serial: '4242', kind: 'hotp', counter: 0 });
      } finally {
        store.closeSync();
      }
    },
  );

  test('without a terminal, stdin lines press the virtual token: the page gets the passcode', async () => {
    const served = await serve('--virtual', 'hotp:serial=4343');
    try {
      const client = await ApiClient.open(`${served.url.replace('http', 'ws')}ws`);
      const otp = client.nextEvent('otp');
      served.child.stdin!.write('press\n');
      expect(await otp).toMatchObject({ type: 'otp', serial: '4343', format: 'oath-hotp' });
      served.child.stdin!.write('bounce\n');
      served.child.stdin!.write('quit\n');
      expect(await served.exited).toBe(0);
      expect(served.output()).toMatch(/unknown command "bounce"/);
      await client.close();
    } finally {
      served.child.kill('SIGKILL');
    }
  });

  test('a restart keeps the registry as it is (the virtual token is not imported twice)', async () => {
    for (let run = 0; run < 2; run++) {
      const served = await serve('--virtual', 'yubico:serial=77');
      served.child.kill('SIGTERM');
      expect(await served.exited).toBe(0);
    }
    const store = openStore(dir);
    try {
      expect((await store.list()).map((t) => t.serial)).toEqual(['77']);
    } finally {
      store.closeSync();
    }
  });

  test('a bad setting exits 2 naming the flag, before anything is opened', async () => {
    const r = await runTokenbridge(['serve', '--port', '99999', '--store', join(dir, 's.sqlite')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--port/);
    expect(r.stdout).toBe('');
  });

  test('a bad virtual spec exits 2 naming the key', async () => {
    const r = await runTokenbridge(['serve', '--virtual', 'hotp:digits=7']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/digits/);
  });
});
