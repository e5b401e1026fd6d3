import { DeviceError, ErrorCode } from '../../../src/core';
import { YubiOtpSession } from '../../../src/yubikey';
import {
  protocolClock,
  ScriptedConnection,
  type ScriptStep,
} from '../../helpers/scripted-connection';
import { SERIAL_READ_EXCHANGE, STATUS_IDLE } from '../../vectors/frames';

const SERIAL_OK: ScriptStep[] = [
  { get: STATUS_IDLE },
  { get: STATUS_IDLE },
  { get: SERIAL_READ_EXCHANGE.device.response[0]! },
  { get: SERIAL_READ_EXCHANGE.device.done },
];
/** The key answers the serial command with a plain status: no data. */
const SERIAL_REJECTED: ScriptStep[] = [
  { get: STATUS_IDLE },
  { get: STATUS_IDLE },
  { get: STATUS_IDLE },
];

const OTP_ONLY_PID = 0x0401;
const COMPOSITE_PID = 0x0407;

function open(steps: ScriptStep[], productId = OTP_ONLY_PID, reclaimAttempts?: number) {
  const connection = new ScriptedConnection(steps, { productId });
  const { clock, run, pauses } = protocolClock();
  const session = new YubiOtpSession(connection, { clock, reclaimAttempts });
  return { connection, session, run, sleeps: pauses };
}

describe('YubiOtpSession', () => {
  test('reads a visible serial (reference worked example)', async () => {
    const { session, connection, run } = open(SERIAL_OK);
    await expect(run(session.readSerial())).resolves.toBe(7050602);
    expect(connection.transcript).toEqual(SERIAL_READ_EXCHANGE.transcript);
  });

  test('a hidden serial is undefined, not an error', async () => {
    const { session, sleeps, run } = open(SERIAL_REJECTED);
    await expect(run(session.readSerial())).resolves.toBeUndefined();
    expect(sleeps).toEqual([]);
  });

  test('reads the decoded status', async () => {
    const { session, run } = open([{ get: STATUS_IDLE }]);
    await expect(run(session.readStatus())).resolves.toMatchObject({
      version: { major: 5, minor: 4, build: 3 },
      programmingSequence: 3,
      slot1Valid: true,
      slot1Touch: true,
    });
  });

  test('right after opening a composite key, retries the serial while the key rejects', async () => {
    const { session, sleeps, run } = open(
      [...SERIAL_REJECTED, ...SERIAL_REJECTED, ...SERIAL_OK],
      COMPOSITE_PID,
    );
    await expect(run(session.readSerial())).resolves.toBe(7050602);
    expect(sleeps.filter((ms) => ms === 500)).toHaveLength(2);
  });

  test('a composite key that rejects every attempt has a hidden serial', async () => {
    const steps = Array.from({ length: 6 }, () => SERIAL_REJECTED).flat();
    const { session, connection, sleeps, run } = open(steps, COMPOSITE_PID);
    await expect(run(session.readSerial())).resolves.toBeUndefined();
    expect(sleeps.filter((ms) => ms === 500)).toHaveLength(5);
    expect(connection.unread).toBe(0);
  });

  test('the reclaim retry can be configured', async () => {
    const steps = Array.from({ length: 2 }, () => SERIAL_REJECTED).flat();
    const { session, connection, run } = open(steps, COMPOSITE_PID, 2);
    await expect(run(session.readSerial())).resolves.toBeUndefined();
    expect(connection.unread).toBe(0);
  });

  test('a protocol error that outlasts the retries is thrown', async () => {
    const busy = { get: '00 05 04 03 03 05 00 80', times: 30 };
    const { session, run } = open([busy, busy], COMPOSITE_PID, 2);
    await expect(run(session.readSerial())).rejects.toMatchObject({
      code: ErrorCode.PROTOCOL_TIMEOUT,
    });
  });

  test('the retry happens only on the first read after opening', async () => {
    const { session, connection, run } = open([...SERIAL_OK, ...SERIAL_REJECTED], COMPOSITE_PID);
    await expect(run(session.readSerial())).resolves.toBe(7050602);
    await expect(run(session.readSerial())).resolves.toBeUndefined();
    expect(connection.unread).toBe(0);
  });

  test('an OTP-only key is not retried', async () => {
    const { session, connection, run } = open([...SERIAL_REJECTED, ...SERIAL_OK]);
    await expect(run(session.readSerial())).resolves.toBeUndefined();
    expect(connection.unread).toBe(SERIAL_OK.length);
  });

  test('a device that goes away is not retried', async () => {
    const gone = new DeviceError(ErrorCode.DEVICE_GONE, 'unplugged');
    const { session, sleeps, run } = open([{ getError: gone }], COMPOSITE_PID);
    await expect(run(session.readSerial())).rejects.toBe(gone);
    expect(sleeps).toEqual([]);
  });
});
