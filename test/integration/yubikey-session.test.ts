import { DeviceError, ErrorCode, modhexEncode, type HidConnection } from '../../src/core';
import {
  classifyOtp,
  KeyboardOtpAssembler,
  YubiOtpSession,
  type AssemblerEvent,
} from '../../src/yubikey';
import {
  parseVirtualSpec,
  serialPublicId,
  VirtualDriver,
  VirtualToken,
  type VirtualTokenOptions,
} from '../../drivers/virtual';
import { ManualClock } from '../helpers/manual-clock';
import { protocolClock } from '../helpers/scripted-connection';

/** Garbage the token sends is made of this byte: never a valid key report (reserved byte set). */
const GARBAGE_BYTE = 0xa5;
const fixedRandom: VirtualTokenOptions['random'] = (n) => new Uint8Array(n).fill(GARBAGE_BYTE);

interface Rig {
  driver: VirtualDriver;
  token: VirtualToken;
  connection: HidConnection;
  session: YubiOtpSession;
  /** The token's and the session's time: it passes only when the test lets it. */
  clock: ManualClock;
  /** Lets time pass until the task settles. */
  run: <T>(task: Promise<T>) => Promise<T>;
  /** The waits the session took, by length. */
  sleeps: number[];
}

const rigs: Rig[] = [];

/** A virtual token on a virtual bus, opened through the driver as the device manager will. */
async function openToken(spec: string, sessionOptions: { reportTimeoutMs?: number } = {}) {
  const clock = new ManualClock();
  const driver = new VirtualDriver();
  const token = new VirtualToken(parseVirtualSpec(spec), { random: fixedRandom, clock });
  driver.attach(token);
  const [info] = await driver.enumerate();
  const connection = await driver.open(info!);
  const { clock: sessionClock, run, pauses } = protocolClock(clock);
  const session = new YubiOtpSession(connection, {
    clock: sessionClock,
    timings: { reportTimeoutMs: sessionOptions.reportTimeoutMs ?? 1000 },
  });
  const rig: Rig = { driver, token, connection, session, clock, run, sleeps: pauses };
  rigs.push(rig);
  return rig;
}

afterEach(async () => {
  for (const rig of rigs.splice(0)) {
    await rig.connection.close();
    await rig.driver.dispose();
  }
});

/** Presses the button and collects what the assembler makes of the keyboard reports. */
async function press(rig: Rig, slot: 1 | 2, assembler = new KeyboardOtpAssembler()) {
  const events: AssemblerEvent[] = [];
  const off = rig.connection.on('input', (report) =>
    events.push(...assembler.feed(report, rig.clock.now())),
  );
  try {
    const typed = await rig.run(rig.token.press(slot));
    return { typed, events, assembler };
  } finally {
    off();
  }
}

