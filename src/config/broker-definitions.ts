// The Apache Kafka 4.1 broker configs fjord models: name, type, Kafka's default, validator, how
// Kafka lets it change at runtime (DynamicBrokerConfig: read-only, per-broker or cluster-wide),
// whether fjord acts on it, and whether fjord applies a dynamic change without a restart.
// Facts from Kafka 4.1 (KafkaConfig, ServerLogConfigs, SocketServerConfigs, KRaftConfigs,
// GroupCoordinatorConfig, TransactionLogConfig, CleanerConfig); documentation in fjord's words.
// Broker configs Kafka has but fjord does not model are listed by name in KNOWN_KAFKA_BROKER_CONFIG_NAMES.

import type { BrokerConfigDefinition, ConfigTypeName, ConfigValidator, DynamicUpdateMode } from './types.ts';
import {
  atLeast,
  DOUBLE_MAX_VALUE,
  formatJavaDouble,
  gzipLevel,
  INT_MAX_VALUE,
  listOf,
  LONG_MAX_VALUE,
  oneOf,
  range,
} from './values.ts';

const LONG_MAX = String(LONG_MAX_VALUE);
const INT_MAX = String(INT_MAX_VALUE);

interface BrokerOptions {
  validator?: ConfigValidator;
  fjordApplies?: boolean;
  fjordAppliesDynamically?: boolean;
}

function broker(
  name: string,
  type: ConfigTypeName,
  defaultValue: string | null,
  dynamicUpdateMode: DynamicUpdateMode,
  documentation: string,
  options: BrokerOptions = {},
): BrokerConfigDefinition {
  const definition: BrokerConfigDefinition = {
    name,
    type,
    defaultValue,
    dynamicUpdateMode,
    documentation,
    fjordApplies: options.fjordApplies ?? false,
    fjordAppliesDynamically: options.fjordAppliesDynamically ?? false,
    ...(options.validator === undefined ? {} : { validator: options.validator }),
  };
  return definition;
}

const USED = { fjordApplies: true };
const USED_DYNAMIC = { fjordApplies: true, fjordAppliesDynamically: true };

