export * from './backend';
export * from './gate';
export * from './limits';
export * from './server';
export type { PageHandler } from './http-handler';
export * from './metrics-endpoint';
export * from './peer';
export { PEER_REFUSED_BODY } from './connection-gate';
