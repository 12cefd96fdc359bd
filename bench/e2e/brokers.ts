// The two brokers of the end-to-end benchmark and the Java tools that drive them:
//   - Apache Kafka 4.1 (kafka_2.13 and kafka-tools from Maven Central, fetched once into
//     .cache/kafka/lib by a throwaway pom and `mvn dependency:copy-dependencies`, never committed),
//     run as a KRaft combined single node with its default settings and the JVM options that
//     kafka-server-start.sh and kafka-run-class.sh give it;
//   - fjord, started by its command-line contract (`node src/main.ts start --override ...`).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { BoundedOutput, describeProgramResult, freePort, hasExited, runProgram, sleep, stopProcess, track } from './processes.ts';

export const repositoryRoot = fileURLToPath(new URL('../../', import.meta.url));

/** The latest 4.1 patch release on Maven Central (checked 2026-11-21: 4.1.2; 4.2 and 4.3 exist). */
export const kafkaVersion = '4.1.2';
/** The log4j 2 version kafka 4.1.2 depends on; its slf4j 1.x binding routes Kafka's logging to log4j. */
const log4jVersion = '2.25.3';

const cacheDir = join(repositoryRoot, '.cache/kafka');
const libDir = join(cacheDir, 'lib');
const classesDir = join(cacheDir, 'classes');
const benchClientSource = join(repositoryRoot, 'bench/e2e/java/BenchClient.java');
export const javaClasspath = `${classesDir}:${libDir}/*`;

/** kafka-server-start.sh's KAFKA_HEAP_OPTS default. */
export const kafkaHeapOptions = ['-Xmx1G', '-Xms1G'];
/** kafka-run-class.sh's KAFKA_JVM_PERFORMANCE_OPTS default (JDK 17: no MaxInlineLevel flag). */
const kafkaJvmPerformanceOptions = [
  '-server',
  '-XX:+UseG1GC',
  '-XX:MaxGCPauseMillis=20',
  '-XX:InitiatingHeapOccupancyPercent=35',
  '-XX:+ExplicitGCInvokesConcurrent',
  '-Djava.awt.headless=true',
];
/** kafka-producer-perf-test.sh and kafka-consumer-perf-test.sh set KAFKA_HEAP_OPTS=-Xmx512M. */
const toolHeapOptions = ['-Xmx512M'];

const brokerStartTimeoutMs = 120_000;
const brokerStopGraceMs = 30_000;

/** Java tools log warnings and errors to stderr only. */
const toolLogConfig = join(cacheDir, 'tools-log4j2.properties');

/** The java command line for a client tool (the perf tools or BenchClient). */
export function javaToolArguments(mainClass: string, argumentList: readonly string[]): string[] {
  return [...toolHeapOptions, ...kafkaJvmPerformanceOptions, `-Dlog4j2.configurationFile=${toolLogConfig}`, '-cp', javaClasspath, mainClass, ...argumentList];
}

function requiredJars(): string[] {
  return [`kafka_2.13-${kafkaVersion}.jar`, `kafka-tools-${kafkaVersion}.jar`, `kafka-clients-${kafkaVersion}.jar`, `log4j-slf4j-impl-${log4jVersion}.jar`];
}

/**
 * Fetches Kafka's jars into .cache/kafka/lib unless they are there already, and compiles
 * bench/e2e/java/BenchClient.java when its class is missing or older than the source.
 * Throws with Maven's or javac's output when either fails.
 */
