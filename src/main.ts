/**
 * fjord's command line: `fjord start` runs a single-node broker. See `fjord --help`.
 */
import { readFileSync } from 'node:fs';

import { Broker } from './broker/broker.ts';
import { loadBrokerConfig } from './config/index.ts';
import type { LogLevel } from './net/index.ts';

const EXIT_OK = 0;
const EXIT_FAILURE = 1;
const EXIT_USAGE = 2;
const EXIT_INVALID_CONFIG = 3;

const HELP = `fjord: a Kafka-wire-compatible event streaming broker

Usage:
  fjord start [--config FILE] [--override KEY=VALUE]...
  fjord --help | --version

Commands:
  start    Run a single-node broker until SIGTERM or SIGINT, then shut down cleanly.

Options for start:
  --config FILE          A Kafka broker properties file (server.properties), with Kafka's
                         names: listeners, advertised.listeners, log.dirs, node.id,
                         num.partitions, auto.create.topics.enable, log.retention.ms, ...
  --override KEY=VALUE   Set one broker config; repeatable; beats the file.

Defaults: listener and advertised listener PLAINTEXT://127.0.0.1:9092, data in ./fjord-data,
node.id 1, otherwise Kafka 4.1's defaults. Settings Kafka does not know, and invalid values,
are reported by name and stop the start; Kafka settings fjord does not act on are listed as
warnings.

Exit codes:
  0  shut down cleanly after SIGTERM/SIGINT
  1  failed to start (e.g. the port is taken, the data directory is unusable) or while running
  2  usage error
  3  invalid configuration
`;

function log(level: LogLevel, message: string): void {
  const line = `${new Date().toISOString()} ${level.toUpperCase().padEnd(5)} ${message}\n`;
  if (level === 'info') process.stdout.write(line);
  else process.stderr.write(line);
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

interface StartArguments {
  file?: string;
  overrides: Record<string, string>;
}

function parseStart(args: readonly string[]): StartArguments | string {
  const parsed: StartArguments = { overrides: {} };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') && !arg.startsWith('--override=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string | undefined => inline ?? args[++i];
    if (flag === '--config') {
      const file = value();
      if (file === undefined) return '--config needs a file';
      parsed.file = file;
    } else if (flag === '--override' || arg.startsWith('--override=')) {
      const setting = arg.startsWith('--override=') ? arg.slice('--override='.length) : args[++i];
      if (setting === undefined || !setting.includes('=')) return '--override needs KEY=VALUE';
      const at = setting.indexOf('=');
      parsed.overrides[setting.slice(0, at).trim()] = setting.slice(at + 1);
    } else {
      return `unknown option ${arg}`;
    }
  }
  return parsed;
}

async function start(args: StartArguments): Promise<number> {
  const { config, problems } = loadBrokerConfig({ ...(args.file !== undefined ? { file: args.file } : {}), overrides: args.overrides });
  for (const problem of problems) {
    log(problem.severity === 'error' ? 'error' : 'warn', `config ${problem.name}: ${problem.reason}`);
  }
  if (problems.some((problem) => problem.severity === 'error')) {
    log('error', 'not starting: fix the settings named above');
    return EXIT_INVALID_CONFIG;
  }
  // Signal handlers go in before anything starts, so a signal during start-up (or right after
  // "started") still ends in a graceful shutdown.
  let broker: Broker | undefined;
  let signals = 0;
  let stopped = false;
  let resolveExit: (code: number) => void = () => {};
  const exit = new Promise<number>((resolve) => (resolveExit = resolve));
  const stop = (running: Broker) =>
    running.stop().then(
      () => {
        stopped = true;
        resolveExit(EXIT_OK);
      },
      (error: unknown) => {
        log('error', `shutdown failed: ${error instanceof Error ? error.message : String(error)}`);
        resolveExit(EXIT_FAILURE);
      },
    );
  const onSignal = (signal: NodeJS.Signals) => {
    signals++;
    if (stopped) return;
    if (signals > 1) {
      log('warn', `${signal} again: exiting without finishing the shutdown`);
      process.exit(EXIT_FAILURE);
    }
    log('info', `${signal} received`);
    if (broker !== undefined) void stop(broker);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  try {
    broker = await Broker.start(config, log);
  } catch (error) {
    log('error', `failed to start: ${error instanceof Error ? error.message : String(error)}`);
    return EXIT_FAILURE;
  }
  const where = broker.listeners.map((l) => `${l.listener.name}://${l.host}:${l.port}`).join(', ');
  log('info', `fjord ${version()} started: ${where} (cluster ${broker.metadata.clusterId}, node ${broker.metadata.nodeId})`);
  if (signals > 0) void stop(broker); // a signal arrived while starting
  return exit;
}

export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(HELP);
    return command === undefined ? EXIT_USAGE : EXIT_OK;
  }
  if (command === '--version') {
    process.stdout.write(`${version()}\n`);
    return EXIT_OK;
  }
  if (command === 'start') {
    if (rest.includes('--help') || rest.includes('-h')) {
      process.stdout.write(HELP);
      return EXIT_OK;
    }
    const parsed = parseStart(rest);
    if (typeof parsed === 'string') {
      process.stderr.write(`fjord start: ${parsed}\n\n${HELP}`);
      return EXIT_USAGE;
    }
    return start(parsed);
  }
  process.stderr.write(`fjord: unknown command ${command}\n\n${HELP}`);
  return EXIT_USAGE;
}

if (import.meta.main) {
  process.on('unhandledRejection', (reason) => {
    log('error', `unhandled rejection: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}`);
  });
  process.exitCode = await main(process.argv.slice(2));
}
