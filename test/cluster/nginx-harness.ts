/**
 * Runs nginx with deploy/nginx/squish.conf, rendered, under a scratch folder: the main nginx.conf
 * written here only holds what a distribution's /etc/nginx/nginx.conf holds (pid, logs, temp
 * folders) and includes the deploy file, as conf.d does. The access log records, per request,
 * the client's X-Cluster-Request header and the upstream that answered, so the cluster test can
 * tell which API node a failed request was on.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { renderDeployFile } from './deploy-files.js';

const run = promisify(execFile);

export interface NginxOptions {
  /** Scratch folder for the rendered files, logs, pid and temp folders. */
  dir: string;
  /** `listen` value, e.g. 127.0.0.1:7890. */
  listen: string;
  /** host:port of the two API nodes. */
  apiNodes: readonly [string, string];
}

/** One line of the harness's access log. */
export interface AccessLogLine {
  requestId: string;
  status: number;
  /** Upstream addresses tried, in order (nginx's `$upstream_addr`, split). */
  upstreams: string[];
  upstreamStatus: string;
}

/** The main configuration around the deploy file. */
function mainConfig(dir: string): string {
  return `# Written by test/cluster/nginx-harness.ts: the frame a distribution's nginx.conf gives.
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/logs/error.log warn;
events { worker_connections 1024; }
http {
  log_format cluster '$http_x_cluster_request $status "$upstream_addr" "$upstream_status" $request_time';
  access_log ${dir}/logs/access.log cluster;
  client_body_temp_path ${dir}/tmp/body;
  proxy_temp_path ${dir}/tmp/proxy;
  fastcgi_temp_path ${dir}/tmp/fastcgi;
  uwsgi_temp_path ${dir}/tmp/uwsgi;
  scgi_temp_path ${dir}/tmp/scgi;
  include ${dir}/squish.conf;
}
`;
}

/** Writes the configuration; returns the path of the main file. */
export function writeNginxConfig(options: NginxOptions): string {
  mkdirSync(path.join(options.dir, 'logs'), { recursive: true });
  mkdirSync(path.join(options.dir, 'tmp'), { recursive: true });
  writeFileSync(
    path.join(options.dir, 'squish.conf'),
    renderDeployFile('nginx/squish.conf', {
      LISTEN: options.listen,
      API_NODE_1: options.apiNodes[0],
      API_NODE_2: options.apiNodes[1],
    }),
  );
  const main = path.join(options.dir, 'nginx.conf');
  writeFileSync(main, mainConfig(options.dir));
  return main;
}

/** `nginx -t` on the written configuration; resolves with its output, rejects when invalid. */
export async function testNginxConfig(options: NginxOptions): Promise<string> {
  const main = writeNginxConfig(options);
  const { stderr } = await run('nginx', ['-t', '-p', options.dir, '-c', main]);
  return stderr;
}

/** Starts nginx (it daemonizes); stop it with stopNginx. */
export async function startNginx(options: NginxOptions, netns?: string): Promise<void> {
  const main = writeNginxConfig(options);
  const command = ['nginx', '-p', options.dir, '-c', main];
  if (netns) await run('ip', ['netns', 'exec', netns, ...command]);
  else await run(command[0]!, command.slice(1));
}

/** The master's pid, or undefined when nginx is not running. */
export function nginxPid(dir: string): number | undefined {
  try {
    return Number(readFileSync(path.join(dir, 'nginx.pid'), 'utf8').trim()) || undefined;
  } catch {
    return undefined;
  }
}

/** Stops nginx by its pidfile (QUIT: graceful), if it runs. */
export function stopNginx(dir: string): void {
  const pid = nginxPid(dir);
  if (pid === undefined) return;
  try {
    process.kill(pid, 'SIGQUIT');
  } catch {
    // already gone
  }
}

/** The access log so far. */
export function readAccessLog(dir: string): AccessLogLine[] {
  let text: string;
  try {
    text = readFileSync(path.join(dir, 'logs', 'access.log'), 'utf8');
  } catch {
    return [];
  }
  const lines: AccessLogLine[] = [];
  for (const line of text.split('\n')) {
    const match = /^(\S+) (\d+) "([^"]*)" "([^"]*)"/.exec(line);
    if (!match) continue;
    lines.push({
      requestId: match[1]!,
      status: Number(match[2]),
      upstreams: match[3]!.split(/\s*,\s*|\s+:\s+/).filter((entry) => entry && entry !== '-'),
      upstreamStatus: match[4]!,
    });
  }
  return lines;
}
