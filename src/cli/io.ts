/** Where a command writes; tests pass their own streams. */
export interface CliIo {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stdin: NodeJS.ReadableStream & {
    isTTY?: boolean;
    setRawMode?: (on: boolean) => unknown;
  };
  readonly env: NodeJS.ProcessEnv;
}

export const EXIT_OK = 0;
/** Rejected (a `tokens verify` that did not accept) or a runtime failure. */
export const EXIT_FAILURE = 1;
/** Bad flags, bad arguments, bad specs, a configuration that does not validate. */
export const EXIT_USAGE = 2;

/**
 * Thrown by a command that has already printed its outcome and wants a specific exit code (a
 * `tokens verify` that was rejected exits 1). Not an error: nothing more is printed.
 */
export class ExitStatus extends Error {
  constructor(readonly exitCode: number) {
    super(`exit ${exitCode}`);
  }
}
