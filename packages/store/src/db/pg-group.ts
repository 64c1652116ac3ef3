// Several statements of one transaction sent to PostgreSQL with ONE Sync (the extended query
// protocol's pipeline): Parse (first use on the connection) / Bind / Describe / Execute for each,
// then a single Sync. PostgreSQL answers the whole group in one flush — one TCP segment the client
// wakes for once — where a Sync per statement (node-postgres's own queries) makes it answer each
// statement in a segment of its own, and the client wake for each: on a machine where a wake-up
// costs tens of µs, that was most of a runner transaction's system time.
//
// The group runs on a node-postgres client as one query (a pg Query subclass, the only kind its
// pipeline mode accepts), so the client routes every message up to the group's ReadyForQuery to it.
// Errors: PostgreSQL skips everything after a failed statement up to the Sync; the failed
// statement gets the server's error, the ones behind it an error that says they were not run.
import pg from 'pg';
import { serialize } from 'pg-protocol';
import pgUtils from 'pg/lib/utils.js';
import { pgParamText } from './array-text.ts';
import type { Row } from './types.ts';

/** What the connection keeps of the named statements it prepared (node-postgres's Connection). */
export interface PgConnection {
  stream: { write(chunk: Buffer): boolean };
  parsedStatements: Record<string, string>;
  submittedNamedStatements: Record<string, string>;
}

interface FieldDescription {
  name: string;
  dataTypeID: number;
  format?: string;
}

export interface StatementResult {
  rows: Row[];
  /** The command tag's command (INSERT, COMMIT, ROLLBACK …). */
  command: string;
}

/** Turns a column's text into its value (the pool's type parsers). */
export type TypeParsers = { getTypeParser(oid: number, format: 'text'): (text: string) => unknown };

/** The error of a statement PostgreSQL did not run because one before it in its group failed. */
export class StatementSkipped extends Error {
  constructor(cause: unknown) {
    super(`not run: an earlier statement of the transaction failed (${cause instanceof Error ? cause.message : String(cause)})`, { cause });
    this.name = 'StatementSkipped';
  }
}

interface Statement {
  sql: string;
  name: string;
  params: readonly unknown[];
  resolve: (result: StatementResult) => void;
  reject: (error: unknown) => void;
  /** Its Parse is in this group (its first use on the connection). */
  parsedHere: boolean;
  rows: Row[];
  parsers?: ((text: string) => unknown)[];
  names?: string[];
  /** A column that could not be parsed: the statement's error once it completes. */
  rowError?: unknown;
}

const DESCRIBE_PORTAL = serialize.describe({ type: 'P', name: '' });
const EXECUTE_PORTAL = serialize.execute({ portal: '', rows: 0 });
const SYNC = serialize.sync();
/** node-postgres's parameter text; flat arrays of scalars written in one pass (array-text.ts). */
const prepareValue = pgParamText(pgUtils.prepareValue);
const QueryBase = pg.Query as unknown as new (config: { text: string }) => object;

const statementNames = new Map<string, string>();
/** One prepared statement name per SQL text, for every connection of the process. */
function statementName(sql: string): string {
  let name = statementNames.get(sql);
  if (name === undefined) {
    name = `baton_${statementNames.size + 1}`;
    statementNames.set(sql, name);
  }
  return name;
}

export class StatementGroup extends QueryBase {
  readonly #statements: Statement[] = [];
  readonly #types: TypeParsers;
  /** The statement the next answer is for. */
  #current = 0;
  #ended = false;
  /**
   * After an error in a statement whose Parse was in this group, whether PostgreSQL kept its
   * prepared statement is not known: the connection's statement cache cannot be trusted, and the
   * connection should be closed instead of reused.
   */
  uncertain = false;

  constructor(types: TypeParsers) {
    super({ text: '(statement group)' });
    this.#types = types;
  }

  /** Adds a statement; its promise settles when the group's answer for it arrives. */
  add(sql: string, params: readonly unknown[]): Promise<StatementResult> {
    return new Promise((resolve, reject) => {
      // A statement without parameters is parsed each time, unnamed (BEGIN, COMMIT, a text built
      // with its values in it): naming it would keep one prepared statement per such text forever.
      this.#statements.push({ sql, name: params.length === 0 ? '' : statementName(sql), params, resolve, reject, parsedHere: false, rows: [] });
    });
  }

