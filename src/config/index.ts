export * from './schema';
export * from './defaults';
export * from './bindings';
export * from './paths';
export * from './files';
export * from './problems';
export * from './origin';
export * from './load';
export { checkJson } from './json-check';
