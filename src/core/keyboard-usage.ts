/**
 * USB HID boot-keyboard reports as a YubiKey types them: [modifiers, reserved, key1..key6], each key
 * press followed by an all-zero key-up report. Usage IDs are from the HID Usage Tables, page 0x07.
 */
export const KEYBOARD_REPORT_SIZE = 8; // modifier, reserved, six key slots
export const KEYBOARD_MODIFIER_OFFSET = 0; // modifier bit field
export const KEYBOARD_FIRST_KEY_OFFSET = 2; // key1; key2..key6 follow

export const MODIFIER_LEFT_SHIFT = 0x02; // the shift a YubiKey uses
export const MODIFIER_RIGHT_SHIFT = 0x20; // accepted as shift too
/** Yubico scan maps mark "with shift" by this bit on a stored usage id (SCANMOD_SHIFT). */
export const SCANCODE_SHIFT_FLAG = 0x80;

export const USAGE_ERROR_ROLLOVER = 0x01; // too many keys down; not a character
export const USAGE_ENTER = 0x28; // Return, ends an OTP when APPEND_CR is set
export const USAGE_TAB = 0x2b; // Tab
export const USAGE_KEYPAD_ENTER = 0x58; // Keypad Enter
export const USAGE_DIGIT_1 = 0x1e; // '1'; '2'..'9' follow
export const USAGE_DIGIT_0 = 0x27; // '0'
export const USAGE_KEYPAD_1 = 0x59; // Keypad 1; 2..9 follow (EXTFLAG_USE_NUMERIC_KEYPAD)
export const USAGE_KEYPAD_0 = 0x62; // Keypad 0

/** Usage ids of the modhex letters "cbdefghijklnrtuv", in that order (ykman scancodes/modhex). */
export const MODHEX_USAGES: readonly number[] = [
  0x06, 0x05, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x11, 0x15, 0x17, 0x18, 0x19,
];

/** Usage id of a letter a-z: 'a' = 0x04 .. 'z' = 0x1d. */
export const USAGE_LETTER_A = 0x04;

// Added for the host-side keyboard decoder (src/yubikey).
export const KEYBOARD_RESERVED_OFFSET = 1; // always 0x00 in a boot keyboard report
export const KEYBOARD_KEY_SLOTS = 6; // key1..key6
export const MODIFIER_SHIFT_MASK = 0x22; // left or right shift
/** Ctrl, Alt and GUI, left and right: a key pressed with any of these is not typed text. */
export const MODIFIER_NON_SHIFT_MASK = 0xdd;
export const USAGE_POST_FAIL = 0x02; // keyboard self-test failed; not a character
export const USAGE_ERROR_UNDEFINED = 0x03; // undefined error; not a character
export const USAGE_LAST_KEY = 0xa4; // highest key usage (ExSel); 0xa5.. are reserved or modifiers
