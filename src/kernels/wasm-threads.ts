/**
 * The wasm backend's threads: workers (Web Workers in browsers, worker_threads in Node) that instantiate the
 * shared-memory variant of the kernels on the caller's memory and run parts of a kernel call. A call stays synchronous
 * on the calling thread: it writes its tasks (export + arguments) into a control block in the shared memory, bumps a
 * generation and wakes the workers (`Atomics.notify`), runs tasks itself, closes the job (workers that have not joined
 * by then skip it, so a busy core never delays a call), and waits for those that joined: spinning on `Atomics.load`
 * (a browser's main thread may not block), then `Atomics.wait` where the caller may block. Workers spin a while after
 * each job before sleeping, as the native pool does: a training step issues kernels back to back.
 */

/** Where workers come from: the platform's way to start one from JavaScript source (the Node entry installs its own). */
export interface WasmWorkerPlatform {
  /** Logical processors here (`navigator.hardwareConcurrency`, `os.availableParallelism()`). */
  readonly hardwareThreads: number;
  /** Starts a worker running `source` (a script with no imports); `onMessage` receives what it posts, `onError` its failure. */
  spawn(source: string, onMessage: (data: unknown) => void, onError: (error: Error) => void): WasmWorkerHandle;
}

/** A started worker. */
export interface WasmWorkerHandle {
  postMessage(message: unknown): void;
  terminate(): void;
}

interface BrowserWorker {
  postMessage(message: unknown): void;
  terminate(): void;
  onmessage: ((event: { data: unknown }) => void) | null;
  onerror: ((event: { message?: string }) => void) | null;
}

/** Module workers from a Blob URL (a bundle has no worker file to resolve; Deno takes module workers only). */
function browserPlatform(): WasmWorkerPlatform | null {
  const g = globalThis as unknown as {
    Worker?: new (url: string, options: { type: 'module' }) => BrowserWorker;
    Blob?: new (parts: string[], options: { type: string }) => unknown;
    URL?: { createObjectURL?(blob: unknown): string; revokeObjectURL?(url: string): void };
    navigator?: { hardwareConcurrency?: number };
  };
  const { Worker, Blob, URL } = g;
  if (typeof Worker !== 'function' || typeof Blob !== 'function' || typeof URL?.createObjectURL !== 'function') return null;
  return {
    hardwareThreads: g.navigator?.hardwareConcurrency ?? 1,
    spawn(source, onMessage, onError) {
      const url = URL.createObjectURL!(new Blob([`const port = self;\nself.onmessage = (e) => receive(e.data);\n${source}`], { type: 'text/javascript' }));
      const worker = new Worker(url, { type: 'module' });
      worker.onmessage = (event) => onMessage(event.data);
      worker.onerror = (event) => onError(new Error(event.message ?? 'worker failed to start'));
      return { postMessage: (m) => worker.postMessage(m), terminate: () => { worker.terminate(); URL.revokeObjectURL?.(url); } };
    },
  };
}

let platform: WasmWorkerPlatform | null | undefined;

/** Installs how workers are started (the Node entry: worker_threads); null: no workers, one thread. */
export function setWasmWorkerPlatform(p: WasmWorkerPlatform | null): void {
  platform = p;
}

/**
 * Whether the wasm backend can start threads here, on which platform (`workers`, else the installed or the browser's),
 * with how many logical processors; else why not: SharedArrayBuffer must exist (in browsers only in a cross-origin
 * isolated page) and the platform must start workers.
 */
export function wasmThreadSupport(workers?: WasmWorkerPlatform): { platform?: WasmWorkerPlatform; hardwareThreads: number; reason: string } {
  const g = globalThis as unknown as { crossOriginIsolated?: boolean };
  if (typeof SharedArrayBuffer !== 'function' || typeof Atomics !== 'object' || g.crossOriginIsolated === false) {
    return { hardwareThreads: 1, reason: g.crossOriginIsolated === false ? 'not cross-origin isolated (no SharedArrayBuffer)' : 'no SharedArrayBuffer' };
  }
  const p = workers ?? (platform === undefined ? browserPlatform() : platform);
  if (p === null) return { hardwareThreads: 1, reason: 'no way to start workers here' };
  return { platform: p, hardwareThreads: Math.max(1, Math.floor(p.hardwareThreads)), reason: '' };
}

