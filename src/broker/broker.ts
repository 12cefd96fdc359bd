/**
 * The broker's composition root: opens the metadata store and the logs, starts one network
 * listener per configured listener, and shuts everything down in order. Nothing else wires
 * modules together.
 *
 * Start-up order: metadata (cluster id, topics, dynamic configs) → logs (recovery of every
 * partition) → group coordinator (loads `__consumer_offsets`) → transaction coordinator (loads
 * `__transaction_state`, resumes the completion of transactions left in PrepareCommit /
 * PrepareAbort) → listeners. Shutdown is the reverse: stop accepting and finish in-flight
 * requests, stop the transaction coordinator (timers, marker writes in flight, state
 * snapshot), stop the group coordinator (timers, state snapshot), then close the logs cleanly
 * (so the next start scans nothing), then the metadata store.
 */
import { join } from 'node:path';

import type { BrokerConfig, Listener } from '../config/index.ts';
import { GroupService } from '../coordinator/group/group-service.ts';
import { TxnService } from '../coordinator/txn/txn-service.ts';
import { RequestDispatcher } from '../handlers/dispatcher.ts';
import { LogManager } from '../log/log-manager.ts';
import { MetadataStore } from '../metadata/metadata-store.ts';
import { FJORD_NETWORK_DEFAULTS, Server, type Logger } from '../net/index.ts';
import type { BrokerServices, Endpoint } from './services.ts';
import { TopicAdmin } from './topic-admin.ts';

/** Kafka keeps the KRaft metadata log in `__cluster_metadata-0` under the first log dir. */
export const METADATA_DIR_NAME = '__cluster_metadata-0';
/** How long a graceful shutdown waits for in-flight requests before closing connections. */
export const SHUTDOWN_TIMEOUT_MS = 30_000;
/** setInterval's largest delay; Kafka's Long.MAX_VALUE intervals mean "never". */
const MAX_TIMER_MS = 2_147_483_647;

const schedulable = (intervalMs: number) => (intervalMs > 0 && intervalMs <= MAX_TIMER_MS ? intervalMs : 0);

export interface RunningListener {
  readonly listener: Listener;
  readonly host: string;
  readonly port: number;
}

export class Broker {
  readonly metadata: MetadataStore;
  readonly logs: LogManager;
  readonly topics: TopicAdmin;
  readonly groups: GroupService;
  readonly txns: TxnService;
  readonly listeners: readonly RunningListener[];
  readonly #servers: readonly Server[];
  readonly #log: Logger;
  #stopping: Promise<void> | null = null;

  private constructor(parts: {
    metadata: MetadataStore;
    logs: LogManager;
    topics: TopicAdmin;
    groups: GroupService;
    txns: TxnService;
    servers: Server[];
    listeners: RunningListener[];
    log: Logger;
  }) {
    this.metadata = parts.metadata;
    this.logs = parts.logs;
    this.topics = parts.topics;
    this.groups = parts.groups;
    this.txns = parts.txns;
    this.#servers = parts.servers;
    this.listeners = parts.listeners;
    this.#log = parts.log;
  }

