export * from './types';
export * from './constants';
export { timeStep } from './time-step';
export { validateSeed } from './params';
export { generateHotp, generateTotp } from './generate';
export { verifyHotp, resyncHotp } from './hotp-verify';
export { verifyTotp, resyncTotp } from './totp-verify';
export { decodeYubicoOtp, verifyYubicoOtp, encodeYubicoOtp } from './yubico-otp';
export { PasscodeScanner } from './passcode-scan';