/** The broker configs fjord models, grouped as Kafka's config classes group them. */
export const BROKER_CONFIG_DEFINITIONS: readonly BrokerConfigDefinition[] = [
  // Identity and roles (KRaftConfigs, ServerConfigs).
  broker('node.id', 'INT', '-1', 'read-only', 'Identifier of this node in the cluster; fjord defaults it to 1.', USED),
  broker('process.roles', 'LIST', '', 'read-only',
    'Roles this process plays: broker, controller, or both; a fjord single node is both.',
    { validator: listOf('broker', 'controller'), fjordApplies: true }),
  broker('broker.rack', 'STRING', null, 'read-only', 'Rack (or zone) of this broker, reported to clients in metadata.', USED),
  broker('controller.listener.names', 'STRING', null, 'read-only',
    'Names of the listeners the controller uses; fjord\'s single node has no separate controller listener.'),
  broker('controller.quorum.voters', 'LIST', '', 'read-only', 'Static set of controller voters as id@host:port entries.'),
  broker('controller.quorum.bootstrap.servers', 'LIST', '', 'read-only', 'Endpoints used to find the controller quorum.'),
  broker('metadata.log.dir', 'STRING', null, 'read-only', 'Directory of the cluster metadata log; when unset the first log directory is used.'),

  // Listeners and sockets (SocketServerConfigs).
  broker('listeners', 'STRING', 'PLAINTEXT://:9092', 'per-broker',
    'Comma-separated NAME://host:port addresses the broker listens on; fjord defaults to PLAINTEXT://127.0.0.1:9092.', USED),
  broker('advertised.listeners', 'STRING', null, 'per-broker',
    'Addresses given to clients in metadata, NAME://host:port; when unset the listeners are advertised.', USED),
  broker('listener.security.protocol.map', 'STRING', 'SASL_SSL:SASL_SSL,PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT',
    'per-broker', 'Security protocol of each listener name, as NAME:PROTOCOL pairs.', USED),
  broker('inter.broker.listener.name', 'STRING', null, 'read-only', 'Listener other brokers use to reach this one.', USED),
  broker('security.inter.broker.protocol', 'STRING', 'PLAINTEXT', 'read-only',
    'Security protocol between brokers when inter.broker.listener.name is unset.',
    { validator: oneOf('PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL') }),
  broker('socket.request.max.bytes', 'INT', '104857600', 'read-only',
    'Largest request, in bytes, the broker reads from a connection; larger frames are refused.',
    { validator: atLeast(1), fjordApplies: true }),
  broker('socket.send.buffer.bytes', 'INT', '102400', 'read-only', 'SO_SNDBUF of server sockets; -1 uses the operating system default.'),
  broker('socket.receive.buffer.bytes', 'INT', '102400', 'read-only', 'SO_RCVBUF of server sockets; -1 uses the operating system default.'),
  broker('socket.listen.backlog.size', 'INT', '50', 'read-only', 'Largest queue of pending connections on a listening socket.',
    { validator: atLeast(1) }),
  broker('max.connections', 'INT', INT_MAX, 'cluster-wide', 'Most connections the broker accepts at once.',
    { validator: atLeast(0), ...USED_DYNAMIC }),
  broker('max.connections.per.ip', 'INT', INT_MAX, 'cluster-wide', 'Most connections the broker accepts from one IP address.',
    { validator: atLeast(0), ...USED_DYNAMIC }),
  broker('max.connections.per.ip.overrides', 'STRING', '', 'cluster-wide', 'Per-IP or per-host exceptions to max.connections.per.ip, as host:count pairs.'),
  broker('max.connection.creation.rate', 'INT', INT_MAX, 'cluster-wide', 'Most new connections per second the broker accepts.',
    { validator: atLeast(0) }),
  broker('connections.max.idle.ms', 'LONG', '600000', 'read-only', 'Time after which an idle connection is closed.', USED),
  broker('queued.max.requests', 'INT', '500', 'read-only',
    'Most requests waiting for processing before the broker stops reading from connections.',
    { validator: atLeast(1), fjordApplies: true }),
  broker('queued.max.request.bytes', 'LONG', '-1', 'read-only', 'Most bytes of queued requests before reading stops; -1 means no byte limit.'),
  broker('num.network.threads', 'INT', '3', 'cluster-wide', 'Threads that read requests and write responses.', { validator: atLeast(1) }),
  broker('num.io.threads', 'INT', '8', 'cluster-wide', 'Threads that process requests.', { validator: atLeast(1) }),
  broker('background.threads', 'INT', '10', 'cluster-wide', 'Threads for background work such as deleting files.', { validator: atLeast(1) }),
  broker('request.timeout.ms', 'INT', '30000', 'read-only', 'How long the broker waits for a response to a request it sends.'),

  // Topics (ServerLogConfigs, ReplicationConfigs, ServerConfigs).
  broker('num.partitions', 'INT', '1', 'read-only', 'Partitions of an automatically created topic.', { validator: atLeast(1), fjordApplies: true }),
  broker('default.replication.factor', 'INT', '1', 'read-only', 'Replication factor of an automatically created topic.', USED),
  broker('auto.create.topics.enable', 'BOOLEAN', 'true', 'read-only',
    'Whether a Metadata request for an unknown topic creates it.', USED),
  broker('delete.topic.enable', 'BOOLEAN', 'true', 'read-only', 'Whether topics can be deleted.', USED),
  broker('message.max.bytes', 'INT', '1048588', 'cluster-wide',
    'Largest record batch, after compression, the broker accepts; topics may override it with max.message.bytes.',
    { validator: atLeast(0), ...USED_DYNAMIC }),
  broker('min.insync.replicas', 'INT', '1', 'cluster-wide',
    'Fewest in-sync replicas that must acknowledge an acks=all write; topics may override it.', { validator: atLeast(1) }),
  broker('unclean.leader.election.enable', 'BOOLEAN', 'false', 'cluster-wide',
    'Whether a replica outside the in-sync set may become leader as a last resort.'),
  broker('compression.type', 'STRING', 'producer', 'cluster-wide', 'Codec topics store batches with by default; "producer" keeps the producer\'s codec.',
    { validator: oneOf('uncompressed', 'zstd', 'lz4', 'snappy', 'gzip', 'producer') }),
  broker('compression.gzip.level', 'INT', '-1', 'cluster-wide', 'Default gzip level when recompressing.', { validator: gzipLevel() }),
  broker('compression.lz4.level', 'INT', '9', 'cluster-wide', 'Default lz4 level when recompressing.', { validator: range(1, 17) }),
  broker('compression.zstd.level', 'INT', '3', 'cluster-wide', 'Default zstd level when recompressing.', { validator: range(-131072, 22) }),
  broker('create.topic.policy.class.name', 'CLASS', null, 'read-only', 'Java class that vets topic creations; fjord loads no such classes.'),
  broker('alter.config.policy.class.name', 'CLASS', null, 'read-only', 'Java class that vets config changes; fjord loads no such classes.'),
  broker('fetch.max.bytes', 'INT', '57671680', 'read-only', 'Largest fetch response the broker builds.', { validator: atLeast(1024) }),
  broker('replica.lag.time.max.ms', 'LONG', '30000', 'read-only', 'Time after which a follower that has not caught up leaves the in-sync set.'),
  broker('num.replica.fetchers', 'INT', '1', 'cluster-wide', 'Threads that fetch from leaders on each follower.'),
  broker('auto.leader.rebalance.enable', 'BOOLEAN', 'true', 'read-only', 'Whether leadership moves back to preferred replicas in the background.'),

  // Log directories and log defaults (ServerLogConfigs).
  broker('log.dirs', 'STRING', null, 'read-only',
    'Comma-separated directories where partition data is stored; takes precedence over log.dir. fjord supports one directory.', USED),
  broker('log.dir', 'STRING', '/tmp/kafka-logs', 'read-only',
    'Data directory used when log.dirs is unset; fjord defaults it to ./fjord-data under the working directory.', USED),
  broker('log.segment.bytes', 'INT', '1073741824', 'cluster-wide', 'Default segment.bytes of topics.',
    { validator: atLeast(1048576), ...USED_DYNAMIC }),
  broker('log.roll.ms', 'LONG', null, 'cluster-wide', 'Default segment.ms of topics; when unset log.roll.hours applies.', USED_DYNAMIC),
  broker('log.roll.hours', 'INT', '168', 'read-only', 'Default segment.ms of topics, in hours.', { validator: atLeast(1), fjordApplies: true }),
  broker('log.roll.jitter.ms', 'LONG', null, 'cluster-wide', 'Default segment.jitter.ms of topics; when unset log.roll.jitter.hours applies.'),
  broker('log.roll.jitter.hours', 'INT', '0', 'read-only', 'Default segment.jitter.ms of topics, in hours.', { validator: atLeast(0) }),
  broker('log.retention.ms', 'LONG', null, 'cluster-wide',
    'Default retention.ms of topics; when unset log.retention.minutes, then log.retention.hours apply.', USED_DYNAMIC),
  broker('log.retention.minutes', 'INT', null, 'read-only', 'Default retention.ms of topics, in minutes.', USED),
  broker('log.retention.hours', 'INT', '168', 'read-only', 'Default retention.ms of topics, in hours.', USED),
  broker('log.retention.bytes', 'LONG', '-1', 'cluster-wide', 'Default retention.bytes of topics.', USED_DYNAMIC),
  broker('log.retention.check.interval.ms', 'LONG', '300000', 'read-only',
    'How often the broker checks whether segments are due for deletion.', { validator: atLeast(1), fjordApplies: true }),
  broker('log.cleanup.policy', 'LIST', 'delete', 'cluster-wide', 'Default cleanup.policy of topics.',
    { validator: listOf('compact', 'delete'), ...USED_DYNAMIC }),
  broker('log.index.size.max.bytes', 'INT', '10485760', 'cluster-wide', 'Default segment.index.bytes of topics.',
    { validator: atLeast(4), ...USED_DYNAMIC }),
  broker('log.index.interval.bytes', 'INT', '4096', 'cluster-wide', 'Default index.interval.bytes of topics.',
    { validator: atLeast(0), ...USED_DYNAMIC }),
  broker('log.flush.interval.messages', 'LONG', LONG_MAX, 'cluster-wide', 'Default flush.messages of topics.',
    { validator: atLeast(1), ...USED_DYNAMIC }),
  broker('log.flush.interval.ms', 'LONG', null, 'cluster-wide',
    'Default flush.ms of topics; when unset log.flush.scheduler.interval.ms applies.', USED_DYNAMIC),
  broker('log.flush.scheduler.interval.ms', 'LONG', LONG_MAX, 'read-only',
    'How often the broker checks whether logs are due for a flush; also the fallback for flush.ms.', USED),
  broker('log.flush.offset.checkpoint.interval.ms', 'INT', '60000', 'read-only',
    'How often the recovery point of each log is written to disk.', { validator: atLeast(0), fjordApplies: true }),
  broker('log.flush.start.offset.checkpoint.interval.ms', 'INT', '60000', 'read-only',
    'How often the log start offset of each log is written to disk.', { validator: atLeast(0), fjordApplies: true }),
  broker('log.segment.delete.delay.ms', 'LONG', '60000', 'cluster-wide', 'Default file.delete.delay.ms of topics.', { validator: atLeast(0) }),
  broker('log.preallocate', 'BOOLEAN', 'false', 'cluster-wide', 'Default preallocate of topics.'),
  broker('log.message.timestamp.type', 'STRING', 'CreateTime', 'cluster-wide', 'Default message.timestamp.type of topics.',
    { validator: oneOf('CreateTime', 'LogAppendTime'), ...USED_DYNAMIC }),
  broker('log.message.timestamp.before.max.ms', 'LONG', LONG_MAX, 'cluster-wide', 'Default message.timestamp.before.max.ms of topics.',
    { validator: atLeast(0), ...USED_DYNAMIC }),
  broker('log.message.timestamp.after.max.ms', 'LONG', '3600000', 'cluster-wide', 'Default message.timestamp.after.max.ms of topics.',
    { validator: atLeast(0), ...USED_DYNAMIC }),
  broker('log.message.downconversion.enable', 'BOOLEAN', 'true', 'cluster-wide', 'Deprecated and without effect since Kafka 4.0.'),
  broker('log.local.retention.ms', 'LONG', '-2', 'cluster-wide', 'Default local.retention.ms of topics.', { validator: atLeast(-2) }),
  broker('log.local.retention.bytes', 'LONG', '-2', 'cluster-wide', 'Default local.retention.bytes of topics.', { validator: atLeast(-2) }),
  broker('num.recovery.threads.per.data.dir', 'INT', '2', 'cluster-wide', 'Threads per data directory that recover logs at start-up and flush them at shutdown.',
    { validator: atLeast(1) }),
  broker('log.dir.failure.timeout.ms', 'LONG', '30000', 'read-only', 'How long a broker with a failed log directory waits before shutting down.',
    { validator: atLeast(1) }),

  // Log cleaner (CleanerConfig).
  broker('log.cleaner.enable', 'BOOLEAN', 'true', 'read-only', 'Whether the log cleaner (compaction) runs; deprecated in Kafka 4.1.'),
  broker('log.cleaner.threads', 'INT', '1', 'cluster-wide', 'Threads that compact logs.', { validator: atLeast(0) }),
  broker('log.cleaner.dedupe.buffer.size', 'LONG', '134217728', 'cluster-wide', 'Memory for the key map across all cleaner threads.'),
  broker('log.cleaner.io.buffer.size', 'INT', '524288', 'cluster-wide', 'Memory for cleaner read and write buffers.', { validator: atLeast(0) }),
  broker('log.cleaner.io.buffer.load.factor', 'DOUBLE', '0.9', 'cluster-wide', 'Fill factor of the cleaner key map.'),
  broker('log.cleaner.io.max.bytes.per.second', 'DOUBLE', formatJavaDouble(DOUBLE_MAX_VALUE), 'cluster-wide', 'Bandwidth limit of the cleaner.'),
  broker('log.cleaner.backoff.ms', 'LONG', '15000', 'cluster-wide', 'Pause of a cleaner thread when there is nothing to clean.', { validator: atLeast(0) }),
  broker('log.cleaner.min.cleanable.ratio', 'DOUBLE', '0.5', 'cluster-wide', 'Default min.cleanable.dirty.ratio of topics.', { validator: range(0, 1) }),
  broker('log.cleaner.delete.retention.ms', 'LONG', '86400000', 'cluster-wide', 'Default delete.retention.ms of topics.', { validator: atLeast(0) }),
  broker('log.cleaner.min.compaction.lag.ms', 'LONG', '0', 'cluster-wide', 'Default min.compaction.lag.ms of topics.', { validator: atLeast(0) }),
  broker('log.cleaner.max.compaction.lag.ms', 'LONG', LONG_MAX, 'cluster-wide', 'Default max.compaction.lag.ms of topics.', { validator: atLeast(1) }),

  // Consumer offsets and groups (GroupCoordinatorConfig).
  broker('offsets.topic.num.partitions', 'INT', '50', 'read-only', 'Partitions of the internal __consumer_offsets topic.',
    { validator: atLeast(1), fjordApplies: true }),
  broker('offsets.topic.replication.factor', 'SHORT', '3', 'read-only', 'Replication factor of __consumer_offsets; a single node uses 1.',
    { validator: atLeast(1) }),
  broker('offsets.topic.segment.bytes', 'INT', '104857600', 'read-only', 'Segment size of __consumer_offsets.', { validator: atLeast(1) }),
  broker('offsets.retention.minutes', 'INT', '10080', 'read-only', 'How long committed offsets of an empty group are kept.',
    { validator: atLeast(1), fjordApplies: true }),
  broker('offsets.retention.check.interval.ms', 'LONG', '600000', 'read-only', 'How often expired offsets are looked for.', { validator: atLeast(1) }),
  broker('offsets.commit.timeout.ms', 'INT', '5000', 'read-only', 'How long an offset commit waits to be written.', { validator: atLeast(1) }),
  broker('offsets.load.buffer.size', 'INT', '5242880', 'read-only', 'Read buffer for loading __consumer_offsets.', { validator: atLeast(1) }),
  broker('offset.metadata.max.bytes', 'INT', '4096', 'read-only', 'Largest metadata string stored with a committed offset.'),
  broker('group.initial.rebalance.delay.ms', 'INT', '3000', 'read-only', 'How long a new classic group waits for more members before its first rebalance.'),
  broker('group.min.session.timeout.ms', 'INT', '6000', 'read-only', 'Shortest session timeout a classic group member may ask for.'),
  broker('group.max.session.timeout.ms', 'INT', '1800000', 'read-only', 'Longest session timeout a classic group member may ask for.'),
  broker('group.max.size', 'INT', INT_MAX, 'read-only', 'Most members of a classic group.', { validator: atLeast(1) }),
  broker('group.coordinator.rebalance.protocols', 'LIST', 'classic,consumer', 'read-only', 'Group protocols the coordinator serves.',
    { validator: listOf('classic', 'consumer', 'share', 'streams') }),
  broker('group.consumer.session.timeout.ms', 'INT', '45000', 'read-only', 'Session timeout of consumer-protocol group members.', { validator: atLeast(1) }),
  broker('group.consumer.heartbeat.interval.ms', 'INT', '5000', 'read-only', 'Heartbeat interval of consumer-protocol group members.', { validator: atLeast(1) }),
  broker('group.consumer.max.size', 'INT', INT_MAX, 'read-only', 'Most members of a consumer-protocol group.', { validator: atLeast(1) }),

  // Transactions and producer ids (TransactionLogConfig, TransactionStateManagerConfig).
  broker('transaction.state.log.num.partitions', 'INT', '50', 'read-only', 'Partitions of the internal __transaction_state topic.', { validator: atLeast(1) }),
  broker('transaction.state.log.replication.factor', 'SHORT', '3', 'read-only', 'Replication factor of __transaction_state; a single node uses 1.', { validator: atLeast(1) }),
  broker('transaction.state.log.min.isr', 'INT', '2', 'read-only', 'min.insync.replicas of __transaction_state.', { validator: atLeast(1) }),
  broker('transaction.state.log.segment.bytes', 'INT', '104857600', 'read-only', 'Segment size of __transaction_state.', { validator: atLeast(1) }),
  broker('transaction.max.timeout.ms', 'INT', '900000', 'read-only', 'Longest transaction timeout a producer may ask for.', { validator: atLeast(1) }),
  broker('transactional.id.expiration.ms', 'INT', '604800000', 'read-only', 'How long an idle transactional id is remembered.', { validator: atLeast(1) }),
  broker('transaction.abort.timed.out.transaction.cleanup.interval.ms', 'INT', '10000', 'read-only', 'How often timed-out transactions are aborted.', { validator: atLeast(1) }),
  broker('transaction.remove.expired.transaction.cleanup.interval.ms', 'INT', '3600000', 'read-only', 'How often expired transactional ids are removed.', { validator: atLeast(1) }),
  broker('transaction.partition.verification.enable', 'BOOLEAN', 'true', 'cluster-wide', 'Whether a transactional write is checked against the ongoing transaction first.'),
  broker('producer.id.expiration.ms', 'INT', '86400000', 'cluster-wide', 'How long the state of an idle idempotent producer id is kept.', { validator: atLeast(1) }),
  broker('producer.id.expiration.check.interval.ms', 'INT', '600000', 'read-only', 'How often expired producer ids are removed.', { validator: atLeast(1) }),

  // Metrics.
  broker('metric.reporters', 'LIST', '', 'cluster-wide', 'Java classes that receive metrics; fjord loads no such classes.'),
];

