export * from './schema';
export * from './defaults';
export * from './bindings';
export * from './problems';
export * from './origin';
export * from './load';
export * from './options';
export { checkJson } from './json-check';
