import { show } from './match';
import type { OtpRedactor } from './redactor';
import type { Step } from './scenario-schema';

/** A one-line description of a step as written (references unresolved, passcodes redacted). */
export function describeStep(step: Step, redactor: OtpRedactor): string {
  if (step.label !== undefined) return `${step.kind}: ${step.label}`;
  const v = (value: unknown) => show(redactor.value(value));
  switch (step.kind) {
    case 'plug':
    case 'unplug':
    case 'clear-faults':
      return `${step.kind} ${step.value}`;
    case 'press':
      return `press ${step.value.token}${step.value.slot === 2 ? ' slot 2' : ''}`;
    case 'fault': {
      const { token, kind, ...params } = step.value;
      return `fault ${token} ${kind}${Object.keys(params).length > 0 ? ` ${v(params)}` : ''}`;
    }
    case 'wait':
      return `wait ${step.value} ms`;
    case 'send':
      return `send${step.value.client ? ` ${step.value.client}` : ''} ${step.value.type}${step.value.params ? ` ${v(step.value.params)}` : ''}`;
    case 'expect-reply':
      return `expect-reply${step.value.client ? ` ${step.value.client}` : ''} ${v(step.value.match)}`;
    case 'expect-event':
    case 'expect-no-event': {
      const { client, type, match, within } = step.value;
      return `${step.kind}${client ? ` ${client}` : ''} ${type}${match ? ` ${v(match)}` : ''}${within !== undefined ? ` within ${within} ms` : ''}`;
    }
    case 'set-clock':
      return 'at' in step.value
        ? `set-clock at ${step.value.at}`
        : `set-clock advance ${step.value.advance} ms`;
  }
}
