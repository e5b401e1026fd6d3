import { createServer } from 'node:net';
import { probeDaemon } from '../daemon-probe';
import type { CheckResult } from './types';

const DEFAULT_PROBE_TIMEOUT_MS = 1000;

type ListenOutcome = { ok: true } | { ok: false; code: string };

function tryListen(host: string, port: number): Promise<ListenOutcome> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) =>
      resolve({ ok: false, code: err.code ?? 'ERROR' }),
    );
    server.listen({ host, port, exclusive: true }, () => {
      server.close(() => resolve({ ok: true }));
    });
  });
}

/** The configured address is free to listen on, or already served by a tokenbridge daemon. */
export async function checkPort(
  host: string,
  port: number,
  probeTimeoutMs = DEFAULT_PROBE_TIMEOUT_MS,
): Promise<CheckResult> {
  const base = { id: 'port', title: `port ${host}:${port}` };
  if (port === 0) return { ...base, status: 'ok', detail: 'the daemon picks a free port at start' };
  const outcome = await tryListen(host, port);
  if (outcome.ok) return { ...base, status: 'ok', detail: 'free' };
  if (outcome.code === 'EADDRINUSE') {
    const holder = await probeDaemon(host, port, probeTimeoutMs);
    if (holder === 'refused')
      return {
        ...base,
        status: 'warn',
        detail:
          'in use by a running tokenbridge daemon that does not admit this user (its peer check answered 403)',
        fix: 'run doctor as the user the daemon admits, or add this user to server.allowUsers',
      };
    if (holder === 'daemon')
      return {
        ...base,
        status: 'ok',
        detail: 'in use by a running tokenbridge daemon (/healthz answers)',
      };
    return {
      ...base,
      status: 'fail',
      detail: 'in use by another program',
      fix: `stop it (find it with: ss -ltnp 'sport = :${port}') or choose another port (--port, server.port)`,
    };
  }
  if (outcome.code === 'EACCES')
    return {
      ...base,
      status: 'fail',
      detail: 'not allowed to listen there (a port below 1024 needs privileges)',
      fix: 'choose a port from 1024 up (--port, server.port)',
    };
  if (outcome.code === 'EADDRNOTAVAIL')
    return {
      ...base,
      status: 'fail',
      detail: `${host} is not an address of this machine`,
      fix: 'set server.host to 127.0.0.1 (the default)',
    };
  return { ...base, status: 'fail', detail: `cannot listen: ${outcome.code}` };
}