export const BROKER_CONFIGS: ReadonlyMap<string, BrokerConfigDefinition> = new Map(
  BROKER_CONFIG_DEFINITIONS.map((definition) => [definition.name, definition]),
);

/**
 * Broker config names of Kafka 4.1 that fjord does not model. A setting with one of these names
 * is accepted with a warning; a name in neither list is an error. `listener.name.*` prefixed
 * settings are treated the same way (see isKnownKafkaBrokerConfigName).
 */
export const KNOWN_KAFKA_BROKER_CONFIG_NAMES: ReadonlySet<string> = new Set([
  'alter.log.dirs.replication.quota.window.num', 'alter.log.dirs.replication.quota.window.size.seconds',
  'authorizer.class.name', 'broker.heartbeat.interval.ms', 'broker.id', 'broker.session.timeout.ms',
  'client.quota.callback.class', 'config.providers', 'connection.failed.authentication.delay.ms', 'connections.max.reauth.ms',
  'controlled.shutdown.enable', 'controlled.shutdown.max.retries', 'controlled.shutdown.retry.backoff.ms',
  'controller.quorum.append.linger.ms', 'controller.quorum.election.backoff.max.ms', 'controller.quorum.election.timeout.ms',
  'controller.quorum.fetch.timeout.ms', 'controller.quorum.request.timeout.ms', 'controller.quorum.retry.backoff.ms',
  'controller.quota.window.num', 'controller.quota.window.size.seconds', 'controller.socket.timeout.ms',
  'controller.performance.sample.period.ms', 'controller.performance.always.log.threshold.ms',
  'delegation.token.expiry.check.interval.ms', 'delegation.token.expiry.time.ms', 'delegation.token.max.lifetime.ms',
  'delegation.token.secret.key', 'delete.records.purgatory.purge.interval.requests', 'early.start.listeners',
  'eligible.leader.replicas.enable', 'fetch.purgatory.purge.interval.requests', 'follower.replication.throttled.rate',
  'group.consumer.assignors', 'group.consumer.max.heartbeat.interval.ms', 'group.consumer.max.session.timeout.ms',
  'group.consumer.migration.policy', 'group.consumer.min.heartbeat.interval.ms', 'group.consumer.min.session.timeout.ms',
  'group.consumer.regex.refresh.interval.ms', 'group.coordinator.append.linger.ms', 'group.coordinator.append.max.buffer.size',
  'group.coordinator.cached.buffer.max.bytes', 'group.coordinator.threads',
  'group.share.delivery.count.limit', 'group.share.enable', 'group.share.heartbeat.interval.ms', 'group.share.max.groups',
  'group.share.max.heartbeat.interval.ms', 'group.share.max.record.lock.duration.ms', 'group.share.max.session.timeout.ms',
  'group.share.max.size', 'group.share.min.heartbeat.interval.ms', 'group.share.min.record.lock.duration.ms',
  'group.share.min.session.timeout.ms', 'group.share.partition.max.record.locks', 'group.share.record.lock.duration.ms',
  'group.share.session.timeout.ms', 'group.share.persister.class.name', 'group.share.assignors',
  'group.streams.heartbeat.interval.ms', 'group.streams.max.heartbeat.interval.ms', 'group.streams.max.session.timeout.ms',
  'group.streams.max.size', 'group.streams.max.standby.replicas', 'group.streams.min.heartbeat.interval.ms',
  'group.streams.min.session.timeout.ms', 'group.streams.num.standby.replicas', 'group.streams.session.timeout.ms',
  'initial.broker.registration.timeout.ms', 'kafka.metrics.polling.interval.secs', 'kafka.metrics.reporters',
  'leader.imbalance.check.interval.seconds', 'leader.imbalance.per.broker.percentage', 'leader.replication.throttled.rate',
  'log.initial.task.delay.ms', 'max.incremental.fetch.session.cache.slots', 'max.request.partition.size.limit',
  'metadata.log.max.record.bytes.between.snapshots', 'metadata.log.max.snapshot.interval.ms', 'metadata.log.segment.bytes',
  'metadata.log.segment.min.bytes', 'metadata.log.segment.ms', 'metadata.max.idle.interval.ms', 'metadata.max.retention.bytes',
  'metadata.max.retention.ms', 'metrics.num.samples', 'metrics.recording.level', 'metrics.sample.window.ms',
  'num.replica.alter.log.dirs.threads', 'offsets.topic.compression.codec', 'principal.builder.class',
  'producer.purgatory.purge.interval.requests', 'quota.window.num', 'quota.window.size.seconds',
  'remote.fetch.max.wait.ms', 'remote.list.offsets.request.timeout.ms', 'remote.log.index.file.cache.total.size.bytes',
  'remote.log.manager.copier.thread.pool.size', 'remote.log.manager.copy.max.bytes.per.second',
  'remote.log.manager.copy.quota.window.num', 'remote.log.manager.copy.quota.window.size.seconds',
  'remote.log.manager.expiration.thread.pool.size', 'remote.log.manager.fetch.max.bytes.per.second',
  'remote.log.manager.fetch.quota.window.num', 'remote.log.manager.fetch.quota.window.size.seconds',
  'remote.log.manager.task.interval.ms', 'remote.log.manager.task.retry.backoff.max.ms', 'remote.log.manager.task.retry.backoff.ms',
  'remote.log.manager.task.retry.jitter', 'remote.log.manager.thread.pool.size', 'remote.log.metadata.custom.metadata.max.bytes',
  'remote.log.metadata.manager.class.name', 'remote.log.metadata.manager.class.path', 'remote.log.metadata.manager.impl.prefix',
  'remote.log.metadata.manager.listener.name', 'remote.log.reader.max.pending.tasks', 'remote.log.reader.threads',
  'remote.log.storage.manager.class.name', 'remote.log.storage.manager.class.path', 'remote.log.storage.manager.impl.prefix',
  'remote.log.storage.system.enable', 'replica.alter.log.dirs.io.max.bytes.per.second', 'replica.fetch.backoff.ms',
  'replica.fetch.max.bytes', 'replica.fetch.min.bytes', 'replica.fetch.response.max.bytes', 'replica.fetch.wait.max.ms',
  'replica.high.watermark.checkpoint.interval.ms', 'replica.selector.class', 'replica.socket.receive.buffer.bytes',
  'replica.socket.timeout.ms', 'replication.quota.window.num', 'replication.quota.window.size.seconds',
  'sasl.client.callback.handler.class', 'sasl.enabled.mechanisms', 'sasl.jaas.config', 'sasl.kerberos.kinit.cmd',
  'sasl.kerberos.principal.to.local.rules', 'sasl.kerberos.service.name', 'sasl.kerberos.ticket.renew.jitter',
  'sasl.kerberos.ticket.renew.window.factor', 'sasl.login.callback.handler.class', 'sasl.login.class',
  'sasl.login.connect.timeout.ms', 'sasl.login.read.timeout.ms', 'sasl.login.refresh.buffer.seconds',
  'sasl.login.refresh.min.period.seconds', 'sasl.login.refresh.window.factor', 'sasl.login.refresh.window.jitter',
  'sasl.login.retry.backoff.max.ms', 'sasl.login.retry.backoff.ms', 'sasl.mechanism.controller.protocol',
  'sasl.mechanism.inter.broker.protocol', 'sasl.oauthbearer.clock.skew.seconds', 'sasl.oauthbearer.expected.audience',
  'sasl.oauthbearer.expected.issuer', 'sasl.oauthbearer.jwks.endpoint.refresh.ms', 'sasl.oauthbearer.jwks.endpoint.retry.backoff.max.ms',
  'sasl.oauthbearer.jwks.endpoint.retry.backoff.ms', 'sasl.oauthbearer.jwks.endpoint.url', 'sasl.oauthbearer.scope.claim.name',
  'sasl.oauthbearer.sub.claim.name', 'sasl.oauthbearer.token.endpoint.url', 'sasl.server.callback.handler.class',
  'sasl.server.max.receive.size', 'server.max.startup.time.ms', 'share.fetch.max.fetch.records',
  'share.fetch.purgatory.purge.interval.requests', 'share.coordinator.state.topic.num.partitions',
  'share.coordinator.state.topic.replication.factor', 'share.coordinator.state.topic.segment.bytes',
  'share.coordinator.state.topic.min.isr', 'share.coordinator.threads', 'share.coordinator.append.linger.ms',
  'share.coordinator.snapshot.update.records.per.snapshot', 'share.coordinator.write.timeout.ms',
  'share.coordinator.load.buffer.size', 'share.coordinator.cold.partition.snapshot.interval.ms',
  'ssl.allow.dn.changes', 'ssl.allow.san.changes', 'ssl.cipher.suites', 'ssl.client.auth', 'ssl.enabled.protocols',
  'ssl.endpoint.identification.algorithm', 'ssl.engine.factory.class', 'ssl.key.password', 'ssl.keymanager.algorithm',
  'ssl.keystore.certificate.chain', 'ssl.keystore.key', 'ssl.keystore.location', 'ssl.keystore.password', 'ssl.keystore.type',
  'ssl.principal.mapping.rules', 'ssl.protocol', 'ssl.provider', 'ssl.secure.random.implementation', 'ssl.trustmanager.algorithm',
  'ssl.truststore.certificates', 'ssl.truststore.location', 'ssl.truststore.password', 'ssl.truststore.type',
  'telemetry.max.bytes', 'transaction.state.log.load.buffer.size', 'unclean.leader.election.interval.ms',
  'unstable.api.versions.enable', 'unstable.feature.versions.enable',
]);

