// The interop harness itself, with stand-in broker commands (bash scripts following the start
// contract), so it is proven before the real broker runs: start-up failures and hangs are reported
// with the broker's output, stop/restart/kill -9 work, and temp data directories are removed.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { requireClient, runProgram, startBroker } from './harness.ts';

/** A stand-in broker: prints its arguments and `started`, exits 0 on SIGTERM/SIGINT. */
const wellBehaved = [
  'bash',
  '-c',
  'echo "args: $*"; trap "echo stopping; exit 0" TERM INT; echo "fake broker started"; while true; do sleep 0.05; done',
  'fake-broker',
];

test('startBroker rejects with the exit code and the output of a broker that exits before printing started', async () => {
  await assert.rejects(
    startBroker({ command: ['bash', '-c', 'echo "bad setting: log.dirs" >&2; exit 3', 'fake-broker'] }),
    (error: Error) => {
      assert.match(error.message, /broker exited \(code 3, signal null\) before printing "started"/);
      assert.match(error.message, /bad setting: log\.dirs/);
      return true;
    },
  );
});

test('startBroker rejects with a clear error when the broker command does not exist', async () => {
  await assert.rejects(startBroker({ command: ['/nonexistent/fjord-broker'] }), /broker could not be spawned: spawn \/nonexistent\/fjord-broker ENOENT|exited/);
});

test('startBroker gives up on a broker that never prints started, kills it and shows its output', async () => {
  const started = Date.now();
  await assert.rejects(
    startBroker({ command: ['bash', '-c', 'echo "still loading"; sleep 30', 'fake-broker'], startTimeoutMs: 500 }),
    (error: Error) => {
      assert.match(error.message, /did not print "started" within 500 ms/);
      assert.match(error.message, /still loading/);
      return true;
    },
  );
  assert.ok(Date.now() - started < 5_000, 'gave up promptly');
});

let dataDirOfPreviousTest = '';

test('startBroker passes the listener, advertised listener, data dir and overrides; stop returns the exit code; restart keeps port and data dir; kill9 ends it', async () => {
  const broker = await startBroker({ command: wellBehaved, overrides: { 'num.partitions': '3' } });
  dataDirOfPreviousTest = broker.dataDir;
  assert.equal(broker.bootstrap, `127.0.0.1:${broker.port}`);
  assert.ok(existsSync(broker.dataDir));
  const expectedArguments = `args: start --override listeners=PLAINTEXT://127.0.0.1:${broker.port} --override advertised.listeners=PLAINTEXT://127.0.0.1:${broker.port} --override log.dirs=${broker.dataDir} --override num.partitions=3`;
  assert.ok(broker.output().includes(expectedArguments), broker.output());
  assert.equal(await broker.stop('SIGTERM'), 0);
  await broker.restart();
  assert.equal(broker.output().match(/^fake broker started$/gm)?.length, 2, 'started twice');
  assert.equal(await broker.stop('SIGINT'), 0);
  await assert.rejects(broker.stop(), /not running/);
  await broker.restart();
  await broker.kill9();
  assert.match(broker.output(), /exited with code null signal SIGKILL/);
  await broker.restart(); // left running: the harness stops it when the test ends
});

test('the harness removed the temp data directory of the previous test and stopped its broker', async () => {
  assert.notEqual(dataDirOfPreviousTest, '');
  assert.equal(existsSync(dataDirOfPreviousTest), false);
  const survivors = await runProgram('pgrep', ['-f', 'fake broker started']);
  assert.equal(survivors.stdout.trim(), '', 'no stand-in broker still running');
});

test('requireClient skips, with the install hint as the reason, when the probe fails outside CI', () => {
  const savedCi = process.env.CI;
  process.env.CI = 'false';
  try {
    assert.deepEqual(requireClient('absent-client', () => false, 'install it with X'), { skip: 'absent-client is not installed (install it with X)' });
    assert.deepEqual(requireClient('present-client', () => true, 'unused'), {});
  } finally {
    if (savedCi === undefined) delete process.env.CI;
    else process.env.CI = savedCi;
  }
});

test('kill9 and stop reach every process of a broker that wraps others, so none is left serving or writing', async () => {
  const marker = `fjord-harness-grandchild-${process.pid}`;
  // A wrapper that starts a long-lived child of its own (as a script starting a JVM does).
  const wrapper = ['bash', '-c', `bash -c 'exec -a ${marker} sleep 600' & echo "wrapper started"; wait`, 'fake-broker'];
  const broker = await startBroker({ command: wrapper });
  const running = async (): Promise<string> => (await runProgram('pgrep', ['-f', marker])).stdout.trim();
  assert.notEqual(await running(), '', 'the grandchild runs');
  await broker.kill9();
  for (let attempt = 0; attempt < 50 && (await running()) !== ''; attempt += 1) await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(await running(), '', 'kill9 killed the grandchild too');
  await broker.restart();
  assert.notEqual(await running(), '', 'the grandchild runs again');
  await broker.stop('SIGTERM');
  for (let attempt = 0; attempt < 50 && (await running()) !== ''; attempt += 1) await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(await running(), '', 'stop reached the grandchild too');
});
