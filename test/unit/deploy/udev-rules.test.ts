import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OTP_PRODUCTS, YUBICO_VENDOR_ID } from '../../../src/core';

const UDEV_DIR = join(__dirname, '..', '..', '..', 'udev');
const RULES_FILES = readdirSync(UDEV_DIR).filter((f) => f.endsWith('.rules'));
const RULES_PATH = join(UDEV_DIR, RULES_FILES[0] ?? 'missing.rules');

/** udev rule keys this file may use, with the operators udev accepts for each (udev(7)). */
const MATCH_KEYS = new Set([
  'ACTION',
  'SUBSYSTEM',
  'KERNEL',
  'ATTRS',
  'ATTR',
  'ENV',
  'SUBSYSTEMS',
  'TAG',
]);
const ASSIGN_KEYS = new Set(['TAG', 'GROUP', 'MODE', 'OWNER', 'ENV', 'GOTO', 'LABEL']);

interface Token {
  key: string;
  attr: string | undefined;
  op: string;
  value: string;
}

/** Parses one rule line into its key/operator/value tokens, or throws naming what is wrong. */
function parseRule(line: string): Token[] {
  const tokens: Token[] = [];
  const pattern = /\s*([A-Z]+)(?:\{([^}]+)\})?\s*(==|!=|\+=|-=|:=|=)\s*"([^"]*)"\s*(,|$)/y;
  let pos = 0;
  while (pos < line.length) {
    pattern.lastIndex = pos;
    const m = pattern.exec(line);
    if (!m) throw new Error(`cannot parse at column ${pos + 1}: ${line.slice(pos)}`);
    tokens.push({ key: m[1]!, attr: m[2], op: m[3]!, value: m[4]! });
    pos = pattern.lastIndex;
  }
  return tokens;
}

function ruleLines(): string[] {
  return readFileSync(RULES_PATH, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.trimStart().startsWith('#'));
}

describe('the udev rules file', () => {
  const lines = ruleLines();

  test('every rule line parses, with known keys and legal operators', () => {
    expect(lines.length).toBeGreaterThanOrEqual(4);
    for (const line of lines) {
      for (const t of parseRule(line)) {
        const isMatch = t.op === '==' || t.op === '!=';
        expect(isMatch ? MATCH_KEYS.has(t.key) : ASSIGN_KEYS.has(t.key)).toBe(true);
      }
    }
  });

  test('the GOTO has its LABEL', () => {
    const tokens = lines.flatMap(parseRule);
    const gotos = tokens.filter((t) => t.key === 'GOTO').map((t) => t.value);
    const labels = tokens.filter((t) => t.key === 'LABEL').map((t) => t.value);
    expect(gotos.length).toBeGreaterThan(0);
    for (const g of gotos) expect(labels).toContain(g);
  });

  test('the product list of every device rule equals the driver table', () => {
    const expected = OTP_PRODUCTS.map((p) => p.productId.toString(16).padStart(4, '0')).sort();
    const deviceRules = lines.map(parseRule).filter((r) => r.some((t) => t.attr === 'idProduct'));
    expect(deviceRules.length).toBe(2);
    for (const rule of deviceRules) {
      const vendor = rule.find((t) => t.attr === 'idVendor');
      expect(vendor?.value).toBe(YUBICO_VENDOR_ID.toString(16).padStart(4, '0'));
      const products = rule
        .find((t) => t.attr === 'idProduct')!
        .value.split('|')
        .sort();
      expect(products).toEqual(expected);
    }
  });

  test('covers hidraw nodes and USB device nodes, for the seat user and the service group', () => {
    const rules = lines.map(parseRule);
    const subsystems = rules.flatMap((r) =>
      r.filter((t) => t.key === 'SUBSYSTEM').map((t) => t.value),
    );
    expect(subsystems).toEqual(expect.arrayContaining(['hidraw', 'usb']));
    for (const rule of rules.filter((r) => r.some((t) => t.attr === 'idProduct'))) {
      expect(rule).toEqual(
        expect.arrayContaining([expect.objectContaining({ key: 'TAG', value: 'uaccess' })]),
      );
      expect(rule).toEqual(
        expect.arrayContaining([expect.objectContaining({ key: 'GROUP', value: 'tokenbridge' })]),
      );
      // Never world-accessible (the node-hid README's 0666 example is what we avoid).
      expect(rule.find((t) => t.key === 'MODE')?.value).toBe('0660');
    }
  });

  test('sorts before systemd 70-uaccess.rules so the uaccess tag takes effect', () => {
    expect(RULES_FILES).toHaveLength(1);
    const number = Number(/^(\d+)-/.exec(RULES_FILES[0]!)?.[1] ?? NaN);
    expect(number).toBeLessThan(70);
  });
});
