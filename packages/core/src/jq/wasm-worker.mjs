// Worker thread that runs programs on the real jq (jq-wasm). The main thread waits for the
// reply synchronously (Atomics.wait), so it can stop a runaway program by terminating us.
import { parentPort, workerData } from 'node:worker_threads';
import { loadJq } from 'jq-wasm';

const { port, state } = workerData;
const signal = new Int32Array(state);
const jq = await loadJq();

function reply(message) {
  port.postMessage(message);
  Atomics.store(signal, 0, 1);
  Atomics.notify(signal, 0);
}

port.on('message', ({ src, input, flags }) => {
  try {
    reply(jq.raw(input, src, flags));
  } catch (error) {
    // jq-wasm aborted (e.g. out of memory): its instance is unusable, the main thread replaces us.
    reply({ stdout: '', stderr: `jq: error: jq-wasm aborted: ${error instanceof Error ? error.message : String(error)}`, exitCode: 5, fatal: true });
  }
});
reply({ ready: true });
parentPort?.unref?.();
