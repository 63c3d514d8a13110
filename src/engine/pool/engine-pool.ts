/**
 * Runs engine jobs in a pool of child processes, one job per process at a time, sized to the
 * machine's cores. Each job is watched: past its time limit, or when the process's resident
 * memory passes the job's memory limit, the process is killed and replaced, and only that job
 * fails. A codec that segfaults or calls exit() costs the same: one job.
 *
 * Hand-written rather than piscina/workerpool: those run worker threads (a native crash or a
 * stuck libvips call takes the whole process) or do not expose the child's pid for RSS limits.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { byteLengthOf, type PiecedBytes, piecesOf } from '../../bytes/pieces.js';
import { SquishError } from '../../errors/index.js';
import type { OptimizePlan } from '../../plan/index.js';
import { inheritableExecArgv } from '../child-exec-argv.js';
import { DEFAULT_LIMITS, type EngineLimits } from '../limits.js';
import type { EngineResult } from '../types.js';
import { jobFrameHead } from './input-frames.js';
import { type ChildMessage, INPUT_FD } from './protocol.js';

export interface EnginePoolOptions {
  /** Jobs run at once, one process each (default: the number of cores). */
  size?: number;
  /** Limits for every job; unspecified ones take DEFAULT_LIMITS. */
  limits?: Partial<EngineLimits>;
  /**
   * Replace a process whose resident memory is above this many bytes once its job is done,
   * bounding what fragmentation and leaks keep (default: a third of `limits.maxMemoryBytes`, at
   * least {@link MIN_RECYCLE_RSS_BYTES}).
   */
  recycleRssBytes?: number;
  /** Replace a process after this many jobs all the same, a backstop (default 10 000). */
  jobsPerProcess?: number;
  /**
   * Start every process now rather than when the first job that needs it comes (default false):
   * a process took 600-850 ms to start on this 2-core machine, which a server's first requests
   * would otherwise wait for. A command that may run fewer jobs than `size` leaves this off.
   */
  prestart?: boolean;
  /**
   * Node flags of the engine processes, after the pool's own heap flag (default: this process's
   * loader flags, such as tsx's `--import`, so that children of a TypeScript parent can load
   * TypeScript). A parent running the build under a loader (the API benchmark) passes [] to get
   * the processes `squish serve` has.
   */
  execArgv?: readonly string[];
}

/** An engine result as the pool returns it, with what the job cost its process. */
export interface PooledResult extends EngineResult {
  /** Peak resident memory of the job's process while it ran the job, in bytes (Linux only). */
  peakRssBytes?: number;
  /** The engine process that ran the job (for diagnostics). */
  pid?: number;
}

interface Task {
  id: number;
  input: PiecedBytes;
  plan: OptimizePlan;
  resolve(result: PooledResult): void;
  reject(error: SquishError): void;
}

interface Slot {
  child: ChildProcess;
  /** The child's input socket: job frames (input-frames.ts). */
  input: Writable;
  ready: Promise<void>;
  task?: Task;
  jobs: number;
  watchdog?: NodeJS.Timeout;
  deadline?: NodeJS.Timeout;
}

/** How often the memory watchdog reads a busy child's RSS. */
const WATCH_INTERVAL_MS = 50;
/** The child enforces the time limit itself between steps; the pool kills it this much later. */
const KILL_GRACE_MS = 1000;
const PAGE_SIZE = 4096;

/**
 * V8's starting heap limit of an engine process, in MB. Each job brings a megabyte or more of
 * Buffers (the input, sharp's outputs), and V8 counts Buffer memory allocated since its last full
 * collection against the old generation's limit: on the default limit of a heap this small
 * (about 10 MB live), that started a full collection every 8-10 jobs, 2 ms of main thread each
 * plus concurrent marking (measured: 14-16 per process per 10 s run; with this flag 1, and
 * 8 ms less CPU per job in the pool benchmark). The peak RSS of a job (about 190 MB for a
 * 2K photo, libvips' pixels) did not move; the memory limit bounds the process anyway. Placed
 * first, so that a flag the caller gives wins.
 */
const ENGINE_HEAP_FLAG = '--initial-heap-size=64';

