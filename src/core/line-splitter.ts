/**
 * Splits a byte stream of newline-delimited messages into lines, refusing any line longer than
 * `maxLength` (a peer that sends one is dropped rather than buffered without bound). Blank lines
 * are skipped. Used by the local sockets: the emulator bus and the control channel.
 */
export class LineSplitter {
  private buffer = '';

  constructor(
    private readonly maxLength: number,
    private readonly tooLong: (maxLength: number) => Error,
  ) {}

  /** Returns the complete lines in `chunk`; throws `tooLong` when a line grows past the limit. */
  push(chunk: string): string[] {
    this.buffer += chunk;
    const lines = this.buffer.split('\n');
    this.buffer = lines.pop() ?? '';
    if (this.buffer.length > this.maxLength || lines.some((l) => l.length > this.maxLength)) {
      this.buffer = '';
      throw this.tooLong(this.maxLength);
    }
    return lines.filter((l) => l.trim() !== '');
  }
}
