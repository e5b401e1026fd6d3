import { createHmac } from 'node:crypto';
import {
  type DeviceInfo,
  type Driver,
  ErrorCode,
  FEATURE_FLAGS_OFFSET,
  type HidConnection,
  REPORT_SIZE,
  STATUS_OFFSET_VERSION_BUILD,
  STATUS_OFFSET_VERSION_MAJOR,
  STATUS_OFFSET_VERSION_MINOR,
  TokenBridgeError,
  toHex,
} from '../../src/core';
import { parseVirtualSpec, VirtualToken } from '../../drivers/virtual';
import {
  hmacChallengeSlotConfig,
  hotpSlotConfig,
  OtpSlotSession,
  YubiOtpSession,
} from '../../src/yubikey';
import { decodeKeyboard, readSerialExchange, serialResponseReport } from './otp-exchange';

/** What the harness knows about the token behind the driver. */
export interface ExpectedToken {
  serial: number;
  vendorId: number;
  /** Undefined for a real key, whose PID and firmware the test does not know. */
  productId?: number;
  model?: string;
  firmware?: readonly [number, number, number];
}

export interface DriverHarness {
  driver: Driver;
  expected: ExpectedToken;
  /** The virtual token behind the driver (absent for a real key): the button and the cable. */
  token?: VirtualToken;
  /** Plugs a second token into the driver's bus, for the hotplug case. */
  plugAnother?(token: VirtualToken): void;
  cleanup(): Promise<void>;
}

export interface ContractOptions {
  /** A virtual token is behind the driver, so the suite can press its button and pull its cable. */
  scripted?: boolean;
  /** The driver has watch() and the harness can plug a second token in. */
  hotplug?: boolean;
}

const NO_HANG_MS = 3000; // a promise that has not settled by then is a hang
/** RFC 4226's seed: counter 0 types 755224. */
const RFC4226_SEED = new Uint8Array(Buffer.from('12345678901234567890', 'ascii'));

/** A second token for hotplug cases, distinct from the default serial. */
export function anotherToken(): VirtualToken {
  return new VirtualToken(parseVirtualSpec('hotp:serial=1234567,model=yk4,pacing=0'));
}

export function within<T>(promise: Promise<T>, what: string, ms = NO_HANG_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  return Promise.race([promise, hang]).finally(() => clearTimeout(timer));
}

async function waitUntil(predicate: () => boolean, what: string): Promise<void> {
  let gaveUp = false;
  try {
    await within(
      (async () => {
        while (!predicate() && !gaveUp) await new Promise((r) => setTimeout(r, 2));
      })(),
      what,
    );
  } finally {
    gaveUp = true;
  }
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await within(promise, 'the call');
  } catch (err) {
    if (err instanceof TokenBridgeError) return err.code;
    throw err;
  }
  throw new Error('expected the call to reject');
}

/**
 * The one suite every driver passes: the same feature-report bytes, keystrokes, unplug and close
 * behaviour whether the token is virtual, behind a fake native library, or a real key.
 */
