export * from './classify';
export * from './frame';
export * from './keyboard-assembler';
export * from './keyboard-report';
export * from './otp-protocol';
export * from './status';
export * from './timing';
export * from './yubiotp-session';
