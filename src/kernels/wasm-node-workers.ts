/**
 * The wasm backend's workers in Node: worker_threads running the worker source by `eval`, unreferenced once started so
 * that an idle pool never keeps the process alive. The Node entry installs it (`registerNodeBackends`).
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { WasmWorkerPlatform } from './wasm-threads.ts';

/** worker_threads as the wasm backend's worker platform. */
export const nodeWasmWorkers: WasmWorkerPlatform = {
  hardwareThreads: availableParallelism(),
  spawn(source, onMessage, onError) {
    const prelude = "const port = require('node:worker_threads').parentPort;\nport.once('message', (m) => receive(m));\n";
    const worker = new Worker(prelude + source, { eval: true });
    // Referenced until it has answered (so that a pending start keeps the process alive), then not.
    worker.once('message', () => worker.unref());
    worker.on('message', onMessage);
    worker.on('error', onError);
    return { postMessage: (m) => worker.postMessage(m), terminate: () => void worker.terminate() };
  },
};
