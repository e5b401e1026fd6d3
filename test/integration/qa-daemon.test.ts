import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultConfig, type ResolvedConfig } from '../../src/config';
import { silentLogger } from '../../src/core';
import { startDaemon, type Daemon } from '../../src/daemon/daemon';
import { runTokenbridge } from '../helpers/cli';

const SCENARIOS = join(__dirname, '..', '..', 'qa', 'scenarios');

let dir: string;
let daemon: Daemon;
let config: ResolvedConfig;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tb-qa-daemon-'));
  const base = defaultConfig({});
  config = {
    ...base,
    server: { ...base.server, port: 0, controlSocket: join(dir, 'run', 'control.sock') },
    // No drivers injected: the daemon builds the virtual driver itself and serves the emulator bus.
    drivers: {
      ...base.drivers,
      enabled: ['virtual'],
      emulatorSocket: join(dir, 'run', 'emulator.sock'),
    },
    store: {
      ...base.store,
      path: join(dir, 'tokens.sqlite'),
      keyFile: join(dir, 'keys', 'seed.key'),
    },
  };
  daemon = await startDaemon({ config, logger: silentLogger(), env: {} });
});

afterAll(async () => {
  await daemon.close();
  rmSync(dir, { recursive: true, force: true });
});

function flags(): string[] {
  return [
    '--daemon',
    daemon.wsUrl,
    '--socket',
    config.drivers.emulatorSocket,
    '--store',
    config.store.path,
    '--key-file',
    config.store.keyFile,
  ];
}

describe('tokenbridge qa run --daemon: a daemon that is already running', () => {
  test('tokens attach over the emulator bus: pairing, sign-on and faults pass, and again on a rerun', async () => {
    const files = ['hotp-pairing.yaml', 'sign-on.yaml', 'fault-crc.yaml', 'fault-garbage.yaml'].map(
      (f) => join(SCENARIOS, f),
    );
    for (const run of [1, 2]) {
      const result = await runTokenbridge(['qa', 'run', ...flags(), ...files]);
      expect({
        run,
        stderr: result.stderr,
        failed: result.stdout.match(/.*(FAIL|ERROR).*\n.*/g),
      }).toEqual({
        run,
        stderr: '',
        failed: null,
      });
      expect(result.stdout).toContain(`(daemon at ${daemon.wsUrl})`);
      expect(result.code).toBe(0);
    }
    // Every emulator went away after its scenario.
    expect(daemon.virtual?.devices()).toEqual([]);
  }, 20_000);

  test('set-clock fails its step against a running daemon, naming why', async () => {
    const path = join(dir, 'clock.yaml');
    writeFileSync(
      path,
      'name: clock\nsteps:\n  - set-clock: { advance: 1000 }\n  - send: { type: ping }\n',
    );
    const result = await runTokenbridge(['qa', 'run', ...flags(), path]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('set-clock moves only the clock of an in-process daemon');
    expect(result.stdout).toContain('skip  2 send ping');
  });

  test("without registry flags the configuration says where the daemon's registry is", async () => {
    const scenario = join(SCENARIOS, 'hotp-pairing.yaml');
    // The file every command reads, as the running daemon's install would have it.
    const file = join(dir, 'config.json');
    writeFileSync(
      file,
      JSON.stringify({
        drivers: { emulatorSocket: config.drivers.emulatorSocket },
        store: { path: config.store.path, keyFile: config.store.keyFile },
      }),
    );
    const byFile = await runTokenbridge(['qa', 'run', '--daemon', daemon.wsUrl, scenario], {
      env: { TOKENBRIDGE_CONFIG: file },
    });
    expect(byFile.stdout).toMatch(/1 passed/);
    expect(byFile.code).toBe(0);
    const byEnv = await runTokenbridge(['qa', 'run', '--daemon', daemon.wsUrl, scenario], {
      env: {
        TOKENBRIDGE_STORE: config.store.path,
        TOKENBRIDGE_KEY_FILE: config.store.keyFile,
        TOKENBRIDGE_EMULATOR_SOCKET: config.drivers.emulatorSocket,
      },
    });
    expect(byEnv.stdout).toMatch(/1 passed/);
    expect(byEnv.code).toBe(0);
  });

  test('a client from an origin the daemon does not allow is refused, and the scenario could not run', async () => {
    const path = join(dir, 'origin.yaml');
    writeFileSync(path, 'name: origin\nsteps: [{ send: { type: ping } }]\n');
    const result = await runTokenbridge([
      'qa',
      'run',
      ...flags(),
      '--origin',
      'http://evil.example',
      path,
    ]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(
      /ERROR {2}origin: client qa-runner: the daemon refused the connection \(HTTP 403\)/,
    );
  });

  test('no daemon listening: each scenario could not run', async () => {
    const path = join(dir, 'none.yaml');
    writeFileSync(path, 'name: nobody\nsteps: [{ wait: 1 }]\n');
    const result = await runTokenbridge(['qa', 'run', '--daemon', 'ws://127.0.0.1:9/ws', path]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(
      /ERROR {2}nobody: client qa-runner: cannot connect to ws:\/\/127\.0\.0\.1:9\/ws/,
    );
  });
});
