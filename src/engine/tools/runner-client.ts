/**
 * Hands tool calls to a long-lived tool runner process (tool-runner.ts) instead of spawning here.
 *
 * Why: Node spawns with fork(), which copies the parent's page tables synchronously on the main
 * thread, so its cost grows with resident memory. An engine process holding sharp/libvips, the
 * WASM heaps (SSIMULACRA2, oxipng) and recent images sits at 150-700 MB, where one spawn of
 * gifsicle blocks the event loop for several to tens of milliseconds (measured: 0.8 ms in a bare
 * node, 11.9 ms after touching 300 MB). The runner stays at the size of a bare node, so a call
 * costs one IPC round trip plus a cheap fork.
 *
 * One runner per process, started on the first call made at a resident size where forking is
 * dear; below it, and for inputs large enough that the extra copy costs more than the fork saves,
 * calls spawn directly as before. Until the runner is ready (started and warmed up by one
 * throwaway call) and whenever it cannot start, calls spawn directly, so no call ever waits for
 * it. The runner is unreferenced while no call is pending: it never keeps a CLI or a test process
 * alive, and it exits by itself when its parent goes (see tool-runner.ts).
 */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { inheritableExecArgv } from '../child-exec-argv.js';
import type { RunnerCall, RunnerMessage } from './runner-protocol.js';
import { MAX_TIMER_MS, type SpawnOutcome, type SpawnRequest } from './spawn-tool.js';

/** A spawn outcome, or why the runner could not deliver one. */
export type RunnerOutcome =
  | SpawnOutcome
  /** The runner died (killed, crashed) with this call in flight. */
  | { kind: 'runner-died'; detail: string }
  /** The runner did not answer long after the call's own timeout: it was killed. */
  | { kind: 'runner-unresponsive' };

/** Internal switches for tests and measurements; not a user setting. */
export interface ToolRunnerOptions {
  /** false: every call spawns directly, as before the runner existed (default true). */
  enabled?: boolean;
  /** The runner module to fork (default: tool-runner.ts/.js next to this file). */
  script?: string;
  /** Below this resident size, this process spawns directly and starts no runner (default 96 MiB). */
  directBelowRssBytes?: number;
  /** Calls with more stdin bytes than this spawn directly (default 2 MiB). */
  directAboveInputBytes?: number;
}

/** src runs under tsx (.ts), dist as compiled JS (.js): the runner is the sibling of the same kind. */
const DEFAULT_SCRIPT = fileURLToPath(import.meta.url).replace(/runner-client\.(ts|js)$/, 'tool-runner.$1');
/**
 * Argument the runner is started with. A process that has it never starts a runner itself: should
 * the runner ever run engine code (a wrong loader flag, say), there is one extra process, not a chain.
 */
const RUNNER_MARK = '--squish-tool-runner';
/**
 * Measured (compiled build, gifsicle -O3 on a 4 KB GIF, median of 30): spawning directly costs
 * 2.9 ms at 48 MB resident, 4.5-5.6 ms at 100 MB, 15-24 ms at 250 MB; through the runner 3-4 ms at
 * any size. Below about 96 MB the fork is as cheap as the round trip, and a small process (a CLI
 * run, a test) is spared the extra process.
 */
const DIRECT_BELOW_RSS_BYTES = 96 * 1024 * 1024;
/**
 * Bytes cost more through the runner: they cross the IPC channel and a second pipe. Measured
 * (`cat` of random bytes, 300 MB resident parent, median of 9): direct 12 / 12 / 12 / 17-19 / 30-33 ms
 * for 0.01 / 0.3 / 1 / 3 / 10 MB, through the runner 3-4 / 6-7 / 11-12 / 18-19 / 52-54 ms. Past
 * about 2 MB the copies eat what the cheap fork saves, and the tool's own run dwarfs both.
 */