// Control block (int32 slots) and task slots (float64: the export's index, then its arguments).
const GENERATION = 0;
const DONE = 1;
const NEXT = 2;
const TASKS = 3;
const JOINED = 4;
const FAILED = 5;
const WORKER_TASKS = 6;
/** JOINED is set to this when the caller closes a job: a worker that reads it (or more) skips the job. */
const CLOSED = 1 << 24;
const CONTROL_BYTES = 64;
/** Float64 slots per task: the export's index and up to 23 arguments. */
export const TASK_SLOTS = 24;
/** Most tasks one call may hold. */
export const MAX_TASKS = 64;
/** Bytes a pool needs in the memory: the control block and the task slots. */
export const POOL_BYTES = CONTROL_BYTES + MAX_TASKS * TASK_SLOTS * 8;
/** Loop turns a worker spins on the generation before sleeping (on the order of 100 µs). */
const SPIN = 20000;
/** Consecutive calls made slower by sharing them (net of those it sped up) after which the pool stops sharing a while. */
const STRIKES = 3;
/** How long the pool runs calls on the caller alone once sharing slowed them down, before it tries again (ms). */
const BACKOFF_MS = 100;

/**
 * The worker's code (plain JavaScript: it must run unchanged from a Blob URL and from worker_threads' eval). The
 * platform's prelude defines `port` (to post to the creator) and calls `receive(message)` with the one start message.
 */
const WORKER_SOURCE = `
function receive(start) {
  const { module, memory, control, stackTop, names } = start;
  let x;
  try {
    x = new WebAssembly.Instance(module, { env: { memory } }).exports;
    x.__stack_pointer.value = stackTop;
  } catch (error) {
    port.postMessage({ error: String(error && error.message || error) });
    return;
  }
  const fns = names.map((n) => x[n]);
  const ctl = new Int32Array(memory.buffer, control, ${CONTROL_BYTES / 4});
  const slots = new Float64Array(memory.buffer, control + ${CONTROL_BYTES}, ${MAX_TASKS * TASK_SLOTS});
  port.postMessage({ ready: true });
  let seen = Atomics.load(ctl, ${GENERATION});
  for (;;) {
    let spins = 0;
    while (Atomics.load(ctl, ${GENERATION}) === seen) {
      if (++spins > ${SPIN}) { Atomics.wait(ctl, ${GENERATION}, seen); spins = 0; }
    }
    seen = Atomics.load(ctl, ${GENERATION});
    if (Atomics.add(ctl, ${JOINED}, 1) >= ${CLOSED}) continue;
    try {
      const tasks = Atomics.load(ctl, ${TASKS});
      for (let t = Atomics.add(ctl, ${NEXT}, 1); t < tasks; t = Atomics.add(ctl, ${NEXT}, 1)) {
        const s = slots.subarray(t * ${TASK_SLOTS}, (t + 1) * ${TASK_SLOTS});
        fns[s[0]](s[1], s[2], s[3], s[4], s[5], s[6], s[7], s[8], s[9], s[10], s[11], s[12], s[13], s[14], s[15], s[16], s[17], s[18],
          s[19], s[20], s[21], s[22], s[23]);
        Atomics.add(ctl, ${WORKER_TASKS}, 1);
      }
    } catch (error) {
      Atomics.store(ctl, ${FAILED}, 1);
    }
    Atomics.add(ctl, ${DONE}, 1);
    Atomics.notify(ctl, ${DONE});
  }
}
`;

type Fn = (...args: number[]) => unknown;

/** The caller's side of the threads of one wasm memory. */
export class WasmThreadPool {
  /** Threads that take part in a call: the workers and the caller. */
  readonly threads: number;
  private readonly ctl: Int32Array;
  private readonly slots: Float64Array;
  private readonly fns: Fn[];
  private readonly canBlock: boolean;
  /** Calls that sharing made slower, net of those it sped up (the judge of `sharing`). */
  private strikes = 0;
  private soloUntil = 0;

  private constructor(buffer: ArrayBufferLike, control: number, fns: Fn[], private readonly workers: WasmWorkerHandle[],
    private readonly adaptive: boolean) {
    this.threads = workers.length + 1;
    this.ctl = new Int32Array(buffer, control, CONTROL_BYTES / 4);
    this.slots = new Float64Array(buffer, control + CONTROL_BYTES, MAX_TASKS * TASK_SLOTS);
    this.fns = fns;
    this.canBlock = blockingAllowed(this.ctl);
  }