export function describeDriverContract(
  name: string,
  makeHarness: () => Promise<DriverHarness>,
  options: ContractOptions = {},
): void {
  // Cases that need the button or the cable are not registered for a real key (nothing presses
  // it); a driver without hotplug events is held to having none, so the manager polls it.
  const scripted = options.scripted === false ? undefined : test;
  describe(`driver contract: ${name}`, () => {
    let harness: DriverHarness;
    const open: HidConnection[] = [];

    async function openToken(): Promise<{ info: DeviceInfo; connection: HidConnection }> {
      const devices = await harness.driver.enumerate();
      const info = devices.find((d) => d.vendorId === harness.expected.vendorId);
      if (!info) throw new Error(`no token among ${devices.length} devices`);
      const connection = await within(harness.driver.open(info), 'open');
      open.push(connection);
      return { info, connection };
    }

    beforeEach(async () => {
      harness = await makeHarness();
    });

    afterEach(async () => {
      await Promise.all(open.splice(0).map((c) => c.close()));
      await harness.cleanup();
    });

    test('is available', async () => {
      await expect(harness.driver.availability()).resolves.toEqual({ available: true });
    });

    test('enumerates the attached token with its vendor, product, model and interface', async () => {
      const devices = await harness.driver.enumerate();
      const tokens = devices.filter((d) => d.vendorId === harness.expected.vendorId);
      expect(tokens).toHaveLength(1);
      const [info] = tokens;
      expect(info).toMatchObject({ driver: harness.driver.name, interfaceNumber: 0 });
      expect(['shared', 'exclusive']).toContain(info!.access);
      expect(typeof info!.path).toBe('string');
      if (harness.expected.productId !== undefined) {
        expect(info!.productId).toBe(harness.expected.productId);
      }
      if (harness.expected.model !== undefined) expect(info!.model).toBe(harness.expected.model);
    });

    test('reads the status report with the firmware version', async () => {
      const { connection } = await openToken();
      const status = await connection.getFeatureReport();
      expect(status).toHaveLength(REPORT_SIZE);
      expect(status[FEATURE_FLAGS_OFFSET]).toBe(0); // idle
      const fw = harness.expected.firmware;
      if (fw) {
        expect([
          status[STATUS_OFFSET_VERSION_MAJOR],
          status[STATUS_OFFSET_VERSION_MINOR],
          status[STATUS_OFFSET_VERSION_BUILD],
        ]).toEqual([...fw]);
      }
    });

    test('reads the serial byte for byte over feature reports', async () => {
      const { connection } = await openToken();
      const { written, responses } = await readSerialExchange(connection);
      expect(written.map(toHex)).toEqual(['0000000000000080', '00106b5b00000089']);
      expect(responses).toHaveLength(2);
      expect(toHex(responses[0]!)).toBe(toHex(serialResponseReport(harness.expected.serial)));
      if (harness.expected.serial === 7050602) {
        expect(toHex(responses[0]!)).toBe('006b956a8c7b0040');
      }
      expect(responses[1]![FEATURE_FLAGS_OFFSET]).toBe(0x40); // seq 0 again: done
      const after = await connection.getFeatureReport();
      expect(after[FEATURE_FLAGS_OFFSET]).toBe(0); // read mode was reset
    });

    test('the OTP session of src/yubikey reads status and serial through it', async () => {
      const { connection } = await openToken();
      const session = new YubiOtpSession(connection, { reclaimAttempts: 1 });
      const status = await within(session.readStatus(), 'readStatus');
      const fw = harness.expected.firmware;
      if (fw) expect(status.version).toEqual({ major: fw[0], minor: fw[1], build: fw[2] });
      await expect(within(session.readSerial(), 'readSerial')).resolves.toBe(
        harness.expected.serial,
      );
    });

    test('rejects feature reports that are not 8 bytes and stays usable', async () => {
      const { connection } = await openToken();
      expect(await codeOf(connection.sendFeatureReport(new Uint8Array(7)))).toBe(
        ErrorCode.INVALID_INPUT,
      );
      expect(await codeOf(connection.sendFeatureReport(new Uint8Array(9)))).toBe(
        ErrorCode.INVALID_INPUT,
      );
      await expect(connection.getFeatureReport()).resolves.toHaveLength(REPORT_SIZE);
    });

    test('close is idempotent: one close event, later calls reject DEVICE_CLOSED', async () => {
      const { connection } = await openToken();
      let closes = 0;
      connection.on('close', () => closes++);
      await within(Promise.all([connection.close(), connection.close()]), 'close');
      await connection.close();
      expect(closes).toBe(1);
      expect(connection.closed).toBe(true);
      expect(await codeOf(connection.getFeatureReport())).toBe(ErrorCode.DEVICE_CLOSED);
      expect(await codeOf(connection.sendFeatureReport(new Uint8Array(REPORT_SIZE)))).toBe(
        ErrorCode.DEVICE_CLOSED,
      );
    });

    test('can be opened again after close', async () => {
      const first = await openToken();
      await within(first.connection.close(), 'close');
      const second = await openToken();
      await expect(second.connection.getFeatureReport()).resolves.toHaveLength(REPORT_SIZE);
    });

    const virtualOnly = (title: string, fn: (token: VirtualToken) => Promise<void>) =>
      scripted?.(title, async () => {
        const { token } = harness;
        if (!token) throw new Error('a scripted contract run needs harness.token');
        await fn(token);
      });

    virtualOnly('a button press arrives as input reports that spell the OTP', async (token) => {
      const { connection } = await openToken();
      const reports: Uint8Array[] = [];
      connection.on('input', (r) => reports.push(r));
      // A person presses after the key is open: let native read threads start (node-hid begins
      // reading on the next tick), as they always have by then.
      await new Promise((resolve) => setImmediate(resolve));
      const typed = await within(token.press(1), 'press');
      await waitUntil(() => decodeKeyboard(reports).done, 'the Enter key report');
      expect(typed.length).toBeGreaterThan(0);
      expect(decodeKeyboard(reports).text).toBe(typed);
      expect(reports.every((r) => r.length === REPORT_SIZE)).toBe(true);
    });

    virtualOnly('unplug ends the connection; later calls reject without hanging', async (token) => {
      const { connection } = await openToken();
      const errors: TokenBridgeError[] = [];
      connection.on('error', (e) => errors.push(e));
      const closed = new Promise<void>((resolve) => connection.on('close', resolve));
      token.unplug();
      // A driver may only notice on the next transfer; make one, as the session would.
      const attempt = connection.getFeatureReport().then(
        () => undefined,
        (e: unknown) => e,
      );
      await within(closed, 'the close event');
      await within(attempt, 'the transfer after unplug');
      expect(connection.closed).toBe(true);
      for (const e of errors) expect(e.code).toBe(ErrorCode.DEVICE_GONE);
      const gone = [ErrorCode.DEVICE_GONE, ErrorCode.DEVICE_CLOSED] as string[];
      expect(gone).toContain(await codeOf(connection.getFeatureReport()));
      expect(gone).toContain(await codeOf(connection.sendFeatureReport(new Uint8Array(8))));
      await within(connection.close(), 'close after unplug');
    });

    // Writes are registered for virtual keys only: on a real key they would replace its slots.
    virtualOnly(
      'programs slot 2 with SLOT_CONFIG2, confirmed by the sequence; the key then types it',
      async (token) => {
        const { connection } = await openToken();
        const slots = new OtpSlotSession(new YubiOtpSession(connection, { reclaimAttempts: 1 }));
        const before = await within(slots.state(), 'state');
        const result = await within(
          slots.putConfiguration(2, hotpSlotConfig({ secret: RFC4226_SEED })),
          'the write',
        );
        expect(result).toMatchObject({
          accepted: true,
          status: { programmingSequence: before.programmingSequence + 1, slot2Valid: true },
        });
        const reports: Uint8Array[] = [];
        connection.on('input', (r) => reports.push(r));
        await new Promise((resolve) => setImmediate(resolve));
        expect(await within(token.press(2), 'press')).toBe('755224');
        await waitUntil(() => decodeKeyboard(reports).done, 'the Enter key report');
        expect(decodeKeyboard(reports).text).toBe('755224');
      },
    );

    virtualOnly(
      'a write with the wrong access code is refused and the slot keeps what it had',
      async (token) => {
        const { connection } = await openToken();
        const slots = new OtpSlotSession(new YubiOtpSession(connection, { reclaimAttempts: 1 }));
        const code = Uint8Array.of(1, 2, 3, 4, 5, 6);
        await within(
          slots.putConfiguration(2, hotpSlotConfig({ secret: RFC4226_SEED, accessCode: code })),
          'the write',
        );
        const refused = await within(
          slots.putConfiguration(2, hmacChallengeSlotConfig({ secret: RFC4226_SEED })),
          'the refused write',
        );
        expect(refused).toMatchObject({
          accepted: false,
          reason: 'access-code',
          keyState: 'unchanged',
        });
        expect(await within(token.press(2), 'press')).toBe('755224');
        await expect(within(slots.deleteSlot(2, code), 'delete')).resolves.toMatchObject({
          accepted: true,
        });
      },
    );

    virtualOnly('answers an HMAC-SHA1 challenge (SLOT_CHAL_HMAC2) through the driver', async () => {
      const { connection } = await openToken();
      const slots = new OtpSlotSession(new YubiOtpSession(connection, { reclaimAttempts: 1 }));
      await within(
        slots.putConfiguration(2, hmacChallengeSlotConfig({ secret: RFC4226_SEED })),
        'the write',
      );
      const challenge = Buffer.from('contract');
      const response = await within(slots.calculateHmacSha1(2, challenge), 'the challenge');
      expect(toHex(response)).toBe(
        createHmac('sha1', RFC4226_SEED).update(challenge).digest('hex'),
      );
    });

    if (!options.hotplug) {
      test('offers no hotplug events, so the device manager polls it', () => {
        expect(harness.driver.watch).toBeUndefined();
      });
      return;
    }

    test('reports hotplug attach and detach', async () => {
      const { driver, plugAnother } = harness;
      if (!driver.watch || !plugAnother) throw new Error('hotplug needs watch() and plugAnother()');
      const attached: DeviceInfo[] = [];
      const detached: string[] = [];
      const unwatch = driver.watch({
        attached: (info) => attached.push(info),
        detached: (path) => detached.push(path),
      });
      try {
        const other = anotherToken();
        plugAnother(other);
        await waitUntil(() => attached.length > 0, 'the attached event');
        expect(attached[0]).toMatchObject({
          driver: driver.name,
          vendorId: other.vendorId,
          productId: other.productId,
        });
        const listed = await driver.enumerate();
        expect(listed.map((d) => d.path)).toContain(attached[0]!.path);
        other.unplug();
        await waitUntil(() => detached.length > 0, 'the detached event');
        expect(detached).toEqual([attached[0]!.path]);
      } finally {
        unwatch();
      }
    });
  });
}
