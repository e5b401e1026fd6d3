export * from './runtime';
export { CLOSE_BUDGET_MS, Teardown } from './teardown';
export { recordForVirtual } from './provision-virtual';