export async function prepareKafka(log: (line: string) => void): Promise<void> {
  mkdirSync(cacheDir, { recursive: true });
  writeFileSync(
    toolLogConfig,
    [
      'rootLogger.level = WARN',
      'rootLogger.appenderRef.stderr.ref = stderr',
      'appender.stderr.type = Console',
      'appender.stderr.name = stderr',
      'appender.stderr.target = SYSTEM_ERR',
      'appender.stderr.layout.type = PatternLayout',
      'appender.stderr.layout.pattern = [%d] %p %m (%c)%n',
      '',
    ].join('\n'),
  );
  if (!requiredJars().every((jar) => existsSync(join(libDir, jar)))) {
    log(`fetching Apache Kafka ${kafkaVersion} (kafka_2.13, kafka-tools) and runtime dependencies from Maven Central into .cache/kafka/lib`);
    const dependency = (groupId: string, artifactId: string, version: string): string =>
      `    <dependency><groupId>${groupId}</groupId><artifactId>${artifactId}</artifactId><version>${version}</version></dependency>`;
    writeFileSync(
      join(cacheDir, 'pom.xml'),
      [
        '<project xmlns="http://maven.apache.org/POM/4.0.0">',
        '  <modelVersion>4.0.0</modelVersion>',
        '  <groupId>fjord.bench</groupId>',
        '  <artifactId>kafka-reference</artifactId>',
        '  <version>1</version>',
        '  <packaging>pom</packaging>',
        '  <dependencies>',
        dependency('org.apache.kafka', 'kafka_2.13', kafkaVersion),
        dependency('org.apache.kafka', 'kafka-tools', kafkaVersion),
        dependency('org.apache.logging.log4j', 'log4j-slf4j-impl', log4jVersion),
        '  </dependencies>',
        '</project>',
        '',
      ].join('\n'),
    );
    const result = await runProgram('mvn', ['-q', '-B', 'dependency:copy-dependencies', '-DoutputDirectory=lib', '-DincludeScope=runtime'], {
      cwd: cacheDir,
      timeoutMs: 600_000,
    });
    const missing = requiredJars().filter((jar) => !existsSync(join(libDir, jar)));
    if (result.code !== 0 || missing.length > 0) {
      throw new Error(
        `fetching Kafka ${kafkaVersion} from Maven Central failed (missing: ${missing.join(', ') || 'none'}); mvn: ${describeProgramResult(result)}`,
      );
    }
  }
  const benchClientClass = join(classesDir, 'BenchClient.class');
  if (!existsSync(benchClientClass) || statSync(benchClientClass).mtimeMs < statSync(benchClientSource).mtimeMs) {
    mkdirSync(classesDir, { recursive: true });
    const result = await runProgram('javac', ['-d', classesDir, '-cp', `${libDir}/*`, benchClientSource], { timeoutMs: 120_000 });
    if (result.code !== 0) throw new Error(`javac bench/e2e/java/BenchClient.java failed: ${describeProgramResult(result)}`);
  }
}

export type BrokerName = 'fjord' | 'kafka';

export type RunningBroker = {
  name: BrokerName;
  /** What ran, with its settings, for the report. */
  description: string;
  bootstrap: string;
  pid: number;
  isRunning(): boolean;
  /** The end of what the broker printed (and, for Kafka, of its server.log). */
  outputTail(): string;
  stop(): Promise<void>;
};

/**
 * Waits until `isReady()` or the process exits or `brokerStartTimeoutMs` passes; on failure kills
 * the process and throws with its output.
 */