/**
 * The least default recycleRssBytes. An engine process holds 85-110 MB when idle after its first
 * job (a 2K photo, an SVG, a 12 MP JPEG) and 100-185 MB after ten more of the same: a lower bound
 * would replace it after nearly every job under a small memory limit. Above it, a third of the
 * limit leaves every job at least two thirds of its memory.
 */
export const MIN_RECYCLE_RSS_BYTES = 256 * 1024 * 1024;

/**
 * Jobs after which a process is replaced even though its memory stayed low. Replacing costs: a
 * process took 600-850 ms to start on this 2-core machine, and its first dozen jobs ran 10-30 %
 * slower than a warm one's (V8 compiles as it goes). At the former fixed 200 jobs that was 4-6 ms
 * a job, more than doubling a 32x32 icon's round trip through the pool (4 to 10 ms). Memory is
 * what replacement guards, and the RSS check after each job watches it; the count only bounds
 * what RSS cannot see.
 */
const DEFAULT_JOBS_PER_PROCESS = 10_000;

/**
 * glibc's malloc gives each thread that allocates its own arena (up to 8 per core), and libvips'
 * pixel buffers, freed on one thread and reallocated on another, fragment them: over the corpus
 * (140 jobs, every format, both modes) an engine process's idle RSS climbed from 353 to 618 MB by
 * default, and stayed at 300-400 MB with two arenas, with the same throughput on the API
 * benchmark's photos (sharp's documentation gives the same advice for glibc). An operator's own
 * setting wins.
 */
const CHILD_MALLOC_ARENAS = '2';

/**
 * glibc returns every freed block above its mmap threshold (128 KiB at first, raised as such
 * blocks are freed) to the kernel and trims the heap above 128 KiB of free space, so the next
 * pixel buffer of that size is fresh memory, and each of its pages faults on first touch. On these
 * machines (a KVM guest) a fault costs 7-12 µs, 2-3 ns a byte: a 1024 px SVG render (a 4 MiB
 * surface, its tile cache and the output) took 700-1 600 faults and 6-12 ms of system time, a
 * third of the render. Buffers up to 16 MiB from the heap, which keeps up to 64 MiB free: over the
 * 16 corpus SVGs, lossy, 25-40 % less time in all and the median file 8-20 % faster in fresh
 * processes (interleaved pools, 5 passes, four runs); a process whose large buffers already raised
 * glibc's own threshold gains less (5 % in the engine benchmark, where the SVGs follow the
 * photos); PNG, GIF and JPEG jobs the same (within 1-7 % either way, both ways);
 * idle RSS after the whole corpus in both modes 387 MB against 405 by default. (64/256 MiB gained
 * no more and kept 529 MB.) An operator's own GLIBC_TUNABLES wins.
 */
const CHILD_MALLOC_TUNABLES = 'glibc.malloc.mmap_threshold=16777216:glibc.malloc.trim_threshold=67108864';

/** The environment of an engine process: the malloc settings above under the parent's own. */
export function engineProcessEnv(parent: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { MALLOC_ARENA_MAX: CHILD_MALLOC_ARENAS, GLIBC_TUNABLES: CHILD_MALLOC_TUNABLES, ...parent };
}

const CHILD_SCRIPT = fileURLToPath(import.meta.url).replace(/engine-pool\.(ts|js)$/, 'child.$1');

export class EnginePool {
  readonly size: number;
  readonly limits: Readonly<EngineLimits>;
  readonly #jobsPerProcess: number;
  readonly #recycleRssBytes: number;
  readonly #execArgv: string[];
  readonly #slots: (Slot | undefined)[];
  readonly #queue: Task[] = [];
  #nextId = 1;
  #closed = false;

  constructor(options: EnginePoolOptions = {}) {
    this.size = Math.max(1, options.size ?? availableParallelism());
    this.limits = Object.freeze({ ...DEFAULT_LIMITS, ...options.limits });
    this.#jobsPerProcess = options.jobsPerProcess ?? DEFAULT_JOBS_PER_PROCESS;
    this.#recycleRssBytes =
      options.recycleRssBytes ?? Math.max(MIN_RECYCLE_RSS_BYTES, Math.floor(this.limits.maxMemoryBytes / 3));
    this.#execArgv = [ENGINE_HEAP_FLAG, ...(options.execArgv ?? inheritableExecArgv())];
    this.#slots = new Array(this.size).fill(undefined);
    if (options.prestart) for (let index = 0; index < this.size; index++) this.#spawn(index);
  }

