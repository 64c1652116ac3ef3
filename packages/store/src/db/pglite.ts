// PGlite adapter. PGlite is one Postgres backend behind one connection: statements of two
// transactions must never interleave, so every statement and every transaction runs under one
// in-process mutex (statements inside a transaction use the transaction's handle, not the mutex);
// a single statement waits for the transaction that holds it, not for those queued (mutex.ts).
//
// The backend runs in a worker thread (pglite-worker.mjs): each crossing into it costs ~0.7 ms of
// the thread it runs on, and on the main thread that time lengthened every turn of the event loop
// (libuv accepts one new connection per turn, so a burst of new connections waited seconds). The
// worker only executes: it answers wire-protocol bytes with the backend's raw answer (transferred,
// not copied), and everything else stays here — prepared statements, serialising parameters,
// reading the answer (pglite-protocol.ts).
//
// Statements go to the backend as wire-protocol messages (as PGlite's execProtocol), not through
// PGlite's query(): that one parses, plans and describes every statement anew and crosses into
// the WASM backend six times per statement. Here each SQL text is prepared once per backend (a
// named statement, as node-postgres does) and a statement is one crossing: Bind, Describe,
// Execute, Sync. Inside a transaction, writes (`write`) and queries whose rows are wanted only after
// the commit (`queryAtCommit`) are held and go with the next query or with the COMMIT — BEGIN with
// the first — and queries issued before that crossing's turn (the runner's lock and its checks) go
// in it too: a runner batch is one crossing when it waits for nothing before its commit (decided
// on remembered runs, a start decided on the runs as inserted) and two when it reads its runs first.
// Rows are read with PGlite's parsers (its array types' too) as its parseResults reads them, so they
// look exactly as query() returned them; errors are a DatabaseError (SQLSTATE in `code`, the
// class node-postgres throws on PostgreSQL), the first one of a crossing, as execProtocol throws.
//
// The wire messages are written and read by node-postgres's pg-protocol, not by the copy PGlite
// bundles: the same messages (a Bind names its one result format, text, where PGlite's names
// none), the same answers read field for field (tests/pglite-protocol.test.ts), at a tenth of the
// main thread's time — PGlite's writer and reader go through TextEncoder, TextDecoder and a
// DataView per value (a Bind of a 5 KB run state 40 vs 4 µs, an answer of five such rows 106 vs
// 10 µs), and the main thread is what limits `npm start` under load.
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { parse } from '@electric-sql/pglite';
import { serialize } from 'pg-protocol';
import { Mutex } from './mutex.ts';
import { answerOf, joined, readResults, valueCodecs, type BackendMessage, type Parsers, type ReadResult, type Serializers } from './pglite-protocol.ts';
import type { Db, Queryable, Row } from './types.ts';

export async function openPglite(dataDir?: string): Promise<Db> {
  const { backend, arrayTypes } = await Backend.start(dataDir, await templateFor(dataDir));
  const { parsers, serializers } = valueCodecs(arrayTypes);
  return new PgliteDb(backend, new Session(backend, parsers, serializers));
}

interface Reply {
  id: number;
  bytes?: ArrayBuffer;
  arrayTypes?: { oid: number; typarray: number }[];
  error?: { message: string; code?: string };
}

interface Pending {
  resolve: (reply: Reply) => void;
  reject: (error: Error) => void;
}

/**
 * The worker thread that runs the backend, and the requests it has not answered yet (answered in
 * the order sent). A worker that stops (it crashed, was terminated, or the database was closed)
 * fails what is pending and every later request with why; it never leaves one waiting. The thread
 * keeps the process alive only while a request is pending, as an open PGlite on this thread did
 * not at all.
 */
class Backend {
  readonly #worker: Worker;
  readonly #pending = new Map<number, Pending>();
  #sent = 0;
  #stopped: Error | undefined;

