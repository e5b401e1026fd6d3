/** The part of `process` the exit hook needs; tests pass an EventEmitter. */
export interface ExitSignal {
  on(event: 'exit', listener: () => void): unknown;
  off(event: 'exit', listener: () => void): unknown;
}

/**
 * One 'exit' listener for however many exclusive connections are open: installed with the first,
 * removed with the last. At exit only synchronous code is guaranteed to run, so the callback can
 * only start the release and re-attach; a clean close() is what really gives the key back.
 */
export class ExitHook<T> {
  private readonly members = new Set<T>();
  private readonly listener = () => {
    for (const member of this.members) this.onExit(member);
  };

  constructor(
    private readonly signal: ExitSignal,
    private readonly onExit: (member: T) => void,
  ) {}

  add(member: T): void {
    if (this.members.size === 0) this.signal.on('exit', this.listener);
    this.members.add(member);
  }

  delete(member: T): void {
    if (!this.members.delete(member)) return;
    if (this.members.size === 0) this.signal.off('exit', this.listener);
  }

  get size(): number {
    return this.members.size;
  }
}
