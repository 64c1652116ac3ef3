// The SQL adapter layer: the only thing the queries see. Two implementations (node-postgres and
// PGlite) run the same SQL text.
//
// Conventions every implementation follows, so that rows look the same on both drivers:
//   - json/jsonb columns come back as their raw text (the queries JSON.parse them), so that SQL
//     NULL (absent) and JSON null stay distinct;
//   - timestamptz columns come back as Date;
//   - parameters are passed as given; jsonb parameters are sent as JSON text (`$1::text::jsonb`).

export type Row = Record<string, unknown>;

export interface Queryable {
  /** One parameterised statement. */
  query<R extends Row = Row>(sql: string, params?: readonly unknown[]): Promise<R[]>;
  /**
   * One parameterised statement whose rows nobody reads (an INSERT or UPDATE without RETURNING).
   * Inside a PostgreSQL transaction it is sent at once and not waited for: what follows it — the
   * next statements, the COMMIT — goes out behind it on the same connection, so a batch of writes
   * and its commit cost one round trip (pipelining). Its failure fails the next statement awaited,
   * or the commit (the transaction rolls back either way). Elsewhere (PGlite, outside a
   * transaction) it is `query` without the rows.
   */
  write(sql: string, params?: readonly unknown[]): Promise<void>;
  /**
   * A query whose rows its caller usually waits for only once the transaction has committed (the
   * rows a batch's INSERT returns, the transaction's id): held as a write is, it goes with the
   * statements sent after it in the same turn of the event loop — the COMMIT too — and is answered
   * by that send, or alone when the turn ends. Without it (or outside a transaction) `query` is
   * what a caller uses.
   */
  queryAtCommit?<R extends Row = Row>(sql: string, params?: readonly unknown[]): Promise<R[]>;
  /** A script of several statements without parameters (migrations). */
  exec(script: string): Promise<void>;
}

/** `sql` on `db` as a query at commit where it has them (Queryable.queryAtCommit), else as a query. */
export function queryAtCommit<R extends Row = Row>(db: Queryable, sql: string, params?: readonly unknown[]): Promise<R[]> {
  return db.queryAtCommit ? db.queryAtCommit<R>(sql, params) : db.query<R>(sql, params);
}

/** How a runner transaction plans (SqlStore's transaction explains why). */
export const KEY_LOOKUP_SETTINGS = { enable_seqscan: 'off', jit: 'off', plan_cache_mode: 'force_generic_plan' } as const;

export interface Db extends Queryable {
  /** Every session plans with KEY_LOOKUP_SETTINGS already (a transaction need not set them). */
  readonly keyLookups?: boolean;
  /** BEGIN … COMMIT around `fn`; ROLLBACK (and rethrow) when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export const JSON_OIDS = [114, 3802] as const;