const DIRECT_ABOVE_INPUT_BYTES = 2 * 1024 * 1024;
/** The warm-up call is `node --version`: a runner that cannot do it in this long is broken. */
const WARM_UP_TIMEOUT_MS = 10_000;
/** After a failed start, calls spawn directly for this long before the next attempt. */
const RETRY_START_AFTER_MS = 60_000;
/** The runner enforces each call's timeout itself; past this much more, it is deemed stuck. */
const REPLY_GRACE_MS = 5000;

interface PendingCall {
  settle(outcome: RunnerOutcome): void;
  timer: NodeJS.Timeout;
}

/** One runner process and the calls in flight in it. */
class RunnerProcess {
  readonly child: ChildProcess;
  readonly ready: Promise<boolean>;
  isReady = false;
  #markReady!: (ready: boolean) => void;
  readonly #pending = new Map<number, PendingCall>();
  #nextId = 1;
  #dead = false;
  /** Pending calls plus waitReady callers: see #hold. */
  #holders = 0;

  constructor(script: string, onExit: (runner: RunnerProcess, startedOk: boolean) => void) {
    this.ready = new Promise((resolve) => {
      this.#markReady = resolve;
    });
    this.child = fork(script, [RUNNER_MARK], {
      serialization: 'advanced',
      execArgv: inheritableExecArgv(),
      // Nothing is expected on its stdout; if something comes, it must not mix with the CLI's
      // JSON lines on ours.
      stdio: ['ignore', 2, 2, 'ipc'],
    });
    this.#referenced(false);
    this.child.on('message', (message: RunnerMessage) => {
      if (message.type === 'ready') void this.#warmUp();
      else this.#settle(message.id, message.outcome);
    });
    const died = (detail: string) => {
      if (this.#dead) return;
      this.#dead = true;
      this.#markReady(false);
      onExit(this, this.isReady);
      for (const id of [...this.#pending.keys()]) this.#settle(id, { kind: 'runner-died', detail });
    };
    this.child.on('exit', (code, signal) => died(`the tool runner exited (${signal ?? `exit ${code}`})`));
    // Emitted without 'exit' when the process could not be spawned at all.
    this.child.on('error', (error) => {
      if (this.#dead) return;
      died(`the tool runner failed: ${error.message}`);
      this.child.kill('SIGKILL');
    });
  }

  /**
   * One throwaway call before the runner takes real ones. The first call runs cold code on both
   * sides (serializer, child_process, the runner's spawn) and measured 5-14 ms slower than the
   * next ones at 250 MB resident; callers spawn directly meanwhile, so nobody waits for it.
   * `node --version` is the one executable sure to be there, and it exits at once.
   */
  async #warmUp(): Promise<void> {
    const outcome = await this.call({
      path: process.execPath,
      args: ['--version'],
      timeoutMs: WARM_UP_TIMEOUT_MS,
      maxOutputBytes: 1024,
    });
    if (this.#dead) return;
    // A runner that cannot run this cannot run tools: its exit counts as a failed start.
    if (outcome.kind !== 'exited') {
      this.child.kill('SIGKILL');
      return;
    }
    this.isReady = true;
    this.#markReady(true);
  }

  /** Whether the runner came up; the wait keeps this process alive, unlike a call-less runner. */
  async waitReady(): Promise<boolean> {
    this.#hold();
    try {
      return await this.ready;
    } finally {
      this.#release();
    }
  }

  call(request: SpawnRequest): Promise<RunnerOutcome> {
    const id = this.#nextId++;
    return new Promise((resolve) => {
      const timer = setTimeout(
        () => {
          this.#settle(id, { kind: 'runner-unresponsive' });
          // Its other calls can no longer be trusted either: they fail now instead of hanging.
          this.child.kill('SIGKILL');
        },
        Math.min(request.timeoutMs + REPLY_GRACE_MS, MAX_TIMER_MS),
      );
      this.#pending.set(id, { settle: resolve, timer });
      this.#hold();
      const call: RunnerCall = {
        id,
        path: request.path,
        args: request.args,
        timeoutMs: request.timeoutMs,
        maxOutputBytes: request.maxOutputBytes,
        ...(request.input ? { input: request.input } : {}),
      };
      this.child.send(call, (error) => {
        if (error)
          this.#settle(id, {
            kind: 'runner-died',
            detail: `sending to the tool runner failed: ${error.message}`,
          });
      });
    });
  }

  #settle(id: number, outcome: RunnerOutcome): void {
    const pending = this.#pending.get(id);
    if (!pending) return;
    this.#pending.delete(id);
    clearTimeout(pending.timer);
    this.#release();
    pending.settle(outcome);
  }

  /**
   * The runner is referenced only while something waits on it (a call, a waitReady): an idle
   * runner never keeps its parent running.
   */
  #hold(): void {
    if (++this.#holders === 1) this.#referenced(true);
  }

  #release(): void {
    if (--this.#holders === 0) this.#referenced(false);
  }

  #referenced(hold: boolean): void {
    if (hold) {
      this.child.ref();
      this.child.channel?.ref();
    } else {
      this.child.unref();
      this.child.channel?.unref();
    }
  }
}