  private constructor(dataDir: string | undefined, assets: PgliteAssets, template: Blob | undefined) {
    // Not the process's own flags (a loader, --eval, a profiler): the thread runs one plain ES module.
    this.#worker = new Worker(new URL('./pglite-worker.mjs', import.meta.url), { workerData: { dataDir, ...assets, ...(template && { template }) }, execArgv: [] });
    this.#worker.on('message', (reply: Reply) => this.#answered(reply));
    this.#worker.on('error', (error) => this.#stop(new Error(`the embedded database's thread (PGlite) failed: ${error.message}`)));
    this.#worker.on('messageerror', (error) => this.#stop(new Error(`the embedded database's thread (PGlite) sent an unreadable answer: ${error.message}`)));
    this.#worker.on('exit', (code) => this.#stop(new Error(`the embedded database's thread (PGlite) stopped (exit code ${code})`)));
  }

  /** A started backend and its array types; rejects as PGlite.create did (the thread is ended). */
  static async start(dataDir: string | undefined, template?: Blob): Promise<{ backend: Backend; arrayTypes: { oid: number; typarray: number }[] }> {
    const backend = new Backend(dataDir, await pgliteAssets(), template);
    try {
      const { arrayTypes } = await backend.#request(0);
      return { backend, arrayTypes: arrayTypes ?? [] };
    } catch (error) {
      await backend.#worker.terminate();
      throw error;
    }
  }

  /** The worker, for tests. */
  get worker(): Worker {
    return this.#worker;
  }

