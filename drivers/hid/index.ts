export * from './hid-driver';
export * from './hid-connection';
export * from './location';
export * from './node-hid-surface';
export * from './otp-interface';
export * from './report-id';
export * from './connection-events';
export * from './errors';
