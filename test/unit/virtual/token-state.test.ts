import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hotpSlotConfig } from '../../../src/yubikey';
import {
  FileTokenStateStore,
  parseVirtualSpec,
  stateFileFor,
  VirtualToken,
} from '../../../drivers/virtual';
import { openSlotRig } from '../../helpers/slot-rig';
import { RFC4226_HOTP, RFC4226_SECRET_HEX } from '../../vectors/virtual';

const SEED = new Uint8Array(Buffer.from(RFC4226_SECRET_HEX, 'hex'));
const codes = RFC4226_HOTP.map((v) => v.code);

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tb-vstate-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function tokenWith(spec: string, file: string, fresh = false): VirtualToken {
  return new VirtualToken(parseVirtualSpec(spec), {
    stateStore: new FileTokenStateStore(file, { fresh }),
  });
}

describe('a virtual token keeps its state in its state file, as a key keeps its flash', () => {
  test('a restarted HOTP token continues from its counter instead of starting at the spec again', async () => {
    const file = stateFileFor(dir, 7050602);
    const first = tokenWith(`hotp:secret=${RFC4226_SECRET_HEX},pacing=0`, file);
    expect(await first.press()).toBe(codes[0]);
    expect(await first.press()).toBe(codes[1]);
    const again = tokenWith(`hotp:secret=${RFC4226_SECRET_HEX},pacing=0`, file);
    expect(await again.press()).toBe(codes[2]);
    expect(again.state.hotpCounter).toBe(3);
  });

  test('a slot written over the wire survives a restart, with its sequence and counters', async () => {
    const file = stateFileFor(dir, 4242);
    const store = new FileTokenStateStore(file);
    const rig = await openSlotRig('blank:serial=4242,pacing=0', { stateStore: store });
    await rig.slots.putConfiguration(2, hotpSlotConfig({ secret: SEED }));
    expect(await rig.token.press(2)).toBe(codes[0]);
    await rig.close();

    const restarted = tokenWith('blank:serial=4242,pacing=0', file);
    expect(restarted.programmingSequence).toBe(1);
    expect(await restarted.press(2)).toBe(codes[1]);
    expect(await restarted.press(1)).toBe('');
  });

  test('--fresh (fresh: true) starts over from the spec, and the next change replaces the file', async () => {
    const file = stateFileFor(dir, 7050602);
    const first = tokenWith(`hotp:secret=${RFC4226_SECRET_HEX},pacing=0`, file);
    await first.press();
    await first.press();
    const fresh = tokenWith(`hotp:secret=${RFC4226_SECRET_HEX},pacing=0`, file, true);
    expect(await fresh.press()).toBe(codes[0]);
    const after = tokenWith(`hotp:secret=${RFC4226_SECRET_HEX},pacing=0`, file);
    expect(await after.press()).toBe(codes[1]);
  });

  test("the file is the token's own: mode 0600, a versioned JSON document", async () => {
    const file = stateFileFor(dir, 7050602);
    const token = tokenWith('yubikey:pacing=0', file);
    await token.press();
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { version: number; serial: number };
    expect(saved).toMatchObject({ version: 1, serial: 7050602, programmingSequence: 1 });
  });

  test('a damaged state file is refused with its name and what to do', () => {
    const file = stateFileFor(dir, 7050602);
    writeFileSync(file, '{"version":1,');
    expect(() => tokenWith('hotp', file)).toThrow(
      `${file}: not JSON (delete it, or start over with --fresh)`,
    );
    writeFileSync(
      file,
      JSON.stringify({
        version: 1,
        serial: 7050602,
        factory: '0123456789abcdef',
        programmingSequence: 1,
        slots: [{}, null],
      }),
    );
    expect(() => tokenWith('hotp', file)).toThrow(/slots\.0\.config/);
  });

  test("another token's state file is refused", async () => {
    const file = join(dir, 'shared.json');
    await tokenWith('hotp:serial=1111,pacing=0', file).press();
    expect(() => tokenWith('hotp:serial=2222', file)).toThrow(
      /holds the state of token 1111, not 2222/,
    );
  });

  test('a spec with other slots under the same serial is another key: refused, with the way out', async () => {
    const file = stateFileFor(dir, 7050602);
    await tokenWith('hotp:pacing=0', file).press();
    expect(() => tokenWith('yubico:pacing=0', file)).toThrow(
      /was made from another spec's slots; --fresh starts it over from this spec/,
    );
    // The model, firmware and pacing do not reach the flash: the same key.
    expect(() => tokenWith('hotp:model=yk4,pacing=5', file)).not.toThrow();
    expect(tokenWith('yubico:pacing=0', file, true).programmingSequence).toBe(1);
  });
});
