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
  /** A script of several statements without parameters (migrations). */
  exec(script: string): Promise<void>;
}

export interface Db extends Queryable {
  /** BEGIN … COMMIT around `fn`; ROLLBACK (and rethrow) when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export const JSON_OIDS = [114, 3802] as const;
