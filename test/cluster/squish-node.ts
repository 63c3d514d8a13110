/**
 * One `squish serve` process of the cluster, run from the build (dist/, as `npx squish` runs it),
 * which the test can SIGKILL and restart on the same port. Its stdout and stderr go to a log file
 * (appended across restarts) so a failed run can be read afterwards.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { serveStarted } from '../../src/cli/serve-start-lines.js';

/**
 * The compiled CLI, as `npx squish` runs it. SQUISH_CLUSTER_BIN points at another build while
 * developing (dist/ is shared by everyone working in this checkout and rebuilt at any time).
 */
export const SQUISH_BIN =
  process.env.SQUISH_CLUSTER_BIN ?? fileURLToPath(new URL('../../bin/squish.js', import.meta.url));
const START_TIMEOUT_MS = 60_000;

export interface SquishNodeOptions {
  name: string;
  roles: string;
  /** Fixed port of an api node (restarts keep it, nginx knows it); 0 for the other roles. */
  port: number;
  env: Record<string, string>;
  logFile: string;
  /** Network namespace to run in (`ip netns exec`, which execs the node: the pid stays the node's). */
  netns?: string;
}

/** Environment of a node: the machine's minus anything Squish reads, plus the cluster's. */
function nodeEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(
      ([key]) => !key.startsWith('SQUISH_') && !key.startsWith('AWS_') && !/_proxy$/i.test(key),
    ),
  );
  return { ...base, ...env };
}

export class SquishNode {
  readonly options: SquishNodeOptions;
  private child: ChildProcess | undefined;
  private exited: Promise<unknown> | undefined;
  /** Starts so far (1 after the first start). */
  starts = 0;

  constructor(options: SquishNodeOptions) {
    this.options = options;
  }

  get name(): string {
    return this.options.name;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Starts the process and resolves once it says it runs (its "listening" or "roles:" line). */
  async start(): Promise<void> {
    const { roles, port, env, logFile, name } = this.options;
    const log = openSync(logFile, 'a');
    writeSync(log, `\n===== ${new Date().toISOString()} start ${name} (${roles})\n`);
    const command = [process.execPath, SQUISH_BIN, 'serve', '--roles', roles, '--port', String(port)];
    if (this.options.netns) command.unshift('ip', 'netns', 'exec', this.options.netns);
    const child = spawn(command[0]!, command.slice(1), { env: nodeEnv(env), stdio: ['ignore', 'pipe', log] });
    closeSync(log);
    this.child = child;
    this.exited = once(child, 'exit');
    this.starts++;
    await serveStarted(child, {
      apiRole: roles.split(',').includes('api'),
      timeoutMs: START_TIMEOUT_MS,
      failure: (reason) => new Error(`${name} ${reason}: ${this.logTail()}; see ${logFile}`),
    });
  }

  /** Sends a signal and waits for the exit. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (!this.running) return;
    this.child!.kill(signal);
    await this.exited;
  }

  /** The pids of this node's child processes (its engine processes, for a worker). */
  childPids(): number[] {
    const pid = this.pid;
    if (pid === undefined || !this.running) return [];
    return childPidsOf(pid);
  }

  /** The end of the log file, for error messages. */
  logTail(chars = 3000): string {
    try {
      return readFileSync(this.options.logFile, 'utf8').slice(-chars);
    } catch {
      return '';
    }
  }
}

/** CPU ticks (user + system) a process has used so far, or undefined when it is gone. */
export function cpuTicks(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return undefined;
  }
}

/** The pids of a process's children (empty when it is gone). */
export function childPidsOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}
