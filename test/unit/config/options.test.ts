import { Command } from 'commander';
import { addConfigOptions } from '../../../src/cli/config-options';
import { BINDINGS, loadConfig } from '../../../src/config';
import { BASE_ENV, TempFiles } from './config-fixtures';

const files = new TempFiles();
afterAll(() => files.cleanup());

/** Parses `args` the way `serve` will: a command with addConfigOptions, then loadConfig. */
function parse(args: string[]): Record<string, unknown> {
  const command = addConfigOptions(new Command('serve').exitOverride());
  command.parse(args, { from: 'user' });
  return command.opts();
}

describe('addConfigOptions: the serve flags feed loadConfig', () => {
  test('every binding has its flag, and --config is there too', () => {
    const command = addConfigOptions(new Command('serve'));
    const flags = command.options.map((o) => o.long);
    expect(flags).toContain('--config');
    for (const binding of BINDINGS) expect(flags).toContain(binding.flag);
    expect(flags).toEqual(expect.arrayContaining(['--no-exclusive', '--no-kiosk', '--no-pairing']));
  });

  test('flags not given leave every key to the file, the environment or the defaults', () => {
    const opts = parse([]);
    expect(opts).toEqual({});
    const file = files.write({ drivers: { exclusive: true } });
    expect(loadConfig({ env: BASE_ENV, flags: { ...opts, config: file } }).drivers.exclusive).toBe(
      true,
    );
  });

  test('repeated, boolean and text flags resolve to typed settings', () => {
    const opts = parse([
      '--port',
      '9000',
      '--allow-origin',
      'https://a.example',
      '--allow-origin',
      'https://b.example',
      '--virtual',
      'hotp:serial=1,digits=8',
      '--no-exclusive',
      '--kiosk',
      '--log-level',
      'debug',
    ]);
    const config = loadConfig({ env: BASE_ENV, flags: opts });
    expect(config.server.port).toBe(9000);
    expect(config.server.allowOrigins).toEqual(['https://a.example', 'https://b.example']);
    expect(config.drivers.virtual).toEqual(['hotp:serial=1,digits=8']);
    expect(config.kiosk.enabled).toBe(true);
    expect(config.drivers.exclusive).toBe(false); // explicit --no-exclusive beats the kiosk default
    expect(config.log.level).toBe('debug');
  });

  test('--config names the file', () => {
    const file = files.write({ server: { port: 7777 } });
    expect(loadConfig({ env: BASE_ENV, flags: parse(['--config', file]) }).server.port).toBe(7777);
  });

  test('a bad flag value is reported by the loader, naming the flag', () => {
    expect(() => loadConfig({ env: BASE_ENV, flags: parse(['--port', 'x']) })).toThrow(
      '--port: expected an integer 0..65535, got "x"',
    );
  });
});
