export * from './device-manager';
export * from './device-session';
export * from './merge';
export * from './types';
