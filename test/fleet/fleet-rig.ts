import { join } from 'node:path';
import { parseConnectionString } from '../../src/core';
import { generateHotp } from '../../src/otp';
import { readPasswordFile } from '../../src/runtime/db-password';
import { PostgresTokenStore } from '../../src/tokens/postgres/pg-store';
import type { FleetChildSettings } from '../helpers/fleet-daemon-child';
import { ScriptProcess } from '../helpers/reliability-process';
import { ReliabilityClient } from '../helpers/reliability-ws';
import { RFC_SEED } from '../unit/tokens/registry-fixtures';

const CHILD = join(__dirname, '..', 'helpers', 'fleet-daemon-child.ts');
export const HOTP = { secret: RFC_SEED, algorithm: 'sha1', digits: 6 } as const;
export const code = (counter: number) => generateHotp(HOTP, counter);

/** One daemon process of a fleet, and a ws client connected to it. */
export interface FleetNode {
  readonly name: string;
  readonly process: ScriptProcess;
  readonly wsUrl: string;
  readonly origin: string;
  readonly httpUrl: string;
  client: ReliabilityClient;
}

export async function startNode(settings: FleetChildSettings): Promise<FleetNode> {
  const child = new ScriptProcess(CHILD, [JSON.stringify(settings)]);
  const line = await child.next(60_000);
  const [word, wsUrl, origin] = (line ?? '').split(' ');
  if (word !== 'ready') {
    await child.kill();
    throw new Error(`fleet daemon ${settings.node}: ${line} ${child.stderr.join('')}`);
  }
  const client = await ReliabilityClient.connect(wsUrl!, origin!);
  return {
    name: settings.node,
    process: child,
    wsUrl: wsUrl!,
    origin: origin!,
    httpUrl: origin!,
    client,
  };
}

/** A fleet child's settings for the test database `db`, the shared key in `dir`. */
export function fleetSettings(
  db: { readonly url: string; readonly passwordFile: string },
  dir: string,
  maxFailures: number,
): Omit<FleetChildSettings, 'node'> {
  return { dir, url: db.url, passwordFile: db.passwordFile, maxFailures };
}

/** `count` daemons on one registry at once, named PREFIX-1, PREFIX-2, ... */
export function startNodes(
  count: number,
  prefix: string,
  settings: Omit<FleetChildSettings, 'node'>,
): Promise<FleetNode[]> {
  return Promise.all(
    Array.from({ length: count }, (_, i) => startNode({ ...settings, node: `${prefix}-${i + 1}` })),
  );
}

export async function stopNode(node: FleetNode): Promise<void> {
  node.client.terminate();
  await node.process.kill('SIGKILL');
}

/** The test's own view of the fleet registry: a store opened directly (tests of the store may). */
export async function openFleetStore(
  url: string,
  passwordFile: string,
  dir: string,
  node = 'test',
  poolSize = 2,
): Promise<PostgresTokenStore> {
  const parsed = parseConnectionString(url);
  if (!parsed.ok) throw new Error(parsed.reason);
  return PostgresTokenStore.open({
    settings: {
      target: parsed.target,
      password: readPasswordFile(passwordFile),
      poolSize,
      connectTimeoutMs: 5000,
      statementTimeoutMs: 5000,
      applicationName: 'tokenbridge-test',
    },
    keyFile: join(dir, 'seed.key'),
    maxTokensPerUser: 5,
    nodeName: node,
  });
}

/** Sends one sign-on with `passcode` for `user` from every node at once; the replies, by node. */
export async function signOnEverywhere(
  nodes: readonly FleetNode[],
  user: string,
  passcode: string,
): Promise<Array<{ node: string; reply: Record<string, unknown> | undefined; error?: string }>> {
  return Promise.all(
    nodes.map(async (n) => {
      // A dead daemon's connection is closed: no request goes out, and none waits for a reply.
      if (!n.client.isOpen) return { node: n.name, reply: undefined, error: 'connection closed' };
      try {
        const reply = (await n.client.request('signon.verify', { user, passcode })) as Record<
          string,
          unknown
        >;
        return { node: n.name, reply };
      } catch (err) {
        return { node: n.name, reply: undefined, error: String(err) };
      }
    }),
  );
}
