import type { Command } from 'commander';
import type { CliIo } from '../io';
import { register as otp } from './otp';
import { register as config } from './config';
import { register as tokens } from './tokens';
import { register as tokensImport } from './tokens-import';
import { register as store } from './store';
import { register as devices } from './devices';
import { register as watch } from './watch';
import { register as emulate } from './emulate';
import { register as keys } from './keys';
import { register as serve } from './serve';
import { register as doctor } from './doctor';
import { register as qa } from './qa';
import { register as url } from './url';

/** Each command file exports `register(program, io)`; this list only wires them. */
type Register = (program: Command, io: CliIo) => void;

const COMMANDS: Register[] = [
  serve,
  otp,
  config,
  tokens,
  tokensImport,
  store,
  devices,
  watch,
  emulate,
  keys,
  doctor,
  qa,
  url,
];

export function registerCommands(program: Command, io: CliIo): void {
  for (const register of COMMANDS) register(program, io);
}
