/**
 * CPU time of a process and its live descendants, from Linux /proc: on a shared, loaded machine
 * requests per second move with everyone else's load, CPU per request much less.
 *
 * Hand-written: a few lines of /proc parsing; the npm helpers for this (pidusage, pidtree) are
 * not installed here and spawn `ps` on other systems.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ: 100 on every Linux build of note). */
const TICKS_PER_SECOND = 100;

/**
 * utime + stime of one process in ms (0 when it has exited); with `reaped`, plus cutime + cstime:
 * the whole lifetimes of its children that exited and were reaped, such as engine processes a
 * pool replaced.
 */
export function processCpuMs(pid: number, reaped = false): number {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return 0;
  }
  // The command name (field 2) may hold spaces and parentheses: fields are counted after its ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const own = Number(fields[11]) + Number(fields[12]);
  const ticks = reaped ? own + Number(fields[13]) + Number(fields[14]) : own;
  return (ticks * 1000) / TICKS_PER_SECOND;
}

/** Pids of the process's direct children (every thread's list). */
export function childrenOf(pid: number): number[] {
  const children: number[] = [];
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return children;
  }
  for (const task of tasks) {
    try {
      const list = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
      if (list) children.push(...list.split(' ').map(Number));
    } catch {
      // the thread ended while being read
    }
  }
  return children;
}

/**
 * CPU ms used so far by `pid` and its descendants: the running ones, and those that exited and
 * were reaped by a process of the tree. A child that exits between two readings and is not yet
 * reaped is missed, so take differences over periods of many requests.
 */
export function treeCpuMs(pid: number): number {
  let total = 0;
  const pending = [pid];
  while (pending.length > 0) {
    const next = pending.pop()!;
    total += processCpuMs(next, true);
    pending.push(...childrenOf(next));
  }
  return total;
}

/** Whether /proc offers what treeCpuMs reads (Linux with CONFIG_PROC_CHILDREN). */
export function canMeasureCpu(): boolean {
  try {
    readFileSync(`/proc/${process.pid}/task/${process.pid}/children`, 'utf8');
    return true;
  } catch {
    return false;
  }
}