const DEFAULTS: Required<ToolRunnerOptions> = {
  enabled: true,
  script: DEFAULT_SCRIPT,
  directBelowRssBytes: DIRECT_BELOW_RSS_BYTES,
  directAboveInputBytes: DIRECT_ABOVE_INPUT_BYTES,
};
let options = DEFAULTS;
let current: RunnerProcess | undefined;
let startBlockedUntil = 0;

function startRunner(): RunnerProcess | undefined {
  if (Date.now() < startBlockedUntil || process.argv.includes(RUNNER_MARK)) return undefined;
  try {
    current = new RunnerProcess(options.script, (runner, startedOk) => {
      if (current !== runner) return;
      current = undefined;
      // A runner that died in service is replaced on the next call; one that never came up
      // would likely fail again, so calls spawn directly for a while.
      if (!startedOk) startBlockedUntil = Date.now() + RETRY_START_AFTER_MS;
    });
  } catch {
    // fork() throws synchronously on EAGAIN/ENOMEM and the like: spawn directly for a while.
    current = undefined;
    startBlockedUntil = Date.now() + RETRY_START_AFTER_MS;
  }
  return current;
}

/**
 * Runs the call in the runner, or returns undefined when the caller must spawn directly: the
 * runner is disabled, the input is large enough that copying it twice costs more than the fork,
 * this process is small enough to fork cheaply, or the runner is still starting (started here by
 * the first call of a big process) or could not start.
 */
export function callToolRunner(request: SpawnRequest): Promise<RunnerOutcome> | undefined {
  if (!options.enabled || (request.input?.byteLength ?? 0) > options.directAboveInputBytes) return undefined;
  if (process.memoryUsage.rss() < options.directBelowRssBytes) return undefined;
  const runner = current ?? startRunner();
  return runner?.isReady ? runner.call(request) : undefined;
}

/**
 * Starts the runner if needed and waits until it takes calls. For tests and measurements (calls
 * never wait for the runner).
 * @returns the runner's pid, or undefined when it is disabled or could not start.
 */
export async function toolRunnerReady(): Promise<number | undefined> {
  if (!options.enabled) return undefined;
  const runner = current ?? startRunner();
  if (!runner || !(await runner.waitReady())) return undefined;
  return runner.child.pid;
}

/**
 * Sets the internal switches (for tests and measurements); what `settings` leaves out takes its
 * default, so `configureToolRunner({})` restores the defaults. The current runner, if any, is
 * disconnected (it exits by itself; calls still in it fail) and the next call starts afresh.
 */
export function configureToolRunner(settings: ToolRunnerOptions): void {
  options = { ...DEFAULTS, ...definedOnly(settings) };
  if (current?.child.connected) current.child.disconnect();
  current = undefined;
  startBlockedUntil = 0;
}

function definedOnly(settings: ToolRunnerOptions): ToolRunnerOptions {
  return Object.fromEntries(Object.entries(settings).filter(([, value]) => value !== undefined));
}
