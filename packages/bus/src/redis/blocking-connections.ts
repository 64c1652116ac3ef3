import type { Redis } from 'ioredis';
import { setTimeout as sleep } from 'node:timers/promises';
import { BusClosedError } from '../errors.ts';

// Blocking reads (XREADGROUP … BLOCK) hold their connection until they return, so each
// concurrent blocked `consume` gets its own connection, borrowed from this pool; enqueue, ack and
// the reclaim scan stay on the shared command connection and are never stuck behind a block.
//
// Aborting a blocked read uses CLIENT UNBLOCK, sent on the command connection: Redis answers the
// blocked XREADGROUP at once as if its timeout had expired, and the connection stays usable.
// Closing the socket instead would also wake it, but an answer already on the wire would be
// lost (its entries would sit in the pending list until their lease expired) and the
// connection would have to reconnect.

/** Wait before repeating CLIENT UNBLOCK when it found nothing blocked: the abort came before
 *  the XREADGROUP it targets reached Redis (or while it was still being written). */
const UNBLOCK_RETRY_MS = 1;

/** Longest single XREADGROUP BLOCK: a longer `blockMs` is waited out in slices, so that a
 *  connection that died silently (no FIN, no RST) is noticed by `socketTimeout`. */
export const BLOCK_SLICE_MS = 5_000;
/** A healthy blocking connection answers at least every BLOCK_SLICE_MS. */
const SOCKET_TIMEOUT_MS = BLOCK_SLICE_MS + 10_000;

interface BlockingConnection {
  readonly redis: Redis;
  /** Redis' id for this connection (CLIENT ID); it changes when the connection reconnects. */
  clientId: number | undefined;
}

export class BlockingConnections {
  private readonly idle: BlockingConnection[] = [];
  private readonly all = new Set<BlockingConnection>();
  private closed = false;

  constructor(
    private readonly commands: Redis,
    /** CLIENT SETNAME of these connections, so that CLIENT LIST tells them apart. */
    private readonly connectionName: string,
    private readonly onError: (error: unknown, context: string) => void,
  ) {}

  /** Run `read` on a connection of its own; aborting `signal` makes Redis answer it early. */
  async run<T>(signal: AbortSignal | undefined, read: (redis: Redis) => Promise<T>): Promise<T> {
    const connection = this.idle.pop() ?? (await this.open());
    if (this.closed) {
      connection.redis.disconnect();
      throw new BusClosedError();
    }
    let settled = false;
    const onAbort = (): void => {
      this.unblock(connection, () => settled).catch((error: unknown) => this.onError(error, 'CLIENT UNBLOCK'));
    };
    try {
      const reply = read(connection.redis);
      // Registered after the read is queued, and checked once: an abort that came while a
      // connection was being opened must still wake the read.
      if (signal?.aborted) onAbort();
      else signal?.addEventListener('abort', onAbort, { once: true });
      return await reply;
    } finally {
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      this.release(connection);
    }
  }

  /** CLIENT UNBLOCK answers 1 once it woke the read; 0 means it is not blocked yet: retry. */
  private async unblock(connection: BlockingConnection, settled: () => boolean): Promise<void> {
    while (!settled() && !this.closed) {
      if (connection.clientId !== undefined) {
        const woken = await this.commands.call('CLIENT', ['UNBLOCK', connection.clientId]);
        if (Number(woken) === 1) return;
      }
      await sleep(UNBLOCK_RETRY_MS);
    }
  }

  /** Disconnect every connection; reads still blocked reject (their callers check `closed`). */
  closeAll(): void {
    this.closed = true;
    for (const connection of this.all) connection.redis.disconnect();
    this.all.clear();
    this.idle.length = 0;
  }

  private async open(): Promise<BlockingConnection> {
    const redis = this.commands.duplicate({ connectionName: this.connectionName, socketTimeout: SOCKET_TIMEOUT_MS, enableAutoPipelining: false });
    const connection: BlockingConnection = { redis, clientId: undefined };
    this.all.add(connection);
    redis.on('error', (error: unknown) => this.onError(error, 'blocking connection'));
    const readId = async (): Promise<void> => {
      connection.clientId = undefined;
      connection.clientId = Number(await redis.call('CLIENT', ['ID']));
    };
    redis.on('ready', () => readId().catch((error: unknown) => this.onError(error, 'CLIENT ID')));
    try {
      await readId();
    } catch (error) {
      this.all.delete(connection); // Redis unreachable: do not keep a connection retrying forever
      redis.disconnect();
      throw error;
    }
    return connection;
  }

  private release(connection: BlockingConnection): void {
    if (this.closed || !this.all.has(connection)) {
      connection.redis.disconnect();
      return;
    }
    this.idle.push(connection);
  }
}
