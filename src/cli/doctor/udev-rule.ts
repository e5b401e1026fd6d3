import type { Machine } from './machine';
import { fixes, RULE_PRODUCT_IDS, UDEV_RULE_DIRS, UDEV_RULE_NAME } from './fixes';
import type { CheckResult } from './types';

/** The rule's meaning without comments, blank lines, continuations or spacing differences. */
export function normaliseRule(text: string): string {
  return text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => line.replace(/\s+/g, ' ').replace(/\s*,\s*/g, ', '))
    .join('\n');
}

/** Product ids named by `ATTRS{idProduct}=="a|b|c"` (and ATTR{...}) matches in a rule. */
export function ruleProductIds(text: string): Set<string> {
  const ids = new Set<string>();
  for (const m of text.matchAll(/ATTRS?\{idProduct\}=="([^"]*)"/g))
    for (const id of m[1]!.split('|')) ids.add(id.toLowerCase());
  return ids;
}

/**
 * The installed 69-tokenbridge.rules (the copy udev uses: /etc over /run over /usr/lib over /lib)
 * against the one this version ships. Missing: fail (no access for the seat user or the service's
 * group). Different: warn, naming the token models it no longer covers.
 */
export async function checkUdevRule(
  machine: Machine,
  shipped: string | undefined,
): Promise<CheckResult> {
  const base = { id: 'udev-rule', title: `udev rule ${UDEV_RULE_NAME}` };
  let installedAt: string | undefined;
  let installed: string | undefined;
  for (const dir of UDEV_RULE_DIRS) {
    installed = await machine.read(`${dir}/${UDEV_RULE_NAME}`);
    if (installed !== undefined) {
      installedAt = `${dir}/${UDEV_RULE_NAME}`;
      break;
    }
  }
  if (installed === undefined || installedAt === undefined) {
    return {
      ...base,
      status: 'fail',
      detail: `not installed (looked in ${UDEV_RULE_DIRS.join(', ')})`,
      fix: fixes.installRule,
    };
  }
  const missing = RULE_PRODUCT_IDS.filter((id) => !ruleProductIds(installed).has(id));
  if (shipped === undefined) {
    return missing.length === 0
      ? { ...base, status: 'ok', detail: `${installedAt} covers every OTP product id` }
      : stale(base, installedAt, missing);
  }
  if (normaliseRule(installed) === normaliseRule(shipped))
    return { ...base, status: 'ok', detail: `${installedAt} matches this version` };
  return stale(base, installedAt, missing);
}

function stale(
  base: { id: string; title: string },
  installedAt: string,
  missing: readonly string[],
): CheckResult {
  const why =
    missing.length > 0
      ? `; it does not cover product ids ${missing.join(', ')}`
      : ' (same product ids, other changes)';
  return {
    ...base,
    status: 'warn',
    detail: `${installedAt} differs from the rule this version ships${why}`,
    fix: fixes.installRule,
  };
}
