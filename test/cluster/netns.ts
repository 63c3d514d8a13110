/**
 * Network namespaces for the keepalived test: a bridge namespace and, per member, a namespace
 * joined to the bridge by a veth pair, all made here and deleted by `remove` (kill the processes
 * inside first). Every interface is created inside a namespace, none in the machine's own, so
 * nothing here touches the host's network or another test's namespaces (names carry the pid).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface NetnsLayout {
  /** Namespace name of each member, by role. */
  names: Record<string, string>;
  /** Address of each member on the bridge (without prefix). */
  addresses: Record<string, string>;
  bridge: string;
  remove(): Promise<void>;
}

export async function ip(...args: string[]): Promise<string> {
  const { stdout } = await run('ip', args);
  return stdout;
}

/**
 * Makes the bridge namespace and one namespace per member (`members`: role -> host number on
 * 10.<subnet>.0.0/24). The members' eth0 are up, with their address, and so is their loopback.
 */
export async function makeLayout(
  tag: string,
  subnet: number,
  members: Record<string, number>,
): Promise<NetnsLayout> {
  const bridge = `${tag}-br`;
  const names: Record<string, string> = {};
  const addresses: Record<string, string> = {};
  const made: string[] = [];
  const remove = async () => {
    for (const name of made.reverse()) await ip('netns', 'del', name).catch(() => undefined);
  };
  try {
    await ip('netns', 'add', bridge);
    made.push(bridge);
    await ip('-n', bridge, 'link', 'add', 'br0', 'type', 'bridge');
    await ip('-n', bridge, 'link', 'set', 'br0', 'up');
    for (const [role, host] of Object.entries(members)) {
      const name = `${tag}-${role}`;
      await ip('netns', 'add', name);
      made.push(name);
      const port = `v-${role}`.slice(0, 15);
      await ip('-n', bridge, 'link', 'add', port, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', name);
      await ip('-n', bridge, 'link', 'set', port, 'master', 'br0', 'up');
      await ip('-n', name, 'link', 'set', 'lo', 'up');
      await ip('-n', name, 'link', 'set', 'eth0', 'up');
      addresses[role] = `10.${subnet}.0.${host}`;
      await ip('-n', name, 'addr', 'add', `${addresses[role]}/24`, 'dev', 'eth0');
      names[role] = name;
    }
  } catch (error) {
    await remove();
    throw error;
  }
  return { names, addresses, bridge, remove };
}

/** True when the namespace's eth0 holds this address. */
export async function holdsAddress(netns: string, address: string): Promise<boolean> {
  const text = await ip('-n', netns, '-o', '-4', 'addr', 'show', 'dev', 'eth0').catch(() => '');
  return text.includes(` ${address}/`);
}
