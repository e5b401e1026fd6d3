export * from './usb-driver';
export * from './usb-connection';
export * from './usb-surface';
export * from './hid-class-requests';
export * from './exit-hook';
