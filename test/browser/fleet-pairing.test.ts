import { join } from 'node:path';
import { parseVirtualSpec, VirtualToken } from '../../drivers/virtual';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon';
import { createTestDatabase, type TestDatabase } from '../helpers/pg';
import {
  browserSuite,
  hotpSpec,
  openPage,
  startPairing,
  statusSays,
  windowHeading,
} from './page-rig';

const ALICE = 'alice@example.com';
const SERIAL = '5000101';

const suite = browserSuite();
let db: TestDatabase;
let kioskB: TestDaemon | undefined;

beforeEach(async () => {
  db = await createTestDatabase();
});
afterEach(async () => {
  await kioskB?.stop();
  kioskB = undefined;
  await db.drop();
});

test('a token paired on the page of a PostgreSQL-backed daemon signs on through a second daemon on the same database', async () => {
  const fleet = { url: db.url, passwordFile: db.passwordFile };
  const rig = await suite.start({ config: { store: { ...fleet, nodeName: 'kiosk-a' } } });
  expect(rig.td.daemon.store.kind).toBe('postgres');
  const token = await rig.plug(hotpSpec(SERIAL));
  const { page } = rig;

  // Kiosk A: Registration, Hardware Token, the plugged serial, a press, Verify, the green check.
  await startPairing(page, ALICE);
  await page.getByRole('button', { name: 'Next' }).click();
  await windowHeading(page, 'Verification');
  await token.press();
  await statusSays(page, /Select Verify/);
  await page.getByRole('button', { name: 'Verify' }).click();
  await page.getByText('Your token is paired', { exact: false }).first().waitFor();

  // Kiosk B: another daemon, the fleet's key, the same database; the same token plugged in there
  // (its next press is counter 1).
  kioskB = await startTestDaemon({
    staticDir: suite.dir(),
    config: {
      store: { ...fleet, keyFile: join(rig.td.dir, 'keys', 'seed.key'), nodeName: 'kiosk-b' },
    },
    tokens: [new VirtualToken(parseVirtualSpec(hotpSpec(SERIAL, ',counter=1')))],
  });
  expect((await kioskB.daemon.store.get(SERIAL))?.user).toBe(ALICE);
  for (
    let i = 0;
    i < 250 && !kioskB.daemon.devices.devices().some((d) => d.serial === Number(SERIAL));
    i++
  ) {
    await new Promise((r) => setTimeout(r, 20));
  }
  const other = await rig.context.newPage();
  await openPage(other, kioskB.daemon.url);
  await other.getByRole('button', { name: 'Already paired? Sign on instead' }).click();
  await windowHeading(other, 'Sign on');
  await other.getByRole('textbox', { name: 'User name' }).fill(ALICE);
  await kioskB.virtual.tokens()[0]!.press();
  await statusSays(other, /Passcode received from your token\. Select Sign on\./);
  await other.getByRole('button', { name: 'Sign on' }).click();
  await windowHeading(other, 'Signed on');
  await other.getByText(`You are signed on as ${ALICE}.`).waitFor();

  // One registry: the pairing was written by kiosk A, the sign-on by kiosk B.
  const audit = await kioskB.daemon.store.audit({ serial: SERIAL, limit: 100 });
  expect(audit.find((e) => e.event === 'paired')?.node).toBe('kiosk-a');
  expect(audit.filter((e) => e.event === 'verified').map((e) => e.node)).toEqual([
    'kiosk-a',
    'kiosk-b',
  ]);
  expect((await rig.td.daemon.store.get(SERIAL))!.counter).toBe(2);
});