/** Whether Kafka 4.1 knows `name` as a broker config (modelled by fjord or not). */
export function isKnownKafkaBrokerConfigName(name: string): boolean {
  return BROKER_CONFIGS.has(name) || KNOWN_KAFKA_BROKER_CONFIG_NAMES.has(name) || /^listener\.name\.[^.]+\..+/.test(name);
}

/** Broker configs that are PASSWORD-typed in Kafka and so sensitive in DescribeConfigs. */
export const SENSITIVE_KAFKA_BROKER_CONFIG_NAMES: ReadonlySet<string> = new Set([
  'ssl.key.password', 'ssl.keystore.password', 'ssl.truststore.password', 'ssl.keystore.key',
  'ssl.keystore.certificate.chain', 'ssl.truststore.certificates', 'sasl.jaas.config', 'delegation.token.secret.key',
]);

/**
 * Broker synonyms in Kafka's order (DynamicBrokerConfig.brokerConfigSynonyms): configs that set
 * the same value under another name or unit.
 */
export function brokerConfigSynonyms(name: string): readonly string[] {
  switch (name) {
    case 'log.roll.ms':
    case 'log.roll.hours':
      return ['log.roll.ms', 'log.roll.hours'];
    case 'log.roll.jitter.ms':
    case 'log.roll.jitter.hours':
      return ['log.roll.jitter.ms', 'log.roll.jitter.hours'];
    case 'log.flush.interval.ms':
      return ['log.flush.interval.ms', 'log.flush.scheduler.interval.ms'];
    case 'log.retention.ms':
    case 'log.retention.minutes':
    case 'log.retention.hours':
      return ['log.retention.ms', 'log.retention.minutes', 'log.retention.hours'];
    default:
      return [name];
  }
}

/** Kafka's "no limit" for LONG broker configs, as a JavaScript number (≥ 2^63). */
export const LONG_MAX_AS_NUMBER = Number(LONG_MAX_VALUE);