  /**
   * Optimizes one image in a child process.
   * @throws SquishError: the engine's refusal, or PROCESSING_TIMEOUT / MEMORY_LIMIT / CODEC_FAILED
   *   when the process had to be killed or died.
   */
  run(input: PiecedBytes, plan: OptimizePlan): Promise<PooledResult> {
    if (this.#closed) return Promise.reject(new SquishError('INTERNAL', 'The engine pool is closed.'));
    return new Promise((resolve, reject) => {
      this.#queue.push({ id: this.#nextId++, input, plan, resolve, reject });
      this.#dispatch();
    });
  }

  /** The pids of the engine processes running now, started or starting (for diagnostics and tests). */
  get processIds(): number[] {
    return this.#slots.flatMap((slot) => (slot?.child.pid === undefined ? [] : [slot.child.pid]));
  }

  /**
   * Resolves once every process of the pool has started (starting any that is not running), and
   * rejects when one fails to: what the readiness check of a node that runs jobs asks. A process
   * being replaced after its job is waited for, a process that died idle is started again.
   */
  async ping(): Promise<void> {
    if (this.#closed) throw new SquishError('INTERNAL', 'The engine pool is closed.');
    const slots = this.#slots.map((slot, index) => slot ?? this.#spawn(index));
    await Promise.all(slots.map((slot) => slot.ready));
  }

  /** Jobs waiting for a free process. */
  get pending(): number {
    return this.#queue.length;
  }

  /** Fails queued jobs, kills every process. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const task of this.#queue.splice(0)) {
      task.reject(new SquishError('INTERNAL', 'The engine pool was closed.'));
    }
    await Promise.all(
      this.#slots.map(async (slot, index) => {
        if (!slot) return;
        slot.task?.reject(new SquishError('INTERNAL', 'The engine pool was closed.'));
        slot.task = undefined;
        this.#retire(index, slot);
      }),
    );
  }

  #dispatch(): void {
    for (let index = 0; index < this.size && this.#queue.length > 0; index++) {
      const slot = this.#slots[index] ?? this.#spawn(index);
      if (slot.task) continue;
      const task = this.#queue.shift()!;
      slot.task = task;
      slot.ready.then(
        () => this.#start(index, slot, task),
        () => {
          if (slot.task === task)
            this.#fail(index, slot, new SquishError('CODEC_FAILED', 'The engine process failed to start.'));
        },
      );
    }
  }

  #spawn(index: number): Slot {
    const child = fork(CHILD_SCRIPT, [], {
      serialization: 'advanced',
      execArgv: this.#execArgv,
      env: engineProcessEnv(process.env),
      // The child's stdout goes to our stderr: stdout may carry the CLI's JSON lines. The last
      // entry is the input socket at INPUT_FD.
      stdio: ['ignore', 2, 2, 'ipc', 'pipe'],
    });
    const input = child.stdio[INPUT_FD] as Writable;
    // A write to a child that died fails (EPIPE); its exit, handled below, fails the job.
    input.on('error', () => undefined);
    let markReady!: () => void;
    let markFailed!: (error: Error) => void;
    const ready = new Promise<void>((resolve, reject) => {
      markReady = resolve;
      markFailed = reject;
    });
    // A process started ahead of need may be killed before any job awaits its start.
    ready.catch(() => undefined);
    const slot: Slot = { child, input, ready, jobs: 0 };
    this.#slots[index] = slot;
    child.on('message', (message: ChildMessage) => {
      if (message.type === 'ready') markReady();
      else this.#finish(index, slot, message);
    });
    child.on('exit', (code, signal) => {
      markFailed(new Error(`engine process exited (${signal ?? code})`));
      if (this.#slots[index] !== slot) return;
      this.#slots[index] = undefined;
      if (slot.task) {
        this.#fail(
          index,
          slot,
          new SquishError(
            'CODEC_FAILED',
            `The codec process died (${signal ?? `exit ${code}`}) on this image.`,
          ),
        );
      }
    });
    return slot;
  }

  #start(index: number, slot: Slot, task: Task): void {
    if (slot.task !== task || this.#slots[index] !== slot) return;
    const pid = slot.child.pid;
    if (pid !== undefined) resetPeakRss(pid);
    slot.watchdog = setInterval(() => {
      const rss = pid === undefined ? undefined : currentRss(pid);
      if (rss !== undefined && rss > this.limits.maxMemoryBytes) {
        this.#fail(
          index,
          slot,
          new SquishError(
            'MEMORY_LIMIT',
            `Processing the image needed more than ${Math.round(this.limits.maxMemoryBytes / 1048576)} MB.`,
          ),
        );
      }
    }, WATCH_INTERVAL_MS);
    slot.deadline = setTimeout(() => {
      this.#fail(
        index,
        slot,
        new SquishError(
          'PROCESSING_TIMEOUT',
          `Processing the image took longer than ${this.limits.timeoutMs} ms.`,
        ),
      );
    }, this.limits.timeoutMs + KILL_GRACE_MS);
    // The caller's bytes go out as they are (no copy here): one writev with the frame's head.
    const head = jobFrameHead({
      id: task.id,
      plan: task.plan,
      limits: this.limits,
      inputBytes: byteLengthOf(task.input),
    });
    slot.input.cork();
    slot.input.write(head);
    for (const piece of piecesOf(task.input)) if (piece.byteLength > 0) slot.input.write(piece);
    slot.input.uncork();
  }

  #finish(index: number, slot: Slot, message: Exclude<ChildMessage, { type: 'ready' }>): void {
    const task = slot.task;
    if (!task || task.id !== message.id) return;
    this.#release(slot);
    const { pid } = slot.child;
    // One read of /proc gives both the job's peak and what the process keeps now.
    const memory = pid === undefined ? { rss: undefined, peak: undefined } : memoryAfterJob(pid);
    if (message.type === 'done') task.resolve({ ...message.result, peakRssBytes: memory.peak, pid });
    else task.reject(SquishError.fromReport(message.error));
    slot.jobs++;
    if (this.#worn(slot, memory.rss)) {
      this.#retire(index, slot);
      // The replacement starts now rather than when the next job comes, which would wait for it.
      if (!this.#closed) this.#spawn(index);
    }
    this.#dispatch();
  }

  /**
   * Whether a process that just finished a job, holding `rss` bytes, should be replaced (see
   * recycleRssBytes).
   */
  #worn(slot: Slot, rss: number | undefined): boolean {
    if (slot.jobs >= this.#jobsPerProcess) return true;
    return rss !== undefined && rss > this.#recycleRssBytes;
  }

  /** Fails the slot's job and kills its process: its state can no longer be trusted. */
  #fail(index: number, slot: Slot, error: SquishError): void {
    const task = slot.task;
    this.#release(slot);
    this.#retire(index, slot);
    task?.reject(error);
    this.#dispatch();
  }

  #release(slot: Slot): void {
    clearInterval(slot.watchdog);
    clearTimeout(slot.deadline);
    slot.task = undefined;
  }

