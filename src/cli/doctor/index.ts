export * from './types';
export * from './run';
export * from './format';
export { modeAllowsReadWrite } from './machine';
export { normaliseRule, ruleProductIds } from './udev-rule';
export { parseHidId, parseUevent, interfaceFromPhys } from './uevent';
