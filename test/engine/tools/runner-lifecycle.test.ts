/**
 * The tool runner's life: it is replaced when it dies, skipped when it cannot start, never keeps
 * its parent alive, does not outlive it, and runs nothing but absolute tool paths.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { type TestContext, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { inheritableExecArgv } from '../../../src/engine/child-exec-argv.js';
import { runTool } from '../../../src/engine/tools/run-tool.js';
import { configureToolRunner, toolRunnerReady } from '../../../src/engine/tools/runner-client.js';
import type { RunnerCall, RunnerMessage } from '../../../src/engine/tools/runner-protocol.js';
import { assertSamePixels } from '../../helpers/pixels.js';
import { isAlive, toolsRunBy, waitUntil } from './processes.js';

/** Generous: a hang (a runner that never answers or never lets go) fails the test instead of blocking the run. */
const TEST_TIMEOUT_MS = 60_000;
const GIF = new Uint8Array(
  readFileSync(new URL('../../fixtures/tools/sk-no_time_for_that_tiny.gif', import.meta.url)),
);
const SCRIPT = fileURLToPath(new URL('./run-twice.script.ts', import.meta.url));
const RUNNER = fileURLToPath(new URL('../../../src/engine/tools/tool-runner.ts', import.meta.url));
const REFUSING_RUNNER = fileURLToPath(new URL('./refusing-runner.script.ts', import.meta.url));

/** However small this test process is, its calls go through the runner. */
const ALWAYS = { directBelowRssBytes: 0 };
configureToolRunner(ALWAYS);

/** The pid of the process that spawned the tool. */
async function parentOfTool(): Promise<number> {
  const result = await runTool('sh', ['-c', 'echo $PPID'], { timeoutMs: 20_000 });
  return Number(result.stdout.toString('utf8'));
}

test('a runner killed mid-call fails that call with CODEC_FAILED; the next call works and a new runner takes over', {
  timeout: TEST_TIMEOUT_MS,
}, async () => {
  const killed = await toolRunnerReady();
  assert.ok(killed);
  const call = runTool('sleep', ['20'], { timeoutMs: 30_000 });
  await waitUntil(() => toolsRunBy(killed, 'sleep').length > 0);
  const orphans = toolsRunBy(killed, 'sleep');
  process.kill(killed, 'SIGKILL');
  try {
    await assert.rejects(call, { code: 'CODEC_FAILED', message: /tool runner exited \(SIGKILL\)/ });
  } finally {
    // A runner killed outright cannot kill its tools: this one would sleep on.
    for (const orphan of orphans) process.kill(orphan, 'SIGKILL');
  }
  const next = await runTool('gifsicle', ['--no-warnings', '-O3'], { input: GIF, timeoutMs: 20_000 });
  await assertSamePixels(GIF, next.stdout, 'gifsicle after the runner died');
  const replacement = await toolRunnerReady();
  assert.ok(replacement && replacement !== killed, 'a new runner');
  assert.equal(await parentOfTool(), replacement);
});

test('when the runner cannot start, tools are spawned directly', { timeout: TEST_TIMEOUT_MS }, async () => {
  // Node runs /dev/null as an empty script: a process that exits without ever saying ready.
  configureToolRunner({ script: '/dev/null' });
  try {
    assert.equal(await toolRunnerReady(), undefined);
    assert.equal(await parentOfTool(), process.pid);
    const result = await runTool('gifsicle', ['--no-warnings', '-O3'], { input: GIF, timeoutMs: 20_000 });
    await assertSamePixels(GIF, result.stdout, 'gifsicle spawned directly');
  } finally {
    configureToolRunner(ALWAYS);
  }
});

test('a runner that says ready but fails its first call is not used', {
  timeout: TEST_TIMEOUT_MS,
}, async () => {
  configureToolRunner({ ...ALWAYS, script: REFUSING_RUNNER });
  try {
    assert.equal(await toolRunnerReady(), undefined);
    assert.equal(await parentOfTool(), process.pid);
  } finally {
    configureToolRunner(ALWAYS);
  }
});

test('a process small enough to fork cheaply spawns directly', { timeout: TEST_TIMEOUT_MS }, async () => {
  configureToolRunner({ directBelowRssBytes: Number.MAX_SAFE_INTEGER });
  try {
    assert.equal(await parentOfTool(), process.pid);
    assert.equal(await parentOfTool(), process.pid);
  } finally {
    configureToolRunner(ALWAYS);
  }
});

test('a call with a large input spawns directly, a small one goes through the runner', {
  timeout: TEST_TIMEOUT_MS,
}, async () => {
  configureToolRunner({ ...ALWAYS, directAboveInputBytes: 1000 });
  try {
    const runner = await toolRunnerReady();
    const parentWith = async (inputBytes: number) => {
      const result = await runTool('sh', ['-c', 'cat > /dev/null; echo $PPID'], {
        input: new Uint8Array(inputBytes),
        timeoutMs: 20_000,
      });
      return Number(result.stdout.toString('utf8'));
    };
    assert.equal(await parentWith(1000), runner);
    assert.equal(await parentWith(1001), process.pid);
  } finally {
    configureToolRunner(ALWAYS);
  }
});

test('switched off, tools are spawned directly', { timeout: TEST_TIMEOUT_MS }, async () => {
  configureToolRunner({ enabled: false });
  try {
    assert.equal(await toolRunnerReady(), undefined);
    assert.equal(await parentOfTool(), process.pid);
  } finally {
    configureToolRunner(ALWAYS);
  }
});