  /**
   * Starts `threads − 1` workers on `memory` (shared) with `module` (the shared-memory variant), each with the stack
   * `[stackTops[i] − size, stackTops[i])`; resolves once every worker runs. `names` are the exports tasks name by
   * index, `callerExports` the caller's own instance.
   */
  static async start(options: {
    readonly platform: WasmWorkerPlatform;
    readonly module: WebAssembly.Module;
    readonly memory: WebAssembly.Memory;
    readonly control: number;
    readonly stackTops: readonly number[];
    readonly names: readonly string[];
    readonly callerExports: Readonly<Record<string, unknown>>;
    /** Stop sharing calls a while when sharing slows them (`sharing`). @default true */
    readonly adaptive?: boolean;
  }): Promise<WasmThreadPool> {
    const { platform: p, module, memory, control, names } = options;
    new Int32Array(memory.buffer, control, CONTROL_BYTES / 4).fill(0);
    const workers: WasmWorkerHandle[] = [];
    try {
      await Promise.all(options.stackTops.map((stackTop) => new Promise<void>((resolve, reject) => {
        const worker = p.spawn(WORKER_SOURCE, (data) => {
          const message = data as { ready?: boolean; error?: string };
          if (message.ready === true) resolve();
          else reject(new Error(`wasm backend: a worker could not start: ${message.error}`));
        }, (error) => reject(new Error(`wasm backend: a worker could not start: ${error.message}`)));
        workers.push(worker);
        worker.postMessage({ module, memory, control, stackTop, names });
      })));
    } catch (error) {
      for (const w of workers) w.terminate();
      throw error;
    }
    const fns = names.map((n) => options.callerExports[n] as Fn);
    return new WasmThreadPool(memory.buffer, control, fns, workers, options.adaptive ?? true);
  }

  /**
   * Whether calls are worth sharing now. The pool judges each shared call: had the caller run every task at the pace
   * it ran its own, would the call have ended sooner? A worker whose core is taken by another process (a loaded
   * machine: more runnable threads than cores) claims a task and then waits for the scheduler, holding the whole call
   * up for a time slice; after STRIKES such calls in a row the pool runs calls whole on the caller for BACKOFF_MS, then
   * shares them again, so that threads help where cores are free and cost little where they are not.
   */
  get sharing(): boolean {
    return this.soloUntil === 0 || performance.now() >= this.soloUntil;
  }

  /**
   * Runs the tasks (each: the export's index in `names`, then its arguments) over the caller and the workers and
   * returns when all are done. Calls do not nest (kernels are synchronous and call no kernels).
   */
  run(tasks: ReadonlyArray<readonly number[]>): void {
    const start = performance.now();
    const { ctl, slots } = this;
    if (tasks.length > MAX_TASKS) throw new RangeError(`wasm threads: at most ${MAX_TASKS} tasks, got ${tasks.length}`);
    tasks.forEach((task, t) => {
      slots.fill(0, t * TASK_SLOTS, (t + 1) * TASK_SLOTS);
      slots.set(task, t * TASK_SLOTS);
    });
    Atomics.store(ctl, TASKS, tasks.length);
    Atomics.store(ctl, NEXT, 0);
    Atomics.store(ctl, DONE, 0);
    Atomics.store(ctl, FAILED, 0);
    Atomics.store(ctl, JOINED, 0);
    Atomics.add(ctl, GENERATION, 1);
    Atomics.notify(ctl, GENERATION);
    let mine = 0;
    for (let t = Atomics.add(ctl, NEXT, 1); t < tasks.length; t = Atomics.add(ctl, NEXT, 1)) {
      const task = tasks[t];
      this.fns[task[0]](...task.slice(1));
      mine += 1;
    }
    const own = performance.now() - start;
    const joined = Atomics.exchange(ctl, JOINED, CLOSED);
    let spins = 0;
    for (let done = Atomics.load(ctl, DONE); done < joined; done = Atomics.load(ctl, DONE)) {
      if (this.canBlock && ++spins > SPIN) Atomics.wait(ctl, DONE, done, 10);
    }
    if (Atomics.load(ctl, FAILED) !== 0) throw new Error('wasm threads: a task failed in a worker');
    if (this.adaptive) this.judge(mine, tasks.length, performance.now() - start, own);
  }

  /**
   * A shared call slowed things down when it took longer than the caller's own pace over every task would have, and
   * when the caller ran none of its tasks, its core handed to the worker it woke (more runnable threads than cores:
   * power's fused forward pass then took 250 µs instead of 76). A call whose workers came too late to take a task
   * cost the caller only the wake-up and says nothing.
   */
  private judge(mine: number, tasks: number, took: number, own: number): void {
    if (mine === tasks) return;
    const slower = mine === 0 || took > (own * tasks) / mine;
    this.strikes = slower ? this.strikes + 1 : Math.max(0, this.strikes - 1);
    if (this.strikes >= STRIKES) {
      this.strikes = 0;
      this.soloUntil = performance.now() + BACKOFF_MS;
    }
  }

  /** Tasks the workers have run so far (the parts of large calls that ran off the calling thread). */
  get workerTasks(): number {
    return Atomics.load(this.ctl, WORKER_TASKS);
  }

  /** Stops the workers (the memory stays usable on the caller's thread). */
  terminate(): void {
    for (const w of this.workers) w.terminate();
    this.workers.length = 0;
  }
}

/** Whether this thread may block in Atomics.wait (a browser's main thread may not). */
function blockingAllowed(ctl: Int32Array): boolean {
  try {
    Atomics.wait(ctl, FAILED, 1, 0);
    return true;
  } catch {
    return false;
  }
}
