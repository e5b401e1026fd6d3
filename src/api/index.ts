export * from './constants';
export * from './fields';
export * from './client-messages';
export * from './server-messages';
export * from './parse';
export * from './json-schema';
