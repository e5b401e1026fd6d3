import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../../src/config';
import { BASE_ENV } from './config-fixtures';

const EXAMPLES = join(__dirname, '..', '..', '..', 'examples');
const files = readdirSync(EXAMPLES).filter((f) => f.endsWith('.json'));

describe('the example configurations', () => {
  test('there are a desktop and a kiosk example', () => {
    expect(files).toEqual(expect.arrayContaining(['desktop.json', 'kiosk.json']));
  });

  test.each(files)('%s validates', (name) => {
    expect(() => loadConfig({ file: join(EXAMPLES, name), env: BASE_ENV })).not.toThrow();
  });

  test('the kiosk example is in kiosk mode: exclusive capture, sign-on only', () => {
    const config = loadConfig({ file: join(EXAMPLES, 'kiosk.json'), env: BASE_ENV });
    expect(config.kiosk).toMatchObject({ enabled: true, pairing: false });
    expect(config.drivers.exclusive).toBe(true);
    expect(config.drivers.enabled).toContain('usb'); // exclusive capture needs the usb driver
  });

  test('the fleet kiosk example names the database with TLS checked and no password', () => {
    const config = loadConfig({ file: join(EXAMPLES, 'fleet-kiosk.json'), env: BASE_ENV });
    expect(config.store.url).toMatch(
      /^postgres:\/\/tokenbridge@[^:]+\/tokenbridge\?sslmode=verify-full&/,
    );
    expect(config.kiosk.enabled).toBe(true);
  });

  test('the desktop example shares the token with other applications', () => {
    const config = loadConfig({ file: join(EXAMPLES, 'desktop.json'), env: BASE_ENV });
    expect(config.kiosk.enabled).toBe(false);
    expect(config.drivers.exclusive).toBe(false);
    expect(config.server.host).toBe('127.0.0.1');
  });
});