  /** One crossing: `bytes` (handed over: not usable after) in, the backend's raw answer out. */
  async exec(bytes: Uint8Array<ArrayBuffer>, syncToFs: boolean): Promise<ArrayBuffer> {
    return (await this.#send({ bytes: bytes.buffer, syncToFs }, [bytes.buffer])).bytes ?? new ArrayBuffer(0);
  }

  /** The data folder as a tarball (PGlite's dumpDataDir, uncompressed). */
  async dump(): Promise<Uint8Array> {
    return new Uint8Array((await this.#send({ dump: true })).bytes ?? new ArrayBuffer(0));
  }

  /** Closes PGlite, then ends the thread (whatever the close answered). */
  async close(): Promise<void> {
    if (this.#stopped !== undefined) {
      await this.#worker.terminate();
      return;
    }
    try {
      await this.#send({ close: true });
    } finally {
      this.#stop(new Error('the embedded database (PGlite) is closed'));
      await this.#worker.terminate();
    }
  }

  /** Posts a request under a new id (not when the thread is stopped); its reply. */
  #send(request: object, transfer: ArrayBuffer[] = []): Promise<Reply> {
    const id = (this.#sent += 1);
    const reply = this.#request(id);
    if (this.#stopped === undefined) this.#worker.postMessage({ id, ...request }, transfer);
    return reply;
  }

  #request(id: number): Promise<Reply> {
    if (this.#stopped !== undefined) return Promise.reject(this.#stopped);
    return new Promise<Reply>((resolve, reject) => {
      if (this.#pending.size === 0) this.#worker.ref();
      this.#pending.set(id, { resolve, reject });
    });
  }

  #answered(reply: Reply): void {
    const pending = this.#pending.get(reply.id);
    if (pending === undefined) return;
    this.#pending.delete(reply.id);
    if (this.#pending.size === 0) this.#worker.unref();
    if (reply.error === undefined) pending.resolve(reply);
    else pending.reject(Object.assign(new Error(reply.error.message), reply.error.code === undefined ? {} : { code: reply.error.code }));
  }

  #stop(reason: Error): void {
    this.#stopped ??= reason;
    this.#worker.unref();
    for (const pending of this.#pending.values()) pending.reject(this.#stopped);
    this.#pending.clear();
  }
}

/** What PGlite loads at each start, loaded and compiled once per process and handed to every thread. */
interface PgliteAssets {
  pgliteWasmModule: WebAssembly.Module;
  initdbWasmModule: WebAssembly.Module;
  fsBundle: Blob;
}

let assets: Promise<PgliteAssets> | undefined;
/** WebAssembly.compile (the TypeScript libraries here declare WebAssembly's types, not its functions). */
const compileWasm = (globalThis as unknown as { WebAssembly: { compile(bytes: Uint8Array): Promise<WebAssembly.Module> } }).WebAssembly.compile;

/**
 * PGlite's WebAssembly modules and file-system bundle: a thread of its own would otherwise compile
 * the 9 MB backend again at every start (~2 s of CPU; the test suite opens hundreds of databases).
 */
function pgliteAssets(): Promise<PgliteAssets> {
  assets ??= (async () => {
    const dist = dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite'));
    const [pglite, initdb, bundle] = await Promise.all(['pglite.wasm', 'initdb.wasm', 'pglite.data'].map((file) => readFile(join(dist, file))));
    const [pgliteWasmModule, initdbWasmModule] = await Promise.all([compileWasm(pglite!), compileWasm(initdb!)]);
    return { pgliteWasmModule, initdbWasmModule, fsBundle: new Blob([bundle!]) };
  })();
  // A failed load is not kept: the next open tries again (and reports its own error).
  assets.catch(() => (assets = undefined));
  return assets;
}

const templates = new Map<string, Promise<Blob>>();

/**
 * What a database opened at `dataDir` starts from: the tarball BATON_PGLITE_TEMPLATE names when
 * the database is new (in memory, or a folder without one yet), read once per process. Starting
 * from it skips initdb — about 1.4 s of the ~2 s of CPU a new database costs; the test suite,
 * which opens hundreds, makes one at its start (writePgliteTemplate).
 */
async function templateFor(dataDir: string | undefined): Promise<Blob | undefined> {
  const file = process.env.BATON_PGLITE_TEMPLATE;
  if (file === undefined || file === '' || (dataDir !== undefined && existsSync(join(dataDir, 'PG_VERSION')))) return undefined;
  let template = templates.get(file);
  if (template === undefined) {
    template = readFile(file).then(
      (bytes) => new Blob([bytes]),
      (error: Error) => {
        templates.delete(file);
        throw new Error(`BATON_PGLITE_TEMPLATE names ${file}, which cannot be read: ${error.message}`);
      },
    );
    templates.set(file, template);
  }
  return template;
}

/** Writes a template for BATON_PGLITE_TEMPLATE: a new database, as initdb makes it, as a tarball. */
export async function writePgliteTemplate(file: string): Promise<void> {
  const { backend } = await Backend.start(undefined);
  try {
    await writeFile(file, await backend.dump());
  } finally {
    await backend.close();
  }
}

interface Prepared {
  name: string;
  /** The parameters' type oids, as the backend inferred them (how each value is serialised). */
  types: number[];
}

/**
 * The one backend session: its prepared statements, and the protocol round trips into it, one at a
 * time (statements of one transaction may be issued together; their round trips must not interleave).
 */
class Session {
  /** SQL text → its prepared statement (named when asked for first, so two callers share one). */
  readonly #statements = new Map<string, Promise<Prepared>>();
  #named = 0;

  constructor(
    readonly backend: Backend,
    readonly parsers: Parsers,
    readonly serializers: Serializers,
  ) {}

  /** Bind, Describe and Execute of `sql` with `params` (prepared on first use). */
  async statement(sql: string, params: readonly unknown[]): Promise<Uint8Array[]> {
    const prepared = await this.#prepared(sql);
    const values = params.map((param, i) => this.#serialize(param, prepared.types[i]));
    return [serialize.bind({ statement: prepared.name, values }), serialize.describe({ type: 'P' }), serialize.execute({})];
  }

  /** Sends `messages` and a Sync; the rows and command tag of each statement, in order. Throws the first error. */
  async sendAll(messages: Uint8Array[], syncToFs: boolean): Promise<ReadResult[]> {
    return readResults(await this.#exec([...messages, serialize.sync()], syncToFs), this.parsers);
  }

  /** A script of statements without parameters (simple query protocol), after `before`; the result of each statement, the script's last. */
  async script(before: Uint8Array[], script: string, syncToFs: boolean): Promise<ReadResult[]> {
    const head = before.length > 0 ? [...before, serialize.sync()] : [];
    return readResults(await this.#exec([...head, serialize.query(script)], syncToFs), this.parsers);
  }

  /** One crossing; the backend answers crossings in the order they are sent (this one after those sent before). */
  async #exec(messages: Uint8Array[], syncToFs: boolean): Promise<BackendMessage[]> {
    return answerOf(await this.backend.exec(joined(messages), syncToFs));
  }

  #prepared(sql: string): Promise<Prepared> {
    let prepared = this.#statements.get(sql);
    if (prepared === undefined) {
      const name = `baton_${(this.#named += 1)}`;
      prepared = this.#exec([serialize.parse({ name, text: sql }), serialize.describe({ type: 'S', name }), serialize.sync()], false).then((messages) => ({
        name,
        types: parse.parseDescribeStatementResults(messages),
      }));
      this.#statements.set(sql, prepared);
      // A statement the backend refused is not kept: the next use reports its error again.
      prepared.catch(() => this.#statements.delete(sql));
    }
    return prepared;
  }

  /** As PGlite's query() serialises a parameter: by the type the backend gave it. */
  #serialize(value: unknown, oid: number | undefined): string | null {
    if (value === null || value === undefined) return null;
    const serializer = oid === undefined ? undefined : this.serializers[oid];
    return serializer ? serializer(value) : String(value);
  }
}

/** Statements outside a transaction: each its own round trip, synced to the data folder. */
function direct(session: Session): Queryable {
  return {
    async query<R extends Row>(sql: string, params: readonly unknown[] = []): Promise<R[]> {
      return ((await session.sendAll(await session.statement(sql, params), true))[0]?.rows ?? []) as R[];
    },
    async write(sql: string, params: readonly unknown[] = []): Promise<void> {
      await this.query(sql, params);
    },
    async exec(script: string): Promise<void> {
      await session.script([], script, true);
    },
  };
}

/**
 * The statements of one transaction, sent in the order they were issued — however long a new
 * statement takes to prepare, and whether or not the caller waits for one before issuing the next
 * (the runner issues a batch's checks together). A query goes into the thread at once (its caller
 * waits: the PGlite connection is the database's only one, and every other caller waits with it)
 * with everything held before it and the queries issued before its turn; writes and queries at
 * commit are held and go with the next send, the COMMIT's (or exec's) included — a query at commit
 * at the latest when the turn it was asked in ends — each query answered its own rows. A batch that
 * waits for nothing before its commit is then one crossing into the backend's thread. The first
 * statement that fails is what the queries of its crossing and the commit throw (PostgreSQL has
 * aborted the transaction by then).
 */
class TransactionHandle implements Queryable {
  #held: Held[] = [{ messages: Promise.resolve([serialize.query('BEGIN')]) }];
  /** The send that takes what is held, asked for and not begun: queries issued meanwhile go with it. */
  #next: Promise<ReadResult[]> | undefined;
  /** A send of what is held is asked for at the end of this turn (a query at commit is never held longer). */
  #flushing = false;
  /** The last send issued: the next one goes after it. */
  #order: Promise<unknown> = Promise.resolve();
  /** Whether anything (BEGIN first) was handed on to be sent. */
  #sent = false;

  constructor(private readonly session: Session) {}

  query<R extends Row>(sql: string, params: readonly unknown[] = []): Promise<R[]> {
    const answered = this.#holdQuery<R>(sql, params);
    if (this.#next === undefined) {
      this.#next = this.#send((messages) => this.session.sendAll(messages, false), () => (this.#next = undefined));
      this.#next.catch(() => undefined); // each query taken is answered with the failure
    }
    return answered;
  }

  queryAtCommit<R extends Row>(sql: string, params: readonly unknown[] = []): Promise<R[]> {
    const answered = this.#holdQuery<R>(sql, params);
    // Not held past the turn it was asked in: a caller that waits for it before its commit is answered.
    if (!this.#flushing) {
      this.#flushing = true;
      setImmediate(() => {
        this.#flushing = false;
        if (this.#held.some((held) => held.answer !== undefined)) void this.#send((messages) => this.session.sendAll(messages, false)).catch(() => undefined);
      });
    }
    return answered;
  }

  write(sql: string, params: readonly unknown[] = []): Promise<void> {
    this.#hold(this.session.statement(sql, params));
    return Promise.resolve();
  }

  async exec(script: string): Promise<void> {
    await this.#send((messages) => this.session.script(messages, script, false));
  }

  /** COMMIT behind what is held. Throws when a statement failed (PostgreSQL answers an aborted transaction's COMMIT with ROLLBACK). */
  async commit(): Promise<void> {
    const results = await this.#send((messages) => this.session.script(messages, 'COMMIT', true));
    const command = results.at(-1)?.command;
    if (command !== 'COMMIT') throw new Error(`the transaction was not committed (the server answered ${command ?? 'nothing'})`);
  }

  /** Rolls back once what was sent is done; what was held is dropped unsent (BEGIN too, when nothing was sent yet), its queries failed. */
  async rollback(): Promise<void> {
    const dropped = this.#held;
    this.#held = [];
    for (const held of dropped) held.answer?.reject(new Error('the transaction ended before this statement was sent'));
    if (this.#sent) await this.#inTurn(() => this.session.script([], 'ROLLBACK', true));
  }

  /** Holds a query until the next send, which answers it. */
  #holdQuery<R extends Row>(sql: string, params: readonly unknown[]): Promise<R[]> {
    return new Promise<Row[]>((resolve, reject) => this.#hold(this.session.statement(sql, params), { resolve, reject })) as Promise<R[]>;
  }

  /** Holds a statement (one result each, BEGIN too) until the next send; a query with how to answer it. */
  #hold(statement: Promise<Uint8Array[]>, answer?: Held['answer']): void {
    statement.catch(() => undefined); // reported by the send that takes it
    this.#held.push({ messages: statement, ...(answer && { answer }) });
  }

  /**
   * In its turn, sends everything held then (in issue order) through `exchange`, and answers each
   * query taken with its rows — or, when the crossing fails, with its error, which is thrown too.
   */
  #send(exchange: (messages: Uint8Array[]) => Promise<ReadResult[]>, onTake?: () => void): Promise<ReadResult[]> {
    return this.#inTurn(async () => {
      // Taken when its turn comes: what was held meanwhile goes too.
      onTake?.();
      const taken = this.#held;
      this.#held = [];
      this.#sent = true;
      try {
        const results = await exchange(await messagesOf(taken.map((held) => held.messages)));
        taken.forEach((held, i) => held.answer?.resolve(results[i]?.rows ?? []));
        return results;
      } catch (error) {
        for (const held of taken) held.answer?.reject(error);
        throw error;
      }
    });
  }

  #inTurn<T>(send: () => Promise<T>): Promise<T> {
    const turn = this.#order.then(send);
    this.#order = turn.catch(() => undefined);
    return turn;
  }
}

