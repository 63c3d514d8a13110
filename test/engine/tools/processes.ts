/**
 * Process inspection for the tool runner tests, from /proc (Linux, where the engine runs): which
 * tools a pid has spawned, and whether a pid still lives.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Pids of the processes named `name` (as in /proc/<pid>/comm) whose parent is `parentPid`. */
export function toolsRunBy(parentPid: number, name: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The command name (field 2) is in parentheses and may hold spaces: fields after it are fixed.
      const closing = stat.lastIndexOf(')');
      const ppid = Number(stat.slice(closing + 2).split(' ')[1]);
      const command = stat.slice(stat.indexOf('(') + 1, closing);
      if (ppid === parentPid && command === name) found.push(Number(entry));
    } catch {
      // the process ended while the list was read
    }
  }
  return found;
}

/** Whether a process with this pid exists and is not a zombie. */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Resolves once `check` holds, looking again every few milliseconds (the test's timeout bounds it). */
export async function waitUntil(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 10));
}
