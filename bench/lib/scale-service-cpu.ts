/**
 * CPU time of the shared services on this machine (PostgreSQL, and Ceph's radosgw with the
 * monitor and OSD behind it), found from the port they listen on: the benchmark only knows their
 * addresses (SQUISH_TEST_* URLs), not their pids. Linux only; reads /proc as root.
 *
 * Hand-written, like bench/api-lib/cpu-time.ts: a few lines of /proc parsing.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { treeCpuMs } from '../api-lib/cpu-time.js';

/** The socket inodes listening on a TCP port (IPv4 and IPv6 tables). */
function listeningInodes(port: number): Set<string> {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      const local = fields[1];
      // State 0A is LISTEN.
      if (!local || fields[3] !== '0A') continue;
      if (Number.parseInt(local.slice(local.lastIndexOf(':') + 1), 16) === port && fields[9])
        inodes.add(fields[9]);
    }
  }
  return inodes;
}

function pids(): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number);
}

/** The pid of the process listening on a loopback TCP port, or undefined. */
export function listenerPid(port: number): number | undefined {
  const inodes = listeningInodes(port);
  if (inodes.size === 0) return undefined;
  for (const pid of pids()) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (match?.[1] && inodes.has(match[1])) return pid;
      } catch {
        // the descriptor closed while being read
      }
    }
  }
  return undefined;
}

function cmdline(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return [];
  }
}

/**
 * The pids of a Ceph cluster: the process listening on the radosgw port, and every process
 * started with the same `-c <ceph.conf>` (monitor, OSD).
 */
export function cephPids(radosgwPort: number): number[] {
  const gateway = listenerPid(radosgwPort);
  if (gateway === undefined) return [];
  const args = cmdline(gateway);
  const conf = args[args.indexOf('-c') + 1];
  if (!conf || args.indexOf('-c') < 0) return [gateway];
  return pids().filter((pid) => {
    const other = cmdline(pid);
    const at = other.indexOf('-c');
    return at >= 0 && other[at + 1] === conf;
  });
}

/** CPU ms so far of some processes and their descendants (a postmaster's backends, for one). */
export function processesCpuMs(pidList: readonly number[]): number {
  return pidList.reduce((sum, pid) => sum + treeCpuMs(pid), 0);
}