interface Held {
  messages: Promise<Uint8Array[]>;
  /** A query's: settled by the send that takes it. */
  answer?: { resolve: (rows: Row[]) => void; reject: (error: unknown) => void };
}

/** The messages of held statements, in order; throws the first that could not be prepared. */
async function messagesOf(parts: readonly Promise<Uint8Array[]>[]): Promise<Uint8Array[]> {
  const messages: Uint8Array[] = [];
  for (const part of parts) messages.push(...(await part));
  return messages;
}

class PgliteDb implements Db {
  readonly #backend: Backend;
  readonly #session: Session;
  readonly #direct: Queryable;
  readonly #mutex = new Mutex();

  constructor(backend: Backend, session: Session) {
    this.#backend = backend;
    this.#session = session;
    this.#direct = direct(session);
    workers.set(this, backend.worker);
  }

  query<R extends Row = Row>(sql: string, params?: readonly unknown[]): Promise<R[]> {
    return this.#mutex.run(() => this.#direct.query<R>(sql, params), true);
  }

  write(sql: string, params?: readonly unknown[]): Promise<void> {
    return this.#mutex.run(() => this.#direct.write(sql, params), true);
  }

  exec(script: string): Promise<void> {
    return this.#mutex.run(() => this.#direct.exec(script), true);
  }

  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.#mutex.run(async () => {
      const tx = new TransactionHandle(this.#session);
      try {
        const result = await fn(tx);
        await tx.commit();
        return result;
      } catch (error) {
        // A failed ROLLBACK leaves the original error the one to report.
        await tx.rollback().catch(() => undefined);
        throw error;
      }
    });
  }

  close(): Promise<void> {
    return this.#mutex.run(() => this.#backend.close());
  }
}

const workers = new WeakMap<Db, Worker>();

/** The thread that runs a database opened by openPglite (tests end it to see what callers get). */
export function pgliteWorker(db: Db): Worker | undefined {
  return workers.get(db);
}
