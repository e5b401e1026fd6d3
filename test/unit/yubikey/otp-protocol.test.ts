import { DeviceError, ErrorCode, TokenBridgeError, type Logger } from '../../../src/core';
import { OtpProtocol, type OtpProtocolTimings } from '../../../src/yubikey';
import {
  bytes,
  protocolClock,
  ScriptedConnection,
  type ScriptStep,
} from '../../helpers/scripted-connection';
import {
  HMAC_RESPONSE,
  RESET_REPORT,
  SERIAL_READ_EXCHANGE,
  STATUS_IDLE,
} from '../../vectors/frames';

const CHUNK0 = '00 00 00 00 00 00 00 80';
const CHUNK9_SERIAL = '00 10 6b 5b 00 00 00 89';
const DONE = '00 00 00 00 00 00 00 40';
const SERIAL_RESPONSE = SERIAL_READ_EXCHANGE.device.response[0]!;

/** The device side of sending the serial command: status reads with the write flag clear. */
const SERIAL_WRITE: ScriptStep[] = [{ get: STATUS_IDLE }, { get: STATUS_IDLE }];

function setup(steps: ScriptStep[], timings: Partial<OtpProtocolTimings> = {}) {
  const connection = new ScriptedConnection(steps);
  const { clock, run, pauses } = protocolClock();
  const protocol = new OtpProtocol(connection, { clock, timings });
  return { connection, protocol, run, sleeps: pauses };
}

async function failure(promise: Promise<unknown>): Promise<TokenBridgeError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof TokenBridgeError) return err;
    throw err;
  }
  throw new Error('expected a rejection');
}

