/** What a verification at a flow ended as, in the API's terms. */
export type FlowResult = 'accepted' | 'needs-next-passcode' | 'rejected' | 'locked';

/** A metrics hook: the flows report each verification and each lock they cause. */
export interface FlowObserver {
  verification(flow: 'pairing' | 'sign-on', result: FlowResult): void;
  /** A failure just locked a token. */
  lockout(): void;
}

export const NO_OBSERVER: FlowObserver = { verification: () => {}, lockout: () => {} };