  /** Kills a slot's process; the index gets a fresh process on the next dispatch. */
  #retire(index: number, slot: Slot): void {
    if (this.#slots[index] === slot) this.#slots[index] = undefined;
    slot.child.removeAllListeners('message');
    slot.child.kill('SIGKILL');
    slot.input.destroy();
  }
}

function currentRss(pid: number): number | undefined {
  try {
    const resident = Number(readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]);
    return resident * PAGE_SIZE;
  } catch {
    return undefined;
  }
}

/** Writing 5 to clear_refs resets the kernel's peak-RSS counter (VmHWM) for the process. */
function resetPeakRss(pid: number): void {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
  } catch {
    // not Linux, or not allowed: peak RSS then covers the process's whole life
  }
}

const VM_RSS = /VmRSS:\s+(\d+) kB/;
const VM_HWM = /VmHWM:\s+(\d+) kB/;

/**
 * The process's resident memory now (VmRSS, as statm's resident pages) and its peak since the last
 * resetPeakRss (VmHWM), in bytes; undefined where /proc does not tell.
 */
function memoryAfterJob(pid: number): { rss: number | undefined; peak: number | undefined } {
  let status = '';
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    // not Linux, or the process is gone
  }
  const kilobytes = (field: RegExp): number | undefined => {
    const match = field.exec(status);
    return match ? Number(match[1]) * 1024 : undefined;
  };
  return { rss: kilobytes(VM_RSS), peak: kilobytes(VM_HWM) };
}
