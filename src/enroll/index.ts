export * from './types';
export * from './credentials';
export * from './enrollment';
export * from './key-admin';
export * from './pskc-export';
export { nextOtpOf } from './first-otp';
export { auditProgramming, type ProgrammingAudit } from './audit';
