import { runCli } from './program';

const EXIT_GRACE_MS = 500;

runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
}).then((code) => {
  process.exitCode = code;
  // Every command closes what it opened; this only stops a handle someone forgot from keeping a
  // finished command (or a daemon asked to stop) alive.
  setTimeout(() => process.exit(code), EXIT_GRACE_MS).unref();
});
