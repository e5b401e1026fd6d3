import { hexProblem, UsageError } from '../core';

/** Commander argument parsers that turn bad flags into one-line usage errors (exit 2). */
export function intOption(flag: string, min: number, max: number): (value: string) => number {
  return (value: string) => {
    if (!/^-?\d+$/.test(value))
      throw new UsageError(`${flag}: expected an integer, got "${value}"`);
    const n = Number(value);
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      throw new UsageError(`${flag}: expected ${min}..${max}, got ${value}`);
    }
    return n;
  };
}

export function choiceOption<T extends string>(
  flag: string,
  choices: readonly T[],
): (value: string) => T {
  return (value: string) => {
    if (!(choices as readonly string[]).includes(value)) {
      throw new UsageError(`${flag}: expected one of ${choices.join(', ')}, got "${value}"`);
    }
    return value as T;
  };
}

export function hexOption(flag: string): (value: string) => string {
  return (value: string) => {
    const clean = value.trim();
    if (!/^(?:[0-9a-fA-F]{2})+$/.test(clean)) {
      throw new UsageError(`${flag}: expected hex digits in pairs, got ${hexProblem(clean)}`);
    }
    return clean.toLowerCase();
  };
}

/** Collects a repeatable flag into an array. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
