import { readFile } from 'node:fs/promises';
import { endianness as hostEndianness } from 'node:os';
import { join } from 'node:path';
import { findPeerRow, type ConnectionEnds, type Endianness, type PeerRow } from './proc-net-tcp';

interface Pending {
  readonly ends: ConnectionEnds;
  readonly resolve: (row: PeerRow | 'unreadable') => void;
}

interface Tables {
  readonly tcp: string;
  readonly tcp6: string;
}

/**
 * Finds who owns the client end of a loopback TCP connection, from /proc/net/tcp and
 * /proc/net/tcp6 (an IPv4 client of a dual-stack listener, or an IPv6 client of a mapped address,
 * sits in the other table than the daemon's socket, so both are read). Lookups that arrive while a
 * read is under way wait for the next read, which starts after their connection was accepted and
 * so sees it; everything waiting then shares that one read (500 clients connecting at once cost a
 * few reads, not 500).
 */
export class ProcPeerLookup {
  private waiting: Pending[] = [];
  private reading = false;
  private readonly endianness: Endianness;

  constructor(
    private readonly procNet = '/proc/net',
    endianness: Endianness = hostEndianness(),
  ) {
    this.endianness = endianness;
  }

  lookup(ends: ConnectionEnds): Promise<PeerRow | 'unreadable'> {
    return new Promise((resolve) => {
      this.waiting.push({ ends, resolve });
      this.pump();
    });
  }

  /** Reads the tables once: undefined when they can be read, else why not (for start and doctor). */
  async probe(): Promise<string | undefined> {
    try {
      await this.read();
      return undefined;
    } catch (err) {
      return `${join(this.procNet, 'tcp')}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`;
    }
  }

  private pump(): void {
    if (this.reading || this.waiting.length === 0) return;
    const batch = this.waiting;
    this.waiting = [];
    this.reading = true;
    this.read()
      .then(
        (tables) => {
          for (const p of batch) {
            const row = findPeerRow(tables.tcp, p.ends, this.endianness);
            p.resolve(row.found ? row : findPeerRow(tables.tcp6, p.ends, this.endianness));
          }
        },
        () => {
          for (const p of batch) p.resolve('unreadable');
        },
      )
      .finally(() => {
        this.reading = false;
        this.pump();
      });
  }

  /** tcp must be there; tcp6 is missing where IPv6 is disabled, and then holds nothing. */
  private async read(): Promise<Tables> {
    const [tcp, tcp6] = await Promise.all([
      readFile(join(this.procNet, 'tcp'), 'latin1'),
      readFile(join(this.procNet, 'tcp6'), 'latin1').catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return '';
        throw err;
      }),
    ]);
    return { tcp, tcp6 };
  }
}