async function awaitStart(name: string, child: ChildProcess, isReady: () => boolean, outputTail: () => string): Promise<void> {
  const deadline = performance.now() + brokerStartTimeoutMs;
  while (!isReady()) {
    if (hasExited(child)) {
      throw new Error(`${name} exited (code ${child.exitCode}, signal ${child.signalCode}) before it started; its output:\n${outputTail()}`);
    }
    if (performance.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${name} did not start within ${brokerStartTimeoutMs} ms; its output:\n${outputTail()}`);
    }
    await sleep(100);
  }
}

function spawnTracked(command: string, argumentList: readonly string[], output: BoundedOutput): ChildProcess {
  const child = spawn(command, argumentList, { cwd: repositoryRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  track(child);
  child.stdout?.setEncoding('utf8');
  child.stderr?.setEncoding('utf8');
  child.stdout?.on('data', (chunk: string) => output.append(chunk));
  child.stderr?.on('data', (chunk: string) => output.append(chunk));
  child.once('error', (error) => output.append(`could not start ${command}: ${error.message}\n`));
  return child;
}

function fileTail(path: string, maxCharacters: number): string {
  try {
    const text = readFileSync(path, 'utf8');
    return text.slice(Math.max(0, text.length - maxCharacters));
  } catch {
    return '';
  }
}

/**
 * Starts Apache Kafka as a KRaft combined node (broker and controller, node id 1, a standalone
 * dynamic quorum as Kafka 4.x's config/server.properties sets up) in `directory`, with only the
 * settings a single node needs; everything else is Kafka's default. `features` are passed to the
 * storage format as `--feature name=level` (e.g. `transaction.version=1`).
 */
export async function startKafka(directory: string, options: { features?: readonly string[] } = {}): Promise<RunningBroker> {
  const port = await freePort();
  const controllerPort = await freePort();
  const dataDir = join(directory, 'data');
  const propertiesPath = join(directory, 'server.properties');
  const serverLog = join(directory, 'server.log');
  const logConfig = join(directory, 'log4j2.properties');
  writeFileSync(
    propertiesPath,
    [
      'process.roles=broker,controller',
      'node.id=1',
      `controller.quorum.bootstrap.servers=127.0.0.1:${controllerPort}`,
      `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
      `advertised.listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
      'controller.listener.names=CONTROLLER',
      'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
      `log.dirs=${dataDir}`,
      // A single node cannot hold the internal topics' default replication factor of 3.
      'offsets.topic.replication.factor=1',
      'transaction.state.log.replication.factor=1',
      'transaction.state.log.min.isr=1',
      'share.coordinator.state.topic.replication.factor=1',
      'share.coordinator.state.topic.min.isr=1',
      '',
    ].join('\n'),
  );
  // Kafka's distribution logs INFO to server.log (config/log4j2.yaml); so does this.
  writeFileSync(
    logConfig,
    [
      'rootLogger.level = INFO',
      'rootLogger.appenderRef.file.ref = file',
      'appender.file.type = File',
      'appender.file.name = file',
      `appender.file.fileName = ${serverLog}`,
      'appender.file.layout.type = PatternLayout',
      'appender.file.layout.pattern = [%d] %p %m (%c)%n',
      '',
    ].join('\n'),
  );
  const javaOptions = [...kafkaHeapOptions, ...kafkaJvmPerformanceOptions, `-Dlog4j2.configurationFile=${logConfig}`, '-cp', javaClasspath];
  const uuid = await runProgram('java', [...javaOptions, 'kafka.tools.StorageTool', 'random-uuid'], { timeoutMs: 120_000 });
  const clusterId = uuid.stdout.trim();
  if (uuid.code !== 0 || !/^[A-Za-z0-9_-]{22}$/.test(clusterId)) {
    throw new Error(`kafka.tools.StorageTool random-uuid failed: ${describeProgramResult(uuid)}`);
  }
  const featureArguments = (options.features ?? []).flatMap((feature) => ['--feature', feature]);
  const format = await runProgram('java', [...javaOptions, 'kafka.tools.StorageTool', 'format', '--standalone', '-t', clusterId, '-c', propertiesPath, ...featureArguments], {
    timeoutMs: 120_000,
  });
  if (format.code !== 0) throw new Error(`kafka.tools.StorageTool format --standalone failed: ${describeProgramResult(format)}`);

  const output = new BoundedOutput();
  const child = spawnTracked('java', [...javaOptions, 'kafka.Kafka', propertiesPath], output);
  const outputTail = (): string => `${output.toString().trim()}\n--- server.log (end)\n${fileTail(serverLog, 8_000)}`;
  await awaitStart('Apache Kafka', child, () => fileTail(serverLog, 4_000).includes('Kafka Server started'), outputTail);
  return {
    name: 'kafka',
    description: `Apache Kafka ${kafkaVersion} from Maven Central, KRaft combined broker+controller node, default settings; JVM ${[...kafkaHeapOptions, ...kafkaJvmPerformanceOptions].join(' ')} (kafka-server-start.sh / kafka-run-class.sh defaults)`,
    bootstrap: `127.0.0.1:${port}`,
    pid: child.pid ?? 0,
    isRunning: () => !hasExited(child),
    outputTail,
    stop: () => stopProcess(child, brokerStopGraceMs),
  };
}

/** Starts fjord from this working tree with its defaults, on a free port with data in `directory`. */
export async function startFjord(directory: string): Promise<RunningBroker> {
  const port = await freePort();
  const listener = `PLAINTEXT://127.0.0.1:${port}`;
  const nodeBinary = join(repositoryRoot, 'node_modules/.bin/node');
  const argumentList = [
    'src/main.ts',
    'start',
    '--override',
    `listeners=${listener}`,
    '--override',
    `advertised.listeners=${listener}`,
    '--override',
    `log.dirs=${join(directory, 'data')}`,
  ];
  const output = new BoundedOutput();
  const child = spawnTracked(nodeBinary, argumentList, output);
  const outputTail = (): string => output.toString().trim();
  await awaitStart('fjord', child, () => /\bstarted\b/.test(output.toString()), outputTail);
  const version = /fjord (\S+) started/.exec(output.toString())?.[1] ?? 'unknown version';
  return {
    name: 'fjord',
    description: `fjord ${version} from this working tree (node_modules/.bin/node src/main.ts start), default settings`,
    bootstrap: `127.0.0.1:${port}`,
    pid: child.pid ?? 0,
    isRunning: () => !hasExited(child),
    outputTail,
    stop: () => stopProcess(child, brokerStopGraceMs),
  };
}
