import type { VerifyStatus } from '../tokens';

/** A metrics hook: the flows report each verification and each lock they cause. */
export interface FlowObserver {
  verification(flow: 'pairing' | 'sign-on', result: VerifyStatus): void;
  /** A failure just locked a token. */
  lockout(): void;
}

export const NO_OBSERVER: FlowObserver = { verification: () => {}, lockout: () => {} };
