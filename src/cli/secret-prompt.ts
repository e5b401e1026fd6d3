import { UsageError } from '../core';
import type { CliIo } from './io';

const ENTER = new Set(['\r', '\n']);
const CTRL_C = '\u0003';
const CTRL_D = '\u0004';
const BACKSPACE = new Set(['\u007f', '\b']);
/** No PSKC password or key is this long; a paste that is, is not one. */
const MAX_SECRET_CHARS = 1024;

/** Whether a secret can be asked for here: stdin is a terminal that can stop echoing. */
export function canPrompt(io: CliIo): boolean {
  return io.stdin.isTTY === true && typeof io.stdin.setRawMode === 'function';
}

/**
 * Asks for a secret on the terminal without echoing it: the question goes to stderr, stdin is put
 * in raw mode (the terminal's echo off) until Enter, and nothing typed is printed. Ctrl-C or
 * Ctrl-D gives up with a one-line error; the terminal is restored on every path.
 */
export function promptSecret(io: CliIo, question: string): Promise<string> {
  const stdin = io.stdin;
  if (!canPrompt(io)) return Promise.reject(new UsageError('no terminal to ask for the secret on'));
  // Echo off before the question shows, so nothing typed after it can be echoed.
  stdin.setRawMode!(true);
  io.stderr.write(question);
  stdin.resume();
  return new Promise((resolve, reject) => {
    let typed = '';
    const finish = (outcome: () => void) => {
      stdin.removeListener('data', onData);
      stdin.setRawMode!(false);
      stdin.pause();
      io.stderr.write('\n');
      outcome();
    };
    const onData = (chunk: Buffer | string) => {
      for (const ch of chunk.toString()) {
        if (ENTER.has(ch)) return finish(() => resolve(typed));
        if (ch === CTRL_C || ch === CTRL_D)
          return finish(() => reject(new UsageError('cancelled: no secret given')));
        if (BACKSPACE.has(ch)) typed = typed.slice(0, -1);
        else if (ch >= ' ') typed += ch;
        if (typed.length > MAX_SECRET_CHARS)
          return finish(() => reject(new UsageError('the secret typed is too long')));
      }
    };
    stdin.on('data', onData);
  });
}
