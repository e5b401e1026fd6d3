import { basename, extname } from 'node:path';
import { firstFailure, totalsOf, type FileResult, type ScenarioResult } from './results';

/**
 * JUnit XML for CI dashboards: one <testsuite> per scenario file, one <testcase> per scenario, a
 * <failure> naming the first failed step (the body lists every step), an <error> when the scenario
 * could not run.
 */
export function junitXml(files: readonly FileResult[], name = 'tokenbridge qa'): string {
  const totals = totalsOf(files);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites${attrs({ name, tests: totals.scenarios, failures: totals.failed, errors: totals.errors, time: seconds(files.reduce((t, f) => t + f.durationMs, 0)) })}>`,
  ];
  for (const file of files) {
    const t = totalsOf([file]);
    lines.push(
      `  <testsuite${attrs({ name: file.path, tests: t.scenarios, failures: t.failed, errors: t.errors, skipped: 0, time: seconds(file.durationMs) })}>`,
    );
    for (const scenario of file.scenarios) lines.push(...testcase(file, scenario));
    lines.push('  </testsuite>');
  }
  lines.push('</testsuites>');
  return lines.join('\n') + '\n';
}

function testcase(file: FileResult, scenario: ScenarioResult): string[] {
  const open = `    <testcase${attrs({ name: scenario.name, classname: basename(file.path, extname(file.path)), time: seconds(scenario.durationMs) })}`;
  const body = scenario.steps
    .map(
      (s) =>
        `${s.status.toUpperCase()} step ${s.index} ${s.description}${s.message ? `: ${s.message}` : ''}`,
    )
    .join('\n');
  if (scenario.status === 'passed') return [`${open}/>`];
  if (scenario.status === 'error') {
    return [
      open + '>',
      `      <error${attrs({ message: scenario.error ?? 'the scenario could not run', type: 'SetupError' })}>${text(body)}</error>`,
      '    </testcase>',
    ];
  }
  const step = firstFailure(scenario);
  const message = step
    ? `step ${step.index} (${step.kind}) ${step.description}: ${step.message ?? 'failed'}`
    : 'failed';
  return [
    open + '>',
    `      <failure${attrs({ message, type: 'StepFailed' })}>${text(body)}</failure>`,
    '    </testcase>',
  ];
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

function attrs(values: Record<string, string | number>): string {
  return Object.entries(values)
    .map(([k, v]) => ` ${k}="${escapeAttribute(String(v))}"`)
    .join('');
}

// XML 1.0 allows tab, LF, CR and these ranges; anything else (NUL, other controls, lone surrogates)
// cannot be escaped at all, so it is replaced.
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

export function escapeText(value: string): string {
  return value
    .replace(NOT_XML_CHAR, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
}

/** Attribute values also escape quotes and keep line breaks (which parsers would normalise away). */
export function escapeAttribute(value: string): string {
  return escapeText(value)
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/\t/g, '&#9;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;');
}

function text(value: string): string {
  return escapeText(value);
}
