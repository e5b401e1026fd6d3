import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { z } from 'zod';
import {
  ApiErrorCode,
  DeviceAccess,
  OtpFormat,
  PairingStep,
  ServerEvent,
  SetupStep,
  VerifyOutcome,
} from '../../../src/api';

const DOC = readFileSync(join(__dirname, '..', '..', '..', 'docs', 'qa.md'), 'utf8');

/** The rows of "Names a scenario can match", by their field: the names in backticks. */
function documented(): Map<string, string[]> {
  const start = DOC.indexOf('### Names a scenario can match');
  const section = DOC.slice(start, DOC.indexOf('\n### ', start + 1));
  const rows = new Map<string, string[]>();
  for (const line of section.split('\n').filter((l) => l.startsWith('| ') && l.includes('`'))) {
    const cells = line
      .split('|')
      .slice(1, -1)
      .map((c) => c.trim());
    const field = cells[1]!.replace(/`/g, '');
    rows.set(
      field,
      [...cells[2]!.matchAll(/`([^`]+)`/g)].map((m) => m[1]!),
    );
  }
  return rows;
}

type Obj = { shape: Record<string, { value?: unknown; options?: readonly string[] }> };
const options = (union: z.ZodType) => (union as unknown as { options: Obj[] }).options;

/** What the code can send, field by field. */
function fromTheCode(): Map<string, string[]> {
  const types = options(ServerEvent).map((o) => String(o.shape.type!.value));
  const outcomes = options(VerifyOutcome);
  const rejected = outcomes.find((o) => o.shape.result!.value === 'rejected')!;
  return new Map([
    ['type', types.filter((t) => t !== 'hello')],
    ['result', outcomes.map((o) => String(o.shape.result!.value))],
    ['reason', [...rejected.shape.reason!.options!]],
    ['step', [...PairingStep.options]],
    ['setupStep', [...SetupStep.options]],
    ['format', [...OtpFormat.options]],
    ['access', [...DeviceAccess.options]],
    ['error.code', Object.values(ApiErrorCode)],
  ]);
}

describe('docs/qa.md lists every event and outcome name a scenario can match', () => {
  const doc = documented();
  test.each([...fromTheCode()])('%s', (field, names) => {
    expect(doc.get(field)?.slice().sort()).toEqual([...names].sort());
  });

  test('and nothing the code does not send', () => {
    expect([...doc.keys()].sort()).toEqual([...fromTheCode().keys()].sort());
  });
});
