import type { VirtualTokenSpec } from '../../drivers/virtual';
import type { RegistryEntry, Step } from './scenario-schema';
import type { ScopeValue } from './substitute';

/** A virtual token a scenario uses, by the name its steps call it. */
export interface ScenarioToken {
  readonly name: string;
  readonly specText: string;
  readonly spec: VirtualTokenSpec;
  /** Whether it is plugged in when the scenario starts. */
  readonly plugged: boolean;
}

export interface ScenarioClient {
  readonly name: string;
  /** The Origin header it connects with; default: the daemon's own page (or --origin). */
  readonly origin?: string;
}

/** A validated scenario, with defaults applied. */
export interface Scenario {
  readonly name: string;
  readonly description?: string;
  readonly tokens: readonly ScenarioToken[];
  readonly registry: readonly RegistryEntry[];
  readonly clients: readonly ScenarioClient[];
  readonly variables: Readonly<Record<string, ScopeValue>>;
  readonly steps: readonly Step[];
}

/** One scenario file: a single scenario, or a `scenarios:` list run in order against one daemon. */
export interface ScenarioFile {
  readonly path: string;
  readonly scenarios: readonly Scenario[];
}

/** The client a scenario gets when it names none. */
export const DEFAULT_CLIENT = 'page';
