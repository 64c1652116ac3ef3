// node-postgres adapter: a Pool; a transaction holds one client from BEGIN to COMMIT/ROLLBACK.
// Every statement goes out as a statement group (pg-group.ts) on a pooled client: parameterised
// ones as named prepared statements (one name per SQL text), so the server parses and plans each
// hot statement once per connection instead of once per call; those without parameters unnamed.
// Inside a transaction, the statements of one turn of the event loop go out together as one
// group: one write, one Sync, one answer — BEGIN with the transaction's first reads, its writes
// with the COMMIT. Statements whose rows nobody reads (`write`) are not waited for: the statements
// after them — the COMMIT too — follow in the same group or behind it on the wire (the client runs
// in pipeline mode), so a batch of writes and its commit cost one round trip. A query at commit
// (`queryAtCommit`) goes out as a write does and is answered with its rows.
import pg from 'pg';
import type { PoolClient, PoolConfig } from 'pg';
import { StatementGroup } from './pg-group.ts';
import type { StatementResult } from './pg-group.ts';
import { JSON_OIDS, KEY_LOOKUP_SETTINGS } from './types.ts';
import type { Db, Queryable, Row } from './types.ts';

export interface PostgresConnection {
  connectionString?: string;
  host?: string;
  port?: number;
  user?: string;
  password?: string;
  database?: string;
  poolSize?: number;
  /**
   * The server ends a session that holds a transaction open without sending anything for this
   * long (a hung process must not keep runs locked forever). Default 60 s; 0 disables it.
   */
  idleInTransactionTimeoutMs?: number;
  /** Errors of idle pooled connections (server restart, network); the pool replaces them. */
  onIdleError?: (error: Error) => void;
  /**
   * Every session of the pool plans for key lookups — sequential scans and JIT off (SqlStore's
   * transaction explains why) — instead of each transaction saying so: for a process whose
   * statements all find rows by key (the workflow-runner), not one that also serves listings.
   */
  keyLookups?: boolean;
}

const jsonOids: ReadonlySet<number> = new Set(JSON_OIDS);
const rawText = (text: string): string => text;
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    jsonOids.has(oid) ? rawText : pg.types.getTypeParser(oid, format ?? 'text')) as typeof pg.types.getTypeParser,
};

/**
 * The statements of one transaction on its client. Those of one turn are sent together as one
 * statement group when the turn ends (or at once by commit and exec). Writes are not waited for;
 * the first one that fails is what the next awaited statement and the commit throw (PostgreSQL
 * has aborted the transaction by then: the statements behind it were not run).
 */
class TransactionHandle implements Queryable {
  readonly #client: PoolClient;
  /** The group of this turn, not sent yet. */
  #pending: StatementGroup | undefined;
  readonly #sent: StatementGroup[] = [];
  /** Writes on the wire, each settled without rejecting (a failure is kept in #failure). */
  readonly #writes: Promise<void>[] = [];
  #failure: { error: unknown } | undefined;

  constructor(client: PoolClient) {
    this.#client = client;
  }

  /**
   * Whether a failed group left the connection's prepared statements unknown (a statement failed
   * in the group that prepared it): such a connection is closed instead of pooled.
   */
  get uncertain(): boolean {
    return this.#sent.some((group) => group.uncertain);
  }

  /** BEGIN, not waited for: the transaction's first statements go in the same group. */
  begin(): void {
    void this.write('BEGIN');
  }

  async query<R extends Row>(sql: string, params: readonly unknown[] = []): Promise<R[]> {
    try {
      return (await this.#add(sql, params)).rows as R[];
    } catch (error) {
      throw await this.#firstFailure(error);
    }
  }

  /**
   * A query sent as a write is — not waited for before what follows, its failure the commit's (the
   * first on the wire) — answered with its rows: the rows a batch reads once it has committed.
   */
  queryAtCommit<R extends Row>(sql: string, params: readonly unknown[] = []): Promise<R[]> {
    const answer = this.#add(sql, params);
    this.#tracked(answer);
    return answer.then(
      (result) => result.rows as R[],
      async (error: unknown) => {
        throw await this.#firstFailure(error);
      },
    );
  }

  write(sql: string, params: readonly unknown[] = []): Promise<void> {
    this.#tracked(this.#add(sql, params));
    return Promise.resolve();
  }

  /** A statement on the wire that the commit waits for: settled without rejecting, its failure kept in #failure. */
  #tracked(answer: Promise<StatementResult>): void {
    const sent = answer.then(
      () => undefined,
      (error: unknown) => {
        this.#failure ??= { error };
      },
    );
    this.#writes.push(sent);
  }

  async exec(script: string): Promise<void> {
    this.#send();
    try {
      await this.#client.query(script);
    } catch (error) {
      throw await this.#firstFailure(error);
    }
  }