describe('YubiOtpSession against a virtual token', () => {
  test('reads the status a YubiKey 5 reports', async () => {
    const { session, run } = await openToken('yubikey');
    await expect(run(session.readStatus())).resolves.toMatchObject({
      version: { major: 5, minor: 4, build: 3 },
      programmingSequence: 1,
      slot1Valid: true,
      slot2Valid: true,
      slot1Touch: true,
      slot2Touch: true,
    });
  });

  test('reads a visible serial', async () => {
    const { session, run } = await openToken('yubikey:serial=7050602');
    await expect(run(session.readSerial())).resolves.toBe(7050602);
  });

  test('a hidden serial reads as undefined after the reclaim retries of a composite key', async () => {
    const { session, sleeps, run } = await openToken('yubico:serial=123456,serial-hidden=on');
    await expect(run(session.readSerial())).resolves.toBeUndefined();
    expect(sleeps.filter((ms) => ms === 500)).toHaveLength(5);
  });

  test('a hidden serial on an OTP-only key reads as undefined at once', async () => {
    const { session, sleeps, run } = await openToken('hotp:model=yk4,serial-hidden=on');
    await expect(run(session.readSerial())).resolves.toBeUndefined();
    expect(sleeps.filter((ms) => ms === 500)).toHaveLength(0);
  });

  test('a corrupted response CRC is PROTOCOL_CRC, and the next read works', async () => {
    const { session, token, run } = await openToken('yubikey:serial=4242');
    await expect(run(session.readSerial())).resolves.toBe(4242);
    token.injectFault({ kind: 'crc-corruption' });
    await expect(run(session.readSerial())).rejects.toMatchObject({ code: ErrorCode.PROTOCOL_CRC });
    await expect(run(session.readSerial())).resolves.toBe(4242);
  });

  test('a stalled key is a timeout error, and the key works again once the stall ends', async () => {
    const stallMs = 150;
    const { session, token, clock, run } = await openToken('yubikey:serial=4242', {
      reportTimeoutMs: 40,
    });
    await expect(run(session.readSerial())).resolves.toBe(4242);
    token.injectFault({ kind: 'stall', ms: stallMs });
    await expect(run(session.readSerial())).rejects.toMatchObject({
      code: ErrorCode.PROTOCOL_TIMEOUT,
    });
    token.clearFaults();
    // Let the stalled calls the protocol gave up on reach the key before the next exchange.
    await clock.advance(stallMs);
    await expect(run(session.readSerial())).resolves.toBe(4242);
  });

  test('an unplug in the middle of a transfer is a DeviceError, not a hang', async () => {
    const { session, token, connection, run } = await openToken('yubikey');
    await run(session.readStatus());
    token.injectFault({ kind: 'unplug-mid-transfer', afterReports: 3 });
    const err: unknown = await run(session.readSerial()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeviceError);
    expect((err as DeviceError).code).toBe(ErrorCode.DEVICE_GONE);
    expect(connection.closed).toBe(true);
    await expect(run(session.readStatus())).rejects.toBeInstanceOf(DeviceError);
  });

  test('a press of the Yubico OTP slot decodes to the OTP it typed', async () => {
    const rig = await openToken('yubikey:serial=7050602');
    const { typed, events } = await press(rig, 1);
    expect(events).toEqual([
      {
        type: 'otp',
        text: typed,
        otp: {
          format: 'yubico',
          publicId: modhexEncode(serialPublicId(7050602)),
          token: typed.slice(-32),
          otp: typed,
        },
      },
    ]);
  });

  test('a press of the OATH-HOTP slot decodes to the code it typed', async () => {
    const rig = await openToken('yubikey:serial=7050602');
    const { typed, events } = await press(rig, 2);
    expect(events).toEqual([
      { type: 'otp', text: typed, otp: { format: 'oath-hotp', code: typed, digits: 6 } },
    ]);
    expect(classifyOtp(typed, { hotpDigits: 6 })).toBeDefined();
  });

  test('an 8-digit code with token id typed on the keypad decodes with its token id', async () => {
    const rig = await openToken('hotp:serial=7050602,digits=8,token-id=on,keypad=on');
    const { typed, events } = await press(rig, 1, new KeyboardOtpAssembler({ hotpDigits: 8 }));
    expect(typed).toMatch(/^ubhe07050602\d{8}$/);
    expect(events).toEqual([
      {
        type: 'otp',
        text: typed,
        otp: { format: 'oath-hotp', tokenId: 'ubhe07050602', code: typed.slice(12), digits: 8 },
      },
    ]);
  });

  test('two presses give two different OTPs', async () => {
    const rig = await openToken('hotp');
    const assembler = new KeyboardOtpAssembler();
    const first = await press(rig, 1, assembler);
    const second = await press(rig, 1, assembler);
    expect(first.events).toHaveLength(1);
    expect(second.events).toHaveLength(1);
    expect(first.typed).not.toBe(second.typed);
  });

  test('garbage reports before a press are ignored and the OTP still decodes', async () => {
    const rig = await openToken('yubico');
    const assembler = new KeyboardOtpAssembler();
    const events: AssemblerEvent[] = [];
    const off = rig.connection.on('input', (r) =>
      events.push(...assembler.feed(r, rig.clock.now())),
    );
    rig.token.injectFault({ kind: 'garbage', count: 8 });
    const typed = await rig.run(rig.token.press(1));
    off();
    expect(events).toEqual([expect.objectContaining({ type: 'otp', text: typed })]);
    expect(assembler.stats.ignoredReports).toBe(8);
  });

  test('a token without Enter leaves the OTP to the timeout, which drops it', async () => {
    const rig = await openToken('yubico:enter=off');
    const { events, assembler } = await press(rig, 1);
    expect(events).toEqual([]);
    const expiresAt = assembler.expiresAt();
    expect(expiresAt).toBeDefined();
    expect(assembler.expire(expiresAt!)).toEqual([
      expect.objectContaining({ type: 'discarded', reason: 'timeout', length: 44 }),
    ]);
  });
});