  static async start(config: BrokerConfig, log: Logger): Promise<Broker> {
    const logDir = config.logDirs[0];
    if (logDir === undefined) throw new Error('no log directory configured');
    const metadata = await MetadataStore.open(join(logDir, METADATA_DIR_NAME), { nodeId: config.nodeId });
    log('info', `cluster ${metadata.clusterId}, node ${metadata.nodeId}, ${metadata.topics().length} topic(s), data in ${config.logDirs.join(', ')}`);
    let logs: LogManager | undefined;
    const topics = new TopicAdmin(config, metadata, () => {
      if (logs === undefined) throw new Error('logs are not open yet');
      return logs;
    });
    try {
      const started = Date.now();
      logs = await LogManager.open({
        logDirs: config.logDirs,
        topics: metadata.topics(),
        settingsFor: (topic) => topics.settingsFor(topic),
        retentionCheckIntervalMs: schedulable(config.logRetentionCheckIntervalMs),
        flushCheckIntervalMs: schedulable(config.logFlushSchedulerIntervalMs),
        checkpointIntervalMs: schedulable(config.logFlushOffsetCheckpointIntervalMs),
        producerIdExpirationMs: config.producerIdExpirationMs,
        log,
      });
      topics.refreshLayers();
      log('info', `logs open in ${Date.now() - started} ms`);
    } catch (error) {
      await metadata.close();
      throw error;
    }

    const openLogs = logs;
    let groups: GroupService;
    let txns: TxnService;
    try {
      groups = GroupService.start({ config, logs: openLogs, topics, metadata, snapshotDir: logDir, log });
    } catch (error) {
      await openLogs.close();
      await metadata.close();
      throw error;
    }
    try {
      txns = TxnService.start({ config, logs: openLogs, topics, metadata, groups, snapshotDir: logDir, log });
    } catch (error) {
      groups.stop();
      await openLogs.close();
      await metadata.close();
      throw error;
    }
    const services: BrokerServices = {
      get config() {
        return topics.config;
      },
      metadata,
      logs: openLogs,
      topics,
      groups,
      txns,
      endpointFor: (listenerName: string): Endpoint => advertisedEndpoint(topics.config, listenerName, running),
      now: () => Date.now(),
    };
    const dispatcher = new RequestDispatcher(services);
    const servers: Server[] = [];
    const running: RunningListener[] = [];
    try {
      for (const listener of config.listeners) {
        const server = new Server(
          {
            host: listener.host,
            port: listener.port,
            listenerName: listener.name,
            maxRequestBytes: config.socketRequestMaxBytes,
            maxConnections: config.maxConnections,
            maxConnectionsPerIp: config.maxConnectionsPerIp,
            idleTimeoutMs: config.connectionsMaxIdleMs,
            maxInFlightRequestsPerConnection: FJORD_NETWORK_DEFAULTS.maxInFlightRequestsPerConnection,
            maxQueuedResponseBytesPerConnection: FJORD_NETWORK_DEFAULTS.maxQueuedResponseBytesPerConnection,
            zeroCopy: listener.securityProtocol === 'PLAINTEXT',
            logger: log,
          },
          dispatcher,
        );
        const address = await server.listen();
        servers.push(server);
        running.push({ listener, host: address.host, port: address.port });
      }
    } catch (error) {
      for (const server of servers) await server.close(0);
      await txns.stop();
      groups.stop();
      await openLogs.close();
      await metadata.close();
      throw error;
    }
    return new Broker({ metadata, logs: openLogs, topics, groups, txns, servers, listeners: running, log });
  }

  /** Graceful shutdown; safe to call more than once. */
  stop(timeoutMs = SHUTDOWN_TIMEOUT_MS): Promise<void> {
    this.#stopping ??= (async () => {
      this.#log('info', 'shutting down: no new connections, finishing in-flight requests');
      await Promise.all(this.#servers.map((server) => server.close(timeoutMs)));
      await this.txns.stop();
      this.groups.stop();
      await this.logs.close();
      await this.metadata.close();
      this.#log('info', 'shut down cleanly');
    })();
    return this.#stopping;
  }
}

/**
 * The advertised endpoint for a listener, falling back to the listener's own address. A port of
 * 0 (bind any free port) is advertised as the port actually bound, as Kafka does.
 */
function advertisedEndpoint(config: BrokerConfig, listenerName: string, running: readonly RunningListener[]): Endpoint {
  const advertised = config.advertisedListeners.find((l) => l.name === listenerName) ?? config.listeners.find((l) => l.name === listenerName);
  const bound = running.find((r) => r.listener.name === listenerName);
  if (advertised === undefined) return bound !== undefined ? { host: bound.host, port: bound.port } : { host: '127.0.0.1', port: 9092 };
  return { host: advertised.host, port: advertised.port === 0 && bound !== undefined ? bound.port : advertised.port };
}
