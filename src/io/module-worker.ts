/**
 * Starts a worker thread on a module that sits beside the caller: `name.js` in the compiled package, or, when maflow
 * runs from its TypeScript sources (tests, a checkout under tsx), `name.ts` through tsx, which a worker does not
 * inherit from its parent.
 */
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * A worker running the module `name` (no extension) in the folder of `callerUrl` (the caller's `import.meta.url`), as
 * `startModuleWorker(import.meta.url, 'train-worker', { workerData })` starts the training worker beside its caller.
 */
export function startModuleWorker(callerUrl: string, name: string, options: WorkerOptions = {}): Worker {
  if (!callerUrl.endsWith('.ts')) return new Worker(new URL(`./${name}.js`, callerUrl), options);
  const tsx = import.meta.resolve('tsx/esm/api');
  const entry = new URL(`./${name}.ts`, callerUrl).href;
  const bootstrap = `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(bootstrap, { ...options, eval: true });
}