  /** Called by the client: writes the whole group in one buffer (nothing is written when a value cannot be sent). */
  submit(connection: PgConnection): Error | null {
    const parts: Buffer[] = [];
    const parsing = new Map<string, Statement>();
    try {
      for (const s of this.#statements) {
        if (s.name === '') parts.push(serialize.parse({ name: '', text: s.sql }));
        else if (connection.parsedStatements[s.name] === undefined && connection.submittedNamedStatements[s.name] === undefined && !parsing.has(s.name)) {
          parts.push(serialize.parse({ name: s.name, text: s.sql }));
          parsing.set(s.name, s);
        }
        parts.push(serialize.bind({ statement: s.name, values: s.params as unknown[], valueMapper: prepareValue }), DESCRIBE_PORTAL, EXECUTE_PORTAL);
      }
    } catch (error) {
      return error instanceof Error ? error : new Error(String(error));
    }
    parts.push(SYNC);
    for (const s of parsing.values()) {
      s.parsedHere = true;
      connection.submittedNamedStatements[s.name] = s.sql;
    }
    connection.stream.write(Buffer.concat(parts));
    return null;
  }

  handleRowDescription(msg: { fields: FieldDescription[] }): void {
    const s = this.#statements[this.#current];
    if (!s) return;
    s.names = msg.fields.map((f) => f.name);
    s.parsers = msg.fields.map((f) => this.#types.getTypeParser(f.dataTypeID, 'text'));
  }

  handleDataRow(msg: { fields: (string | null)[] }): void {
    const s = this.#statements[this.#current];
    if (!s || s.rowError !== undefined || !s.names || !s.parsers) return;
    const row: Row = {};
    try {
      for (let i = 0; i < msg.fields.length; i += 1) {
        const text = msg.fields[i];
        row[s.names[i]!] = text === null || text === undefined ? null : s.parsers[i]!(text);
      }
    } catch (error) {
      s.rowError = error;
      return;
    }
    s.rows.push(row);
  }

  handleCommandComplete(msg: { text: string }, connection: PgConnection): void {
    this.#complete(/^[A-Za-z]+/.exec(msg.text)?.[0] ?? '', connection);
  }

  handleEmptyQuery(connection: PgConnection): void {
    this.#complete('', connection);
  }

  /** A server error (the client has already let go of the group), a connection error, or a value that could not be sent. */
  handleError(error: unknown, connection?: PgConnection): void {
    if (this.#ended) return;
    this.#ended = true;
    const failed = this.#statements[this.#current];
    if (failed) {
      if (failed.parsedHere) {
        this.uncertain = true;
        if (connection) delete connection.submittedNamedStatements[failed.name];
      }
      failed.reject(error);
    }
    for (const s of this.#statements.slice(this.#current + 1)) {
      // PostgreSQL skipped it, its Parse with it: the name was never prepared.
      if (s.parsedHere && connection) delete connection.submittedNamedStatements[s.name];
      s.reject(new StatementSkipped(error));
    }
  }

  handleReadyForQuery(connection: PgConnection): void {
    if (this.#ended) return;
    if (this.#current < this.#statements.length) {
      this.handleError(new Error(`the server ended a statement group after ${this.#current} of its ${this.#statements.length} statements`), connection);
      this.uncertain = true;
      return;
    }
    this.#ended = true;
  }

  handlePortalSuspended(connection: PgConnection): void {
    this.handleError(new Error('a statement of a group was suspended (a row limit is never asked for)'), connection);
  }

  handleCopyInResponse(connection: PgConnection & { sendCopyFail(message: string): void }): void {
    connection.sendCopyFail('COPY is not supported in a statement group');
  }

  handleCopyData(): void {}

  #complete(command: string, connection: PgConnection): void {
    const s = this.#statements[this.#current];
    if (!s || this.#ended) return;
    this.#current += 1;
    if (s.parsedHere) {
      connection.parsedStatements[s.name] = s.sql;
      delete connection.submittedNamedStatements[s.name];
    }
    if (s.rowError !== undefined) s.reject(s.rowError);
    else s.resolve({ rows: s.rows, command });
  }
}