/** Starts run-twice.script.ts; `closed` resolves when every holder of its stderr (its runner too) is gone. */
function startScript(
  t: TestContext,
  mode?: 'hang' | 'eval',
): {
  child: ChildProcess;
  firstLine: Promise<string>;
  closed: Promise<unknown>;
} {
  const entry =
    mode === 'eval'
      ? ['-e', `import(${JSON.stringify(pathToFileURL(SCRIPT).href)})`]
      : [SCRIPT, ...(mode ? [mode] : [])];
  const child = spawn(process.execPath, ['--import', 'tsx', ...entry], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // A script that did not end by itself (the failure this guards against) must not outlive the test.
  t.after(() => child.kill('SIGKILL'));
  let stdout = '';
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const firstLine = new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      if (stdout.includes('\n')) resolve(stdout.split('\n')[0]!);
    });
    child.on('close', (code) => reject(new Error(`script ended (${code}) before a line: ${stderr}`)));
  });
  return { child, firstLine, closed: once(child, 'close') };
}

test('a process that used runTool ends by itself, and its runner with it', {
  timeout: TEST_TIMEOUT_MS,
}, async (t) => {
  const script = startScript(t);
  const report = JSON.parse(await script.firstLine);
  const [code] = (await script.closed) as [number | null];
  assert.equal(code, 0);
  assert.equal(report.first, report.self, 'the first call spawned directly while the runner started');
  assert.equal(report.second, report.runner, 'the second call went through the runner');
  // 'close' came after every holder of the script's stderr closed it, the runner among them.
  assert.equal(isAlive(report.runner), false);
});

test('a process started with node -e gets a working runner, not a copy of its own code', {
  timeout: TEST_TIMEOUT_MS,
}, async (t) => {
  const script = startScript(t, 'eval');
  const report = JSON.parse(await script.firstLine);
  const [code] = (await script.closed) as [number | null];
  assert.equal(code, 0);
  assert.equal(typeof report.runner, 'number', 'the runner started');
  assert.equal(report.second, report.runner, 'the second call went through the runner');
});

test('the runner gets the loader flags of its parent, not its code or test and inspector flags', () => {
  assert.deepEqual(
    inheritableExecArgv([
      '--import',
      'tsx',
      '-e',
      'run(me)',
      '--test-force-exit',
      '--inspect=0',
      '--eval=again()',
      '-pe',
      'x',
      '--max-old-space-size=512',
    ]),
    ['--import', 'tsx', '--max-old-space-size=512'],
  );
  // Test-runner flags whose value is the next argument take it with them (a child given
  // `node --import tsx "one test" child.js` would load "one test" as its script).
  assert.deepEqual(
    inheritableExecArgv([
      '--import',
      'tsx',
      '--test',
      '--test-reporter',
      'spec',
      '--test-name-pattern',
      'one test',
      '--test-concurrency=1',
      '--inspect-port',
      '9230',
      '--conditions=development',
    ]),
    ['--import', 'tsx', '--conditions=development'],
  );
});

test('the runner ends when its parent is killed, and kills the tool it was running', {
  timeout: TEST_TIMEOUT_MS,
}, async (t) => {
  const script = startScript(t, 'hang');
  const report = JSON.parse(await script.firstLine);
  await waitUntil(() => toolsRunBy(report.runner, 'sleep').length > 0);
  const [sleeping] = toolsRunBy(report.runner, 'sleep');
  t.after(() => {
    if (sleeping && isAlive(sleeping)) process.kill(sleeping, 'SIGKILL');
  });
  script.child.kill('SIGKILL');
  await script.closed;
  assert.equal(isAlive(report.runner), false);
  // SIGKILL was sent before the runner exited; the tool is gone as soon as the kernel gets to it.
  await waitUntil(() => !isAlive(sleeping!));
});

test('the runner runs absolute tool paths only', { timeout: TEST_TIMEOUT_MS }, async () => {
  const runner = fork(RUNNER, [], {
    serialization: 'advanced',
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  try {
    const replies = new Map<number, RunnerMessage>();
    const ready = new Promise<void>((resolve) =>
      runner.on('message', (message: RunnerMessage) => {
        if (message.type === 'ready') resolve();
        else replies.set(message.id, message);
      }),
    );
    await ready;
    const call = (id: number, path: string): RunnerCall => ({
      id,
      path,
      args: ['-c', 'echo ran'],
      timeoutMs: 20_000,
      maxOutputBytes: 1024,
    });
    runner.send(call(1, 'sh'));
    runner.send(call(2, '../../../usr/bin/sh'));
    runner.send(call(3, '/usr/bin/sh'));
    await waitUntil(() => replies.size === 3);
    for (const id of [1, 2]) {
      const reply = replies.get(id);
      assert.ok(reply?.type === 'result' && reply.outcome.kind === 'start-failed', `call ${id} refused`);
      assert.match(reply.outcome.detail, /not absolute/);
    }
    const ran = replies.get(3);
    assert.ok(ran?.type === 'result' && ran.outcome.kind === 'exited');
    assert.equal(ran.outcome.stdout.toString('utf8'), 'ran\n');
    runner.disconnect();
    const [code] = await once(runner, 'exit');
    assert.equal(code, 0, 'the runner ends by itself once disconnected');
  } finally {
    runner.kill('SIGKILL');
  }
});
