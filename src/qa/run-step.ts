import { setTimeout as sleep } from 'node:timers/promises';
import type { VirtualFault, VirtualToken } from '../../drivers/virtual';
import { mismatches, readPath, show } from './match';
import type { Message, QaClient } from './qa-client';
import type { OtpRedactor } from './redactor';
import {
  DEFAULT_EVENT_WITHIN_MS,
  DEFAULT_NO_EVENT_WITHIN_MS,
  type Step,
  type StepOf,
} from './scenario-schema';
import { substitute, type ScopeValue, type SubstitutionScope } from './substitute';
import type { QaTarget } from './target';

/** A step that did not hold; its message goes into the report (redacted there). */
export class StepFailure extends Error {}

/** What steps share while a scenario runs. */
export interface ScenarioState {
  readonly target: QaTarget;
  readonly tokens: ReadonlyMap<string, VirtualToken>;
  readonly clients: ReadonlyMap<string, QaClient>;
  readonly defaultClient: string;
  readonly variables: Map<string, ScopeValue>;
  /** The last OTP each token typed. */
  readonly otps: Map<string, string>;
  readonly redactor: OtpRedactor;
  /** The client of the last `send`, which a bare `expect-reply` checks. */
  lastSendClient: string | undefined;
}

/** Runs one step; throws StepFailure (or any error) when it does not hold. */
export async function runStep(step: Step, state: ScenarioState): Promise<void> {
  switch (step.kind) {
    case 'plug':
      token(state, step.value).plug();
      return;
    case 'unplug':
      token(state, step.value).unplug();
      return;
    case 'press':
      return press(step, state);
    case 'fault': {
      const { token: name, ...fault } = step.value;
      token(state, name).injectFault(fault as VirtualFault);
      return;
    }
    case 'clear-faults':
      token(state, step.value).clearFaults();
      return;
    case 'wait':
      await sleep(step.value);
      return;
    case 'send':
      return send(step, state);
    case 'expect-reply':
      return expectReply(step, state);
    case 'expect-event':
      return expectEvent(step, state);
    case 'expect-no-event':
      return expectNoEvent(step, state);
    case 'set-clock':
      state.target.setClock(
        'at' in step.value
          ? { at: typeof step.value.at === 'number' ? step.value.at : Date.parse(step.value.at) }
          : { advance: step.value.advance },
      );
      return;
  }
}

async function press(step: StepOf<'press'>, state: ScenarioState): Promise<void> {
  const { token: name, slot } = step.value;
  const typed = await token(state, name).press(slot);
  if (typed === '')
    throw new StepFailure(`slot ${slot} of ${name} is not programmed: it typed nothing`);
  state.redactor.add(typed);
  state.otps.set(name, typed);
}

async function send(step: StepOf<'send'>, state: ScenarioState): Promise<void> {
  const name = step.value.client ?? state.defaultClient;
  const params = substitute(step.value.params ?? {}, scope(state)) as Message;
  state.lastSendClient = name;
  const reply = await client(state, name).request(step.value.type, params);
  save(reply, step.value.save, state, 'the reply');
}

function expectReply(step: StepOf<'expect-reply'>, state: ScenarioState): void {
  const name = step.value.client ?? state.lastSendClient ?? state.defaultClient;
  const reply = client(state, name).lastReply;
  if (!reply) throw new StepFailure(`client ${name} has no reply yet: send a request first`);
  const expected = substitute(step.value.match, scope(state)) as Record<string, unknown>;
  const wrong = mismatches(reply, expected);
  if (wrong.length > 0)
    throw new StepFailure(`${wrong.join('; ')} (reply ${show(state.redactor.value(reply))})`);
  save(reply, step.value.save, state, 'the reply');
}

async function expectEvent(step: StepOf<'expect-event'>, state: ScenarioState): Promise<void> {
  const { type, within = DEFAULT_EVENT_WITHIN_MS } = step.value;
  const name = step.value.client ?? state.defaultClient;
  const c = client(state, name);
  const expected = step.value.match
    ? (substitute(step.value.match, scope(state)) as Record<string, unknown>)
    : {};
  const event = await c.takeEvent(
    (e) => e.type === type && mismatches(e, expected).length === 0,
    within,
  );
  if (!event) {
    const sameType = c.pending().filter((e) => e.type === type);
    const near =
      sameType.length > 0
        ? `; ${type} events that did not match: ${sameType.map((e) => mismatches(e, expected).join(', ')).join(' | ')}`
        : '';
    const others = c
      .pending()
      .filter((e) => e.type !== type)
      .map((e) => String(e.type));
    const rest =
      others.length > 0 ? `; other events received: ${[...new Set(others)].join(', ')}` : '';
    throw new StepFailure(
      `no ${type} event${step.value.match ? ` matching ${show(state.redactor.value(expected))}` : ''} within ${within} ms${near}${rest}`,
    );
  }
  save(event, step.value.save, state, `the ${type} event`);
}

async function expectNoEvent(step: StepOf<'expect-no-event'>, state: ScenarioState): Promise<void> {
  const { type, within = DEFAULT_NO_EVENT_WITHIN_MS } = step.value;
  const c = client(state, step.value.client ?? state.defaultClient);
  const expected = step.value.match
    ? (substitute(step.value.match, scope(state)) as Record<string, unknown>)
    : {};
  const event = await c.takeEvent(
    (e) => e.type === type && mismatches(e, expected).length === 0,
    within,
  );
  if (event) throw new StepFailure(`unexpected ${type} event ${show(state.redactor.value(event))}`);
}

function save(
  source: Message,
  map: Record<string, string> | undefined,
  state: ScenarioState,
  what: string,
): void {
  for (const [variable, path] of Object.entries(map ?? {})) {
    const value = readPath(source, path);
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
      throw new StepFailure(
        `save ${variable}: ${what} has no ${path} (got ${show(state.redactor.value(source))})`,
      );
    }
    state.variables.set(variable, value);
  }
}

function scope(state: ScenarioState): SubstitutionScope {
  return {
    variable: (name) => state.variables.get(name),
    otp: (name) => state.otps.get(name),
  };
}

function token(state: ScenarioState, name: string): VirtualToken {
  const t = state.tokens.get(name);
  if (!t) throw new StepFailure(`unknown token ${name}`);
  return t;
}

function client(state: ScenarioState, name: string): QaClient {
  const c = state.clients.get(name);
  if (!c) throw new StepFailure(`unknown client ${name}`);
  return c;
}
