export * from './errors';
export * from './ids';
export * from './observer';
export * from './outcome';
export * from './pairing-flow';
export * from './pairings';
export * from './sign-on';
export * from './unknown-users';