  /** COMMIT behind the writes still on the wire. Throws when any write failed (the COMMIT of an aborted transaction rolls it back). */
  async commit(): Promise<void> {
    const committed = this.#add('COMMIT', []);
    this.#send();
    await Promise.all(this.#writes);
    let result: StatementResult;
    try {
      result = await committed;
    } catch (error) {
      throw this.#failure?.error ?? error;
    }
    if (this.#failure) throw this.#failure.error;
    if (result.command !== 'COMMIT') throw new Error(`the transaction was not committed (the server answered ${result.command})`);
  }

  /** The transaction ends without its commit: what was not sent yet never is (it would run after the ROLLBACK). */
  abandon(): void {
    const pending = this.#pending;
    this.#pending = undefined;
    pending?.handleError(new Error('the transaction ended before this statement was sent'));
  }

  #add(sql: string, params: readonly unknown[]): Promise<StatementResult> {
    if (!this.#pending) {
      this.#pending = new StatementGroup(types);
      setImmediate(() => this.#send());
    }
    return this.#pending.add(sql, params);
  }

  #send(): void {
    const group = this.#pending;
    if (!group) return;
    this.#pending = undefined;
    this.#sent.push(group);
    void this.#client.query(group as unknown as pg.QueryConfig);
  }

  /** The first write's failure if there was one (it came first on the wire), else `error`. */
  async #firstFailure(error: unknown): Promise<unknown> {
    await Promise.all(this.#writes);
    return this.#failure?.error ?? error;
  }
}

export function openPostgres(connection: PostgresConnection): Db {
  const config: PoolConfig = {
    max: connection.poolSize ?? 10,
    types,
    pipeline: true,
    application_name: 'baton',
    idle_in_transaction_session_timeout: connection.idleInTransactionTimeoutMs ?? 60_000,
    ...(connection.keyLookups && { options: KEY_LOOKUP_OPTIONS }),
    ...(connection.connectionString !== undefined
      ? { connectionString: connection.connectionString }
      : {
          host: connection.host,
          port: connection.port,
          user: connection.user,
          password: connection.password,
          database: connection.database,
        }),
  };
  const pool = new pg.Pool(config);
  pool.on('error', connection.onIdleError ?? (() => undefined));
  return new PostgresDb(pool, connection.keyLookups === true);
}

/** Releases a client to be closed, not pooled: a failed group left its prepared statements unknown. */
const UNCERTAIN = () => new Error('a failed statement group left the prepared statements of the connection unknown');

/** The settings of KEY_LOOKUP_SETTINGS as a session's startup options. */
const KEY_LOOKUP_OPTIONS = Object.entries(KEY_LOOKUP_SETTINGS).map(([name, value]) => `-c ${name}=${value}`).join(' ');

class PostgresDb implements Db {
  readonly #pool: pg.Pool;
  readonly keyLookups: boolean;

  constructor(pool: pg.Pool, keyLookups: boolean) {
    this.#pool = pool;
    this.keyLookups = keyLookups;
  }

  async query<R extends Row = Row>(sql: string, params: readonly unknown[] = []): Promise<R[]> {
    return (await this.#single(sql, params)).rows as R[];
  }

  async write(sql: string, params: readonly unknown[] = []): Promise<void> {
    await this.#single(sql, params);
  }

  /** One statement outside a transaction: a group of one on a client of the pool. */
  async #single(sql: string, params: readonly unknown[]): Promise<StatementResult> {
    const { client, failure } = await this.#checkout();
    const group = new StatementGroup(types);
    const answer = group.add(sql, params);
    try {
      void client.query(group as unknown as pg.QueryConfig);
      return await answer;
    } finally {
      client.off('error', failure.listener);
      client.release(failure.error ?? (group.uncertain ? UNCERTAIN() : undefined));
    }
  }

  async exec(script: string): Promise<void> {
    await this.#pool.query(script);
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    const { client, failure } = await this.#checkout();
    const tx = new TransactionHandle(client);
    try {
      tx.begin();
      const result = await fn(tx);
      await tx.commit();
      return result;
    } catch (error) {
      tx.abandon();
      // A failed ROLLBACK means the connection is unusable: destroy it instead of pooling it.
      await client.query('ROLLBACK').catch((rollbackError: Error) => (failure.error ??= rollbackError));
      throw error;
    } finally {
      client.off('error', failure.listener);
      client.release(failure.error ?? (tx.uncertain ? UNCERTAIN() : undefined));
    }
  }

  /**
   * A client of its own, with an 'error' listener from the moment the pool hands it over. A
   * checked-out client has no pool listener: without one, the server ending the session
   * (pg_terminate_backend, a restart) is an unhandled 'error' event that ends the process. The
   * listener is attached in the pool's callback, synchronously: a new connection's first packets
   * (ReadyForQuery, then the server's termination in the same read) are parsed in one go, before
   * the continuation of an awaited connect() would run.
   */
  #checkout(): Promise<{ client: PoolClient; failure: { error: Error | undefined; listener: (error: Error) => void } }> {
    return new Promise((resolve, reject) => {
      this.#pool.connect((error, client) => {
        if (error || !client) return reject(error ?? new Error('the pool gave no client'));
        const failure = {
          error: undefined as Error | undefined,
          listener: (cause: Error) => {
            failure.error ??= cause;
          },
        };
        client.on('error', failure.listener);
        resolve({ client, failure });
      });
    });
  }

  close(): Promise<void> {
    return this.#pool.end();
  }
}
