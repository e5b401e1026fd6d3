/** The noun for a count: "1 token", "2 tokens", "0 tokens" (`many` for irregular plurals). */
export function plural(count: number, one: string, many = `${one}s`): string {
  return count === 1 ? one : many;
}

/** A count with its noun: `counted(1, 'token')` is "1 token". */
export function counted(count: number, one: string, many?: string): string {
  return `${count} ${plural(count, one, many)}`;
}
