import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A temp folder for config files, removed by `cleanup()`. */
export class TempFiles {
  readonly dir = mkdtempSync(join(tmpdir(), 'tokenbridge-config-'));
  private count = 0;

  /** Writes `content` (a value to serialise, or raw text) and returns the file's path. */
  write(content: unknown, name = `config-${++this.count}.json`): string {
    const path = join(this.dir, name);
    writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
    return path;
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** An environment with no TOKENBRIDGE_* variables and fixed XDG paths. */
export const BASE_ENV: NodeJS.ProcessEnv = Object.freeze({
  XDG_STATE_HOME: '/home/u/.local/state',
  XDG_RUNTIME_DIR: '/run/user/1000',
});
