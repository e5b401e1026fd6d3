/** What the person (or script) driving `tokenbridge emulate` asked for. */
export type EmulatorAction =
  { kind: 'press'; slot: 1 | 2 } | { kind: 'unplug' } | { kind: 'plug' } | { kind: 'quit' };

export const CTRL_C = '\u0003';

export const EMULATOR_KEYS_HELP =
  'Enter: press slot 1, 2: press slot 2, u: unplug, p: plug, q: quit';

/** Keys in raw mode: Enter presses slot 1, `2` slot 2, `u` unplugs, `p` plugs back, `q` quits. */
export function actionForKey(key: string): EmulatorAction | undefined {
  if (key === '\r' || key === '\n') return { kind: 'press', slot: 1 };
  if (key === '2') return { kind: 'press', slot: 2 };
  if (key === 'u') return { kind: 'unplug' };
  if (key === 'p') return { kind: 'plug' };
  if (key === 'q' || key === CTRL_C) return { kind: 'quit' };
  return undefined;
}

/** Lines without a terminal: `press`, `press 1`, `press 2`, `unplug`, `plug`, `quit`. */
export function actionForLine(line: string): EmulatorAction | undefined {
  const words = line.trim().split(/\s+/);
  if (words[0] === 'press' && words.length <= 2) {
    if (words[1] === undefined || words[1] === '1') return { kind: 'press', slot: 1 };
    if (words[1] === '2') return { kind: 'press', slot: 2 };
    return undefined;
  }
  if (words.length !== 1) return undefined;
  if (words[0] === 'unplug' || words[0] === 'plug' || words[0] === 'quit') {
    return { kind: words[0] };
  }
  return undefined;
}
