import type { VerificationWrites } from '../registry';
import type { StateAdvance } from '../store';
import { isUnavailable } from './pg-errors';

/**
 * At most this many advance statements of one node are at the server at once (fewer when the pool
 * is smaller). Up to it, verifications go one statement each, as they come; past it they share.
 * Measured on two cores (npm run bench -- fleet): 4 keeps 1 and 4 clients as fast as unbatched
 * and took 16 clients from 0.40x to about 0.65x of raw commits (0.8x once the engine stopped at a
 * match). 2 batches more at 16 clients (about 1.0x) but slows 4 clients down by making them wait;
 * halving the slots only while a long queue waits did worse than either.
 */
export const ADVANCES_IN_FLIGHT = 4;
/** At most this many tokens in one statement. */
export const MAX_BATCH = 64;

/** Sends one advance; its new revision, or null when its compare-and-set found the row moved. */
export type SendOne = (update: StateAdvance) => Promise<number | null>;
/** Sends several (distinct serials) in one statement; the new revision of each row that moved. */
export type SendMany = (updates: readonly StateAdvance[]) => Promise<ReadonlyMap<string, number>>;

export interface AdvanceBatcherOptions {
  readonly sendOne: SendOne;
  readonly sendMany: SendMany;
  readonly inFlight?: number;
  readonly maxBatch?: number;
  /** Told when the server refused a whole batch (it is then sent again one by one). */
  readonly onRefused?: (err: unknown, size: number) => void;
}

interface Pending {
  readonly update: StateAdvance;
  readonly resolve: (revision: number | null) => void;
  readonly reject: (err: unknown) => void;
}

/**
 * Group commit for one node's verifications. A verification's compare-and-set goes to the server at
 * once while fewer than `inFlight` are there; the ones that arrive meanwhile wait and then go
 * together, as one statement and one commit. Nothing waits on a timer: a lone verification is sent
 * as it comes, and under load the statements carry what queued behind them, so a busy node makes
 * one commit (and one WAL flush) for many verifications instead of one each.
 *
 * Each verification still learns its own outcome only after the commit that made it durable. A
 * batch the server refused as a whole (an error, so nothing of it committed) is sent again one by
 * one, so one bad member cannot fail the others; a batch whose reply was lost (the connection,
 * a timeout) fails every member with that error, as a lost single statement would ("try again").
 * Two advances of one token never share a statement: the later waits for the next one.
 */
export class AdvanceBatcher {
  private readonly queue: Pending[] = [];
  private sending = 0;
  private statementsSent = 0;
  private advancesSent = 0;
  private refusedBatches = 0;
  private readonly inFlight: number;
  private readonly maxBatch: number;

  constructor(private readonly options: AdvanceBatcherOptions) {
    this.inFlight = Math.max(1, options.inFlight ?? ADVANCES_IN_FLIGHT);
    this.maxBatch = Math.max(1, options.maxBatch ?? MAX_BATCH);
  }

  submit(update: StateAdvance): Promise<number | null> {
    return new Promise((resolve, reject) => {
      this.queue.push({ update, resolve, reject });
      this.pump();
    });
  }

  /** A batch sent again one by one counts as one statement. */
  get stats(): VerificationWrites {
    return {
      statements: this.statementsSent,
      advances: this.advancesSent,
      refused: this.refusedBatches,
    };
  }

  private pump(): void {
    while (this.sending < this.inFlight && this.queue.length > 0) {
      const batch = this.takeBatch();
      this.sending++;
      this.statementsSent++;
      this.advancesSent += batch.length;
      void this.send(batch).finally(() => {
        this.sending--;
        this.pump();
      });
    }
  }

  /** The oldest waiting advances, one per serial, up to maxBatch; the rest keep their places. */
  private takeBatch(): Pending[] {
    const batch: Pending[] = [];
    const serials = new Set<string>();
    for (let i = 0; i < this.queue.length && batch.length < this.maxBatch;) {
      const pending = this.queue[i]!;
      if (serials.has(pending.update.serial)) {
        i++;
        continue;
      }
      serials.add(pending.update.serial);
      batch.push(pending);
      this.queue.splice(i, 1);
    }
    return batch;
  }

  private async send(batch: readonly Pending[]): Promise<void> {
    if (batch.length === 1) return this.sendAlone(batch[0]!);
    let moved: ReadonlyMap<string, number>;
    try {
      moved = await this.options.sendMany(batch.map((p) => p.update));
    } catch (err) {
      if (isUnavailable(err)) {
        for (const p of batch) p.reject(err);
        return;
      }
      // Refused as a whole, so none of it committed: each on its own, to fail only the bad one.
      this.refusedBatches++;
      this.options.onRefused?.(err, batch.length);
      await Promise.all(batch.map((p) => this.sendAlone(p)));
      return;
    }
    for (const p of batch) p.resolve(moved.get(p.update.serial) ?? null);
  }

  private async sendAlone(pending: Pending): Promise<void> {
    try {
      pending.resolve(await this.options.sendOne(pending.update));
    } catch (err) {
      pending.reject(err);
    }
  }
}