describe('OtpProtocol against scripted wire bytes', () => {
  test('reads the serial exactly as the reference worked example', async () => {
    const { connection, protocol, run } = setup([
      ...SERIAL_WRITE,
      { get: SERIAL_RESPONSE },
      { get: SERIAL_READ_EXCHANGE.device.done },
    ]);
    const response = await run(protocol.sendAndReceive(0x10, undefined, { dataLength: 4 }));
    expect(response).toEqual({ kind: 'data', data: bytes('00 6b 95 6a') });
    expect(connection.transcript).toEqual(SERIAL_READ_EXCHANGE.transcript);
    expect(connection.unread).toBe(0);
  });

  test('returns the raw response (data, CRC, padding) when no length is given', async () => {
    const { protocol, run } = setup([
      { get: STATUS_IDLE },
      { get: STATUS_IDLE },
      ...HMAC_RESPONSE.reports.map((get) => ({ get })),
    ]);
    const response = await run(protocol.sendAndReceive(0x30, bytes('01')));
    expect(response.kind).toBe('data');
    expect(response.kind === 'data' && response.data).toHaveLength(28);
  });

  test('returns the data of a multi-chunk response when its length is given', async () => {
    const { protocol, run } = setup([
      { get: STATUS_IDLE },
      { get: STATUS_IDLE },
      ...HMAC_RESPONSE.reports.map((get) => ({ get })),
    ]);
    const response = await run(protocol.sendAndReceive(0x30, bytes('01'), { dataLength: 20 }));
    expect(response).toEqual({ kind: 'data', data: bytes(HMAC_RESPONSE.data) });
  });

  test('reads and decodes the status report', async () => {
    const { protocol, connection, run } = setup([{ get: STATUS_IDLE }]);
    const status = await run(protocol.readStatus());
    expect(status.version).toEqual({ major: 5, minor: 4, build: 3 });
    expect(connection.written).toEqual([]);
  });

  test('waits for the write flag with a doubling back-off before each chunk', async () => {
    const busy = '00 05 04 03 03 05 00 80';
    const { connection, protocol, run, sleeps } = setup([
      { get: busy },
      { get: busy },
      { get: busy },
      { get: STATUS_IDLE },
      { get: busy },
      { get: STATUS_IDLE },
      { get: SERIAL_RESPONSE },
      { get: DONE },
    ]);
    await run(protocol.sendAndReceive(0x10, undefined, { dataLength: 4 }));
    expect(sleeps).toEqual([1, 2, 4, 1]);
    expect(connection.written).toEqual([CHUNK0, CHUNK9_SERIAL, RESET_REPORT]);
  });

  test('a write flag that never clears is PROTOCOL_TIMEOUT after ~1150 ms of back-off', async () => {
    const { connection, protocol, run, sleeps } = setup([
      { get: '00 05 04 03 03 05 00 80', times: 30 },
    ]);
    const err = await failure(run(protocol.sendAndReceive(0x10)));
    expect(err.code).toBe(ErrorCode.PROTOCOL_TIMEOUT);
    expect(sleeps.reduce((a, b) => a + b, 0)).toBe(1150);
    expect(Math.max(...sleeps)).toBeLessThanOrEqual(500);
    expect(connection.written).toEqual([RESET_REPORT]);
  });

  test('a key that answers with a plain status is COMMAND_REJECTED, and is reset', async () => {
    const { connection, protocol, run } = setup([...SERIAL_WRITE, { get: STATUS_IDLE }]);
    const err = await failure(run(protocol.sendAndReceive(0x10, undefined, { dataLength: 4 })));
    expect(err.code).toBe(ErrorCode.COMMAND_REJECTED);
    expect(connection.written).toEqual([CHUNK0, CHUNK9_SERIAL, RESET_REPORT]);
  });

  test.each([
    { why: 'the sequence advanced', after: '00 05 04 03 04 05 00 00' },
    { why: 'both slots were erased', after: '00 05 04 03 00 00 00 00' },
  ])('a configuration write answers with the status when $why', async ({ after }) => {
    const { protocol, run } = setup([...SERIAL_WRITE, { get: after }]);
    const response = await run(protocol.sendAndReceive(0x01, bytes('aa')));
    expect(response.kind).toBe('status');
    expect(response.kind === 'status' && response.status.programmingSequence).toBe(bytes(after)[4]);
  });

  test('a corrupted response CRC is PROTOCOL_CRC, and the key is reset', async () => {
    const { connection, protocol, run } = setup([
      ...SERIAL_WRITE,
      { get: '00 6b 95 6a 8c 7c 00 40' },
      { get: DONE },
    ]);
    const err = await failure(run(protocol.sendAndReceive(0x10, undefined, { dataLength: 4 })));
    expect(err.code).toBe(ErrorCode.PROTOCOL_CRC);
    expect(connection.written.at(-1)).toBe(RESET_REPORT);
  });

  test('a chunk out of sequence is PROTOCOL_SEQUENCE', async () => {
    const { connection, protocol, run } = setup([
      ...SERIAL_WRITE,
      { get: SERIAL_RESPONSE },
      { get: '00 00 00 00 00 00 00 42' },
    ]);
    const err = await failure(run(protocol.sendAndReceive(0x10)));
    expect(err.code).toBe(ErrorCode.PROTOCOL_SEQUENCE);
    expect(err.message).toMatch(/expected sequence 1, got 2/);
    expect(connection.written.at(-1)).toBe(RESET_REPORT);
  });

  test('a response that stops without its closing report is PROTOCOL_SEQUENCE', async () => {
    const { protocol, run } = setup([
      ...SERIAL_WRITE,
      { get: SERIAL_RESPONSE },
      { get: STATUS_IDLE },
    ]);
    const err = await failure(run(protocol.sendAndReceive(0x10)));
    expect(err.code).toBe(ErrorCode.PROTOCOL_SEQUENCE);
  });

  test('polls while the key is busy, then reads the answer', async () => {
    const { protocol, run, sleeps } = setup([
      ...SERIAL_WRITE,
      { get: '00 05 04 03 03 05 00 89' },
      { get: '00 05 04 03 03 05 00 89' },
      { get: SERIAL_RESPONSE },
      { get: DONE },
    ]);
    await expect(run(protocol.sendAndReceive(0x10, undefined, { dataLength: 4 }))).resolves.toEqual(
      {
        kind: 'data',
        data: bytes('00 6b 95 6a'),
      },
    );
    expect(sleeps).toEqual([20, 20]);
  });

  test('a key busy for longer than the processing budget is PROTOCOL_TIMEOUT', async () => {
    const { protocol, run } = setup(
      [...SERIAL_WRITE, { get: '00 05 04 03 03 05 00 89', times: 10 }],
      { processingTimeoutMs: 100 },
    );
    expect((await failure(run(protocol.sendAndReceive(0x10)))).code).toBe(
      ErrorCode.PROTOCOL_TIMEOUT,
    );
  });

  test('reports a touch wait once, then reads the answer after the touch', async () => {
    const touches: number[] = [];
    const { protocol, run, sleeps } = setup([
      ...SERIAL_WRITE,
      { get: '00 05 04 03 03 05 00 2e', times: 3 },
      { get: SERIAL_RESPONSE },
      { get: DONE },
    ]);
    const response = await run(
      run(
        protocol.sendAndReceive(0x20, bytes('010203040506'), {
          onTouch: (s) => touches.push(s),
        }),
      ),
    );
    expect(response.kind).toBe('data');
    expect(touches).toEqual([14]);
    expect(sleeps).toEqual([100, 100, 100]);
  });

  test('gives up waiting for a touch after the touch timeout', async () => {
    const { connection, protocol, run } = setup(
      [...SERIAL_WRITE, { get: '00 05 04 03 03 05 00 2e', times: 10 }],
      { touchTimeoutMs: 300 },
    );
    const err = await failure(run(protocol.sendAndReceive(0x20)));
    expect(err.code).toBe(ErrorCode.PROTOCOL_TIMEOUT);
    expect(err.message).toMatch(/touch/);
    expect(connection.written.at(-1)).toBe(RESET_REPORT);
  });

  test('a key that stops waiting for a touch without an answer is PROTOCOL_TIMEOUT', async () => {
    const { protocol, run } = setup([
      ...SERIAL_WRITE,
      { get: '00 05 04 03 03 05 00 21' },
      { get: STATUS_IDLE },
    ]);
    const err = await failure(run(protocol.sendAndReceive(0x20)));
    expect(err.code).toBe(ErrorCode.PROTOCOL_TIMEOUT);
  });

  test('an abort during a touch wait is ABORTED, and the key is reset', async () => {
    const controller = new AbortController();
    const { connection, protocol, run } = setup([
      ...SERIAL_WRITE,
      { get: '00 05 04 03 03 05 00 2e', times: 10 },
    ]);
    const err = await failure(
      run(
        protocol.sendAndReceive(0x20, undefined, {
          signal: controller.signal,
          onTouch: () => controller.abort(),
        }),
      ),
    );
    expect(err.code).toBe(ErrorCode.ABORTED);
    expect(connection.written.at(-1)).toBe(RESET_REPORT);
  });

  test('a stale response at the start is ended with a reset before the frame goes out', async () => {
    const { connection, protocol, run } = setup([
      { get: '11 22 33 44 55 66 77 41' },
      { get: STATUS_IDLE },
      { get: STATUS_IDLE },
      { get: SERIAL_RESPONSE },
      { get: DONE },
    ]);
    await run(protocol.sendAndReceive(0x10, undefined, { dataLength: 4 }));
    expect(connection.written).toEqual([RESET_REPORT, CHUNK0, CHUNK9_SERIAL, RESET_REPORT]);
  });

  test.each([7, 9, 0])('a %i-byte report is PROTOCOL_BAD_REPORT', async (size) => {
    const { protocol, run } = setup([{ get: '00'.repeat(size) }]);
    expect((await failure(run(protocol.readStatus()))).code).toBe(ErrorCode.PROTOCOL_BAD_REPORT);
  });

  test('a device error passes through unchanged', async () => {
    const gone = new DeviceError(ErrorCode.DEVICE_GONE, 'unplugged');
    const { protocol, run } = setup([...SERIAL_WRITE, { getError: gone }]);
    await expect(run(protocol.sendAndReceive(0x10))).rejects.toBe(gone);
  });

  test('a foreign error from the connection becomes DEVICE_IO', async () => {
    const { protocol, run } = setup([{ getError: new Error('EIO') }]);
    const err = await failure(run(protocol.readStatus()));
    expect(err).toBeInstanceOf(DeviceError);
    expect(err.code).toBe(ErrorCode.DEVICE_IO);
    expect(err.message).toMatch(/EIO/);
  });

  test('a report that never comes is PROTOCOL_TIMEOUT after the report timeout', async () => {
    const { protocol, run, sleeps } = setup([{ getHang: true }], { reportTimeoutMs: 20 });
    expect((await failure(run(protocol.readStatus()))).code).toBe(ErrorCode.PROTOCOL_TIMEOUT);
    expect(sleeps).toEqual([20]);
  });

  test('a failing reset does not hide the error of the exchange', async () => {
    const { protocol, connection, run } = setup([...SERIAL_WRITE, { get: STATUS_IDLE }]);
    connection.push({ setError: new DeviceError(ErrorCode.DEVICE_GONE, 'gone'), atSet: 2 });
    const err = await failure(run(protocol.sendAndReceive(0x10)));
    expect(err.code).toBe(ErrorCode.COMMAND_REJECTED);
    expect(connection.written).toEqual([CHUNK0, CHUNK9_SERIAL]);
  });

  test('exchanges on one connection run one after the other', async () => {
    const { connection, protocol, run } = setup([
      ...SERIAL_WRITE,
      { get: SERIAL_RESPONSE },
      { get: DONE },
      { get: STATUS_IDLE },
      ...SERIAL_WRITE,
      { get: SERIAL_RESPONSE },
      { get: DONE },
    ]);
    const results = await run(
      Promise.all([
        protocol.sendAndReceive(0x10, undefined, { dataLength: 4 }),
        protocol.readStatus(),
        protocol.sendAndReceive(0x10, undefined, { dataLength: 4 }),
      ]),
    );
    expect(results[0]).toEqual(results[2]);
    expect(connection.written).toEqual([
      CHUNK0,
      CHUNK9_SERIAL,
      RESET_REPORT,
      CHUNK0,
      CHUNK9_SERIAL,
      RESET_REPORT,
    ]);
    expect(connection.unread).toBe(0);
  });

  test('raw reports are logged at trace level only', async () => {
    const lines: Array<{ level: string; line: string }> = [];
    const logger = (bindings: object): Logger => {
      const at =
        (level: string) =>
        (obj: object | string, msg?: string): void => {
          lines.push({ level, line: JSON.stringify({ ...bindings, obj, msg }) });
        };
      return {
        trace: at('trace'),
        debug: at('debug'),
        info: at('info'),
        warn: at('warn'),
        error: at('error'),
        child: (more) => logger({ ...bindings, ...more }),
      };
    };
    const connection = new ScriptedConnection([
      ...SERIAL_WRITE,
      { get: SERIAL_RESPONSE },
      { get: DONE },
    ]);
    const { clock, run } = protocolClock();
    const protocol = new OtpProtocol(connection, { logger: logger({}), clock });
    await run(protocol.sendAndReceive(0x10, undefined, { dataLength: 4 }));
    const withReport = lines.filter((l) => l.line.includes('6b956a'));
    expect(withReport.map((l) => l.level)).toEqual(['trace']);
    expect(lines.filter((l) => l.level === 'trace')).toHaveLength(connection.transcript.length);
  });
});
