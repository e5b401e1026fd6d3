import type { CheckResult, CheckStatus, DoctorReport } from './types';

const LABEL: Record<CheckStatus, string> = { ok: 'ok  ', warn: 'WARN', fail: 'FAIL' };

/** One line per check, with its fix indented below when it is not ok, then a summary line. */
export function formatReport(report: DoctorReport): string {
  const lines: string[] = [];
  for (const c of report.checks) {
    lines.push(`${LABEL[c.status]}  ${c.title}: ${c.detail}`);
    if (c.status !== 'ok' && c.fix !== undefined) lines.push(`      fix: ${c.fix}`);
  }
  const count = (s: CheckStatus) => report.checks.filter((c: CheckResult) => c.status === s).length;
  lines.push('', `${count('ok')} ok, ${count('warn')} warning(s), ${count('fail')} failure(s)`);
  return lines.join('\n') + '\n';
}
