import type { Redis } from 'ioredis';

// Blocking reads (XREADGROUP … BLOCK) hold their connection until they return, so each
// concurrent blocked `consume` gets its own connection, borrowed from this pool; enqueue, ack and
// the reclaim scan stay on the shared command connection and are never stuck behind a block.
//
// Aborting a blocked read uses CLIENT UNBLOCK, sent on the command connection: Redis answers the
// blocked XREADGROUP at once as if its timeout had expired, and the connection stays usable.
// Closing the socket instead would also wake it, but an answer already on the wire would be
// lost (its entries would sit in the pending list until their lease expired) and the
// connection would have to reconnect.

/** How often CLIENT UNBLOCK is repeated while an aborted read has not returned: it may reach
 *  Redis just before the XREADGROUP it targets, and then has nothing to unblock. */
const UNBLOCK_RETRY_MS = 20;

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
    private readonly onError: (error: unknown, context: string) => void,
  ) {}

  /** Run `read` on a connection of its own; aborting `signal` makes Redis answer it early. */
  async run<T>(signal: AbortSignal | undefined, read: (redis: Redis) => Promise<T>): Promise<T> {
    const connection = this.idle.pop() ?? (await this.open());
    let unblockTimer: NodeJS.Timeout | undefined;
    const unblock = (): void => {
      if (connection.clientId !== undefined) {
        this.commands.call('CLIENT', ['UNBLOCK', connection.clientId]).catch((error: unknown) => this.onError(error, 'CLIENT UNBLOCK'));
      }
    };
    const onAbort = (): void => {
      unblock();
      unblockTimer = setInterval(unblock, UNBLOCK_RETRY_MS);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      return await read(connection.redis);
    } finally {
      signal?.removeEventListener('abort', onAbort);
      clearInterval(unblockTimer);
      this.release(connection);
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
    const redis = this.commands.duplicate();
    const connection: BlockingConnection = { redis, clientId: undefined };
    this.all.add(connection);
    redis.on('error', (error: unknown) => this.onError(error, 'blocking connection'));
    const readId = async (): Promise<void> => {
      connection.clientId = undefined;
      connection.clientId = Number(await redis.call('CLIENT', ['ID']));
    };
    redis.on('ready', () => readId().catch((error: unknown) => this.onError(error, 'CLIENT ID')));
    await readId();
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
