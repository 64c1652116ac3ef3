// PGlite's backend in a thread of its own (db/pglite.ts starts it and explains why). Plain
// JavaScript: a worker thread does not get the main thread's TypeScript loader.
//
// Requests from the main thread, answered one at a time in the order they came:
//   { id, bytes: ArrayBuffer, syncToFs }  wire-protocol messages → { id, bytes: ArrayBuffer } (the
//                                          backend's raw answer, transferred, not copied)
//   { id, close: true }                    PGlite's close() → { id }
//   { id, dump: true }                     the data folder as a tarball (dumpDataDir) → { id, bytes }
// A request that throws (not a statement error: those are ErrorResponse messages in the answer)
// is answered { id, error: { message, name, code } }. The first message sent is the start's
// answer, id 0: { id: 0, arrayTypes } (what PGlite's _initArrayTypes reads, so that the main
// thread's parsers and serializers are PGlite's own), or { id: 0, error }.
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';

/** The element and array type oids, exactly as PGlite's _initArrayTypes reads them. */
const ARRAY_TYPES = `
      SELECT b.oid, b.typarray
      FROM pg_catalog.pg_type a
      LEFT JOIN pg_catalog.pg_type b ON b.oid = a.typelem
      WHERE a.typcategory = 'A'
      GROUP BY b.oid, b.typarray
      ORDER BY b.oid
    `;

/** @type {PGlite | undefined} */
let pg;
let queue = Promise.resolve();

parentPort.on('message', (request) => {
  queue = queue.then(() => answer(request));
});

try {
  // The compiled modules and the file-system bundle come from the main thread (db/pglite.ts).
  // A new database starts from `template` (a tarball of a data folder) instead of initdb when given.
  const { dataDir, pgliteWasmModule, initdbWasmModule, fsBundle, template } = workerData;
  pg = await PGlite.create({ ...(dataDir === undefined ? {} : { dataDir }), ...(template === undefined ? {} : { loadDataDir: template }), pgliteWasmModule, initdbWasmModule, fsBundle });
  const { rows } = await pg.query(ARRAY_TYPES);
  parentPort.postMessage({ id: 0, arrayTypes: rows });
} catch (error) {
  parentPort.postMessage({ id: 0, error: describe(error) });
}

async function answer({ id, bytes, syncToFs, close, dump }) {
  try {
    if (pg === undefined) throw new Error('PGlite did not start');
    if (close) {
      await pg.close();
      parentPort.postMessage({ id });
      return;
    }
    if (dump) {
      const tarball = await (await pg.dumpDataDir('none')).arrayBuffer();
      parentPort.postMessage({ id, bytes: tarball }, [tarball]);
      return;
    }
    // Streamed, not execProtocolRaw: that one also parses the answer into PGlite's current
    // query, which only execProtocol resets (the messages would pile up).
    const chunks = [];
    await pg.execProtocolRawStream(new Uint8Array(bytes), { syncToFs, onRawData: (chunk) => chunks.push(chunk.slice()) });
    const reply = joined(chunks);
    parentPort.postMessage({ id, bytes: reply.buffer }, [reply.buffer]);
  } catch (error) {
    parentPort.postMessage({ id, error: describe(error) });
  }
}

/** The chunks as one array that owns its whole buffer (so that the buffer can be transferred). */
function joined(chunks) {
  if (chunks.length === 1) return chunks[0];
  const all = new Uint8Array(chunks.reduce((length, chunk) => length + chunk.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    all.set(chunk, offset);
    offset += chunk.length;
  }
  return all;
}

/** What the main thread rethrows: the message (or, for an error without one such as Emscripten's ErrnoError, its name and errno) and the code. */
function describe(error) {
  if (typeof error !== 'object' || error === null) return { message: String(error) };
  const { message, name, code, errno } = error;
  return {
    message: typeof message === 'string' ? message : `${typeof name === 'string' ? name : 'error'}${errno === undefined ? '' : ` (errno ${errno})`}`,
    ...(typeof code === 'string' ? { code } : {}),
  };
}
