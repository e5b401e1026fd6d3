import { PassThrough } from 'node:stream';
import { createLogger } from '../../../src/core';

function capture() {
  const stream = new PassThrough();
  const lines: string[] = [];
  stream.on('data', (d: Buffer) => lines.push(...d.toString().split('\n').filter(Boolean)));
  return { stream, lines };
}

describe('createLogger', () => {
  test('a child of a child names its module once: the innermost binding wins', async () => {
    const { stream, lines } = capture();
    const log = createLogger({ level: 'trace', destination: stream });
    log.child({ module: 'devices', device: 'd1' }).child({ module: 'yubikey.session' }).info('x');
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines).toHaveLength(1);
    expect(lines[0]!.match(/"module"/g)).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      module: 'yubikey.session',
      device: 'd1',
      msg: 'x',
    });
  });

  test('levels filter, and an object with a message keeps both', async () => {
    const { stream, lines } = capture();
    const log = createLogger({ level: 'warn', destination: stream }).child({ module: 'm' });
    log.info('dropped');
    log.warn({ code: 'E1' }, 'kept');
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines.map((l) => JSON.parse(l) as Record<string, unknown>)).toEqual([
      expect.objectContaining({ level: 40, module: 'm', code: 'E1', msg: 'kept' }),
    ]);
  });
});
